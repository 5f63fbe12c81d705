"""The vault databases: one per partner, reached only through this package.

No module outside ``consent`` opens a vault; other packages ask ``consent``'s public services.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from concord.db import make_engine, session_factory
from concord.migrate import is_current, upgrade
from concord.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


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
                self._engines[partner_slug] = make_engine(url, pool_size=2)
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
