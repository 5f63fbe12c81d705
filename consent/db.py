"""The vault databases: one per partner, reached only through this package.

No module outside ``consent`` opens a vault; other packages ask ``consent``'s public services.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from concord.db import make_engine, session_factory
from concord.migrate import is_current, upgrade
from concord.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("consent.db")
CHECKPOINT_ATTEMPTS = 5


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    # Deleted content is overwritten with zeros instead of lingering in free pages, so that
    # an erased person cannot be read back from the file (see consent.rights.erasure).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class VaultBase(DeclarativeBase):
    """Declarative base of a vault's tables: one partner's personal data."""


class Vaults:
    """Engines of every partner's vault, opened on first use and kept for the process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._factories: dict[str, sessionmaker[Session]] = {}
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def engine(self, partner_slug: str) -> Engine:
        with self._lock:
            if partner_slug not in self._engines:
                url = self._settings.vault_database_url(partner_slug)
                engine = make_engine(url, pool_size=2)
                if engine.dialect.name == "sqlite":
                    event.listen(engine, "connect", _secure_delete)
                self._engines[partner_slug] = engine
            return self._engines[partner_slug]

    def factory(self, partner_slug: str) -> sessionmaker[Session]:
        engine = self.engine(partner_slug)
        with self._lock:
            if partner_slug not in self._factories:
                self._factories[partner_slug] = session_factory(engine)
            return self._factories[partner_slug]

    @contextmanager
    def transaction(self, partner_slug: str) -> Iterator[Session]:
        """A session on one partner's vault that commits on success."""
        with self.factory(partner_slug)() as session, session.begin():
            yield session

    def scrub(self, partner_slug: str) -> None:
        """After an erasure, move the write-ahead log into the database file and empty it.

        The log keeps earlier versions of every page it holds, erased rows included, until a
        checkpoint; TRUNCATE also cuts the file to nothing. PostgreSQL needs nothing here.
        """
        engine = self.engine(partner_slug)
        if engine.dialect.name != "sqlite":
            return
        # The raw connection runs in autocommit: a checkpoint cannot run inside a transaction.
        # A reader in the middle of a transaction blocks it; such transactions are short here.
        for attempt in range(CHECKPOINT_ATTEMPTS):
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                cursor.close()
            finally:
                connection.close()
            if not busy:
                return
            time.sleep(0.2 * (attempt + 1))
        log.warning("vault %s: the log checkpoint was blocked by a reader", partner_slug)

    def migrate(self, partner_slug: str) -> None:
        """Create the vault if needed and bring it to the newest schema."""
        upgrade(self.engine(partner_slug), MIGRATIONS)

    def is_current(self, partner_slug: str) -> bool:
        return is_current(self.engine(partner_slug), MIGRATIONS)

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
            self._factories.clear()
