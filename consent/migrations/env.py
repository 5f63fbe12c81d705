"""Alembic environment of the vault tree: runs on the connection that concord.migrate hands in."""

from alembic import context

import consent.models
from consent.db import VaultBase

assert consent.models  # every vault table is registered on VaultBase.metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=VaultBase.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
