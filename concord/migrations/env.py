"""Alembic environment of the hub tree.

The hub holds outreach's shared tables too, so this file, like the app factory, composes
packages: it is part of the composition root.
"""

import concord.models
import outreach.models
from concord.migrate import run_migrations

assert outreach.models  # registers outreach's hub tables on HubBase.metadata
run_migrations(concord.models.HubBase.metadata)
