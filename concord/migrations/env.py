"""Alembic environment of the hub tree: runs on the connection that concord.migrate hands in."""

from alembic import context

import concord.models
from concord.db import HubBase

assert concord.models  # every hub table is registered on HubBase.metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=HubBase.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
