"""Alembic environment of the hub tree."""

import concord.models
from concord.migrate import run_migrations

run_migrations(concord.models.HubBase.metadata)
