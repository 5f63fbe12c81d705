"""Run one Alembic migration tree against one database.

The hub and every vault have their own tree; both go through :func:`upgrade` so that they are
configured the same way (batch mode for SQLite, the connection handed in, no logging setup).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData


def alembic_config(script_location: Path) -> Config:
    """An Alembic config for a tree, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


def upgrade(engine: Engine, script_location: Path, revision: str = "head") -> None:
    """Bring the database behind ``engine`` up to ``revision`` of the tree."""
    config = alembic_config(script_location)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(engine: Engine, script_location: Path) -> bool:
    """Whether the database is at the tree's head revision."""
    heads = set(ScriptDirectory.from_config(alembic_config(script_location)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def run_migrations(metadata: MetaData) -> None:
    """The body of both trees' ``env.py``: migrate the connection that :func:`upgrade` hands in."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
