"""The port between the hub and a vault: wire types only, what the hub records of its calls,
and links that name their vault (while links sent before still work)."""

from __future__ import annotations

import inspect
import json
import secrets
import typing
from datetime import timedelta

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

import consent.public as public
from concord.audit.models import AuditEntry
from concord.db import utcnow
from concord.secrets import token_hash
from consent.invitations.models import Invitation
from consent.links import services as links
from consent.links.models import LinkKind, StakeholderLink
from consent.public import AudienceSegment, Mail, VaultPort
from tests.conftest import PARTNER_A, World
from tests.integration.stakeholders import NEWSLETTER, add_contact
from tests.integration.test_events import MATCHING_SECRET, commit, make_event

pytestmark = pytest.mark.crosses_boundary

METHODS = [
    name
    for name, _ in inspect.getmembers(VaultPort, inspect.isfunction)
    if not name.startswith("_")
]


def test_the_port_has_a_method_for_each_question_and_says_what_leaves() -> None:
    assert len(METHODS) >= 25
    for name in METHODS:
        doc = inspect.getdoc(getattr(VaultPort, name)) or ""
        assert doc.startswith("Leaves the vault:"), name


@pytest.mark.parametrize("name", METHODS)
def test_every_argument_and_answer_is_a_wire_type(name: str) -> None:
    """A JSON schema exists only for primitives, dataclasses of them, enums and containers:
    an ORM row or a consent-internal object here would raise."""
    hints = typing.get_type_hints(getattr(VaultPort, name), vars(public))
    for kind in hints.values():
        msgspec.json.schema(kind)


def test_the_hub_records_what_it_asked_and_the_counts_it_got(world: World) -> None:
    add_contact(world, "ada@example.org")
    add_contact(world, "bea@example.org")
    vault = world.directory.vault(PARTNER_A)
    report = vault.queue_mail(
        AudienceSegment(NEWSLETTER, "email"),
        Mail("campaign", "message", "Spring consultation", "Have your say."),
        partner_name="Alpha Standards Body",
        idempotency_prefix="item:port-test",
    )
    assert report.queued == 2
    vault.audience_size(AudienceSegment(NEWSLETTER, "email"))  # a size for its own staff
    with world.hub.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("vault."))
        ).all()
        recorded = [(e.action, e.object_ref, json.loads(e.detail)) for e in entries]
    assert recorded == [
        (
            "vault.queue_mail",
            f"partner:{PARTNER_A}",
            {"idempotency_prefix": "item:port-test", "queued": 2, "skipped": 0},
        )
    ]
    assert "ada@example.org" not in repr(recorded)


def test_links_name_their_vault_and_old_links_still_work(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = add_contact(world, "ada@example.org")
    with world.vaults.transaction(PARTNER_A) as session:
        named = links.issue(session, LinkKind.PREFERENCES, contact_id)
        # A link sent before links named their partner: a bare random token.
        legacy = secrets.token_urlsafe(32)
        session.add(
            StakeholderLink(
                token_hash=token_hash(legacy),
                kind=LinkKind.PREFERENCES,
                contact_id=contact_id,
                created_at=utcnow(),
                expires_at=utcnow() + timedelta(days=30),
            )
        )
    assert named.startswith(f"{PARTNER_A}.")
    assert anonymous.get(f"/p/{named}").status_code == 200
    assert anonymous.get(f"/p/{legacy}").status_code == 200
    # A link naming another partner is not looked for in this vault.
    assert anonymous.get(f"/p/bravo.{named.partition('.')[2]}").status_code == 404


def test_rsvp_links_name_their_vault_and_old_ones_still_work(
    world: World, app: Litestar, anonymous: TestClient[Litestar]
) -> None:
    world.settings = world.settings.with_changes(matching_secret=MATCHING_SECRET)
    add_contact(world, "ada@example.org")
    commit(world, make_event(world, cohost=False), PARTNER_A)
    legacy = secrets.token_urlsafe(32)
    with world.vaults.transaction(PARTNER_A) as session:
        [ref] = session.scalars(select(Invitation.ref)).all()
        session.execute(
            update(Invitation)
            .where(Invitation.ref == ref)
            .values(rsvp_token_hash=token_hash(legacy))
        )
    assert anonymous.get(f"/rsvp/{legacy}").status_code == 200
    assert anonymous.get(f"/rsvp/{PARTNER_A}.{legacy}").status_code == 404
