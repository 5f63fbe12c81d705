"""The dashboard's governance sections: what awaits signature, recent decisions, and the
latest overlap round that the composition root adds."""

from __future__ import annotations

from collections.abc import Callable

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient

from concord.governance.decisions import services as decisions
from concord.governance.principles import services as principles
from tests.conftest import World

Client = TestClient[Litestar]


def _cards(client: Client) -> dict[str, str]:
    soup = BeautifulSoup(client.get("/dashboard").text, "html.parser")
    cards: dict[str, str] = {}
    for card in soup.select("article.card"):
        heading = card.find("h2")
        assert heading is not None
        cards[heading.get_text(strip=True)] = card.get_text(" ", strip=True)
    return cards


def test_the_secretariat_sees_what_awaits_signature_and_recent_decisions(
    world: World, as_user: Callable[[str], Client]
) -> None:
    with world.hub.transaction() as session:
        version = principles.draft_new_version(session, actor="test")
        principles.sign(
            session,
            version.id,
            signer_id=world.users["signatory_a"],
            partner_slug="alpha",
            shown_hash=version.content_hash,
        )
        decisions.propose(
            session,
            proposer_id=world.users["secretariat"],
            title="Share the event calendar",
            text="Yes.",
            changes_principles=False,
            form_key="d" * 24,
        )
    cards = _cards(as_user("secretariat"))
    assert "version 1 : not signed by Bravo Norms Office" in cards["Awaiting signature"]
    assert "Alpha" not in cards["Awaiting signature"]
    assert "Share the event calendar (open)" in cards["Recent decisions"]
    assert "No round has run yet" in cards["Latest overlap round"]
    comms = _cards(as_user("comms_a"))
    assert "Awaiting signature" not in comms and "Latest overlap round" not in comms
    assert "Recent decisions" in comms
    assert "Awaiting signature" in _cards(as_user("signatory_a"))


def test_meetings_actions_and_request_counts_reach_the_right_people(
    world: World, as_user: Callable[[str], Client]
) -> None:
    from datetime import timedelta

    from concord.db import utcnow
    from concord.governance.actions.models import ActionItem, ActionStatus
    from concord.governance.meetings.models import Meeting
    from consent.rights.requests import receive_request
    from tests.integration.stakeholders import add_contact

    with world.hub.transaction() as session:
        session.add(
            Meeting(
                title="Partnership meeting",
                starts_at=utcnow() + timedelta(days=3),
                duration_minutes=90,
                timezone="Europe/Berlin",
                created_by="test",
            )
        )
        session.add(
            ActionItem(
                title="Circulate the event budget",
                owner_id=world.users["comms_a"],
                due_on=(utcnow() - timedelta(days=2)).date(),
                status=ActionStatus.OPEN,
                created_by="test",
            )
        )
    contact_id = add_contact(world)
    with world.vaults.transaction("alpha") as vault:
        receive_request(
            vault, contact_id=contact_id, kind="erasure", verified_by="staff_in_person", actor="t"
        )
    secretariat = _cards(as_user("secretariat"))
    assert "Partnership meeting" in secretariat["Next meeting"]
    assert "Circulate the event budget" in secretariat["Overdue action items"]
    requests = secretariat["Data-subject requests"]
    assert "Alpha Standards Body 1 0" in requests and "Bravo Norms Office 0 0" in requests
    owner = _cards(as_user("comms_a"))
    assert "Circulate the event budget" in owner["Overdue action items"]
    assert "Data-subject requests" not in owner
    assert "Overdue action items" not in _cards(as_user("comms_b"))
