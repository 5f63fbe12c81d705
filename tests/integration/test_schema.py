"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData

import concord.models
import consent.models
import outreach.models
from consent.contacts.models import CONTACT_REFERENCES, PURPOSE_REFERENCES
from tests.conftest import PARTNER_A, World


def _differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    # The scheduler's own table is created by APScheduler, not by our migrations.
    diff = [d for d in diff if "scheduler_jobs" not in repr(d)]
    if engine.dialect.name == "postgresql":
        # There, triggers keep these references (consent/contacts/models.py).
        diff = [d for d in diff if not _checked_by_triggers(d)]
    return diff


def _checked_by_triggers(difference: object) -> bool:
    if not (isinstance(difference, tuple) and difference[0] == "add_fk"):
        return False
    constraint = difference[1]
    columns = [c.name for c in constraint.columns]
    if columns == ["contact_id"]:
        return constraint.table.name in CONTACT_REFERENCES
    return columns == ["purpose_id"] and constraint.table.name in PURPOSE_REFERENCES


def test_hub_migrations_match_the_models(world: World) -> None:
    assert outreach.models  # outreach keeps tables in the hub too
    assert _differences(world.hub.engine, concord.models.HubBase.metadata) == []


def test_vault_migrations_match_the_models(world: World) -> None:
    engine = world.vaults.engine(PARTNER_A)
    assert _differences(engine, consent.models.VaultBase.metadata) == []
