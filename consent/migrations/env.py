"""Alembic environment of the vault tree."""

import consent.models
from concord.migrate import run_migrations

run_migrations(consent.models.VaultBase.metadata)
