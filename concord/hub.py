"""The hub: settings plus the shared database, handed to controllers, jobs and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from concord.accounts.passwords import hasher
from concord.db import make_engine, session_factory
from concord.migrate import is_current, upgrade
from concord.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


class Hub:
    """One process's handle on the hub database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.hub_database_url)
        self.factory: sessionmaker[Session] = session_factory(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A hub session that commits when the block succeeds."""
        with self.factory() as session, session.begin():
            yield session

    @cached_property
    def password_hasher(self) -> PasswordHasher:
        return hasher(self.settings)

    def migrate(self) -> None:
        upgrade(self.engine, MIGRATIONS)

    def is_current(self) -> bool:
        return is_current(self.engine, MIGRATIONS)

    def dispose(self) -> None:
        self.engine.dispose()
