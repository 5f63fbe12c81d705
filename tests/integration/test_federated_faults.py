"""Federated mode when a partner's vault node is down, with real node processes over signed
HTTP: the calendar loses no change and calls no item clear against an audience nobody could
read, and catches up when the node is back; find my data links to each partner's own node and
names one it could not ask."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from concord.hub import Hub
from concord.settings import Settings
from outreach.calendar.evaluation import evaluate, reevaluate_stale
from outreach.calendar.items import retry_unreachable_audiences
from outreach.calendar.models import OutreachItem
from outreach.calendar.sending import send_due_items
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form
from tests.integration.test_calendar import (
    DAY,
    MATCHING_SECRET,
    SHARED,
    add_contacts,
    item_form,
    plan,
    soup,
)
from tests.mailserver import MailServer
from tests.nodes import NodeFarm


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(matching_secret=MATCHING_SECRET)


@pytest.fixture
def vault_adapter(node_farm: NodeFarm) -> str:
    return "http"


def test_a_down_node_is_named_and_nothing_is_called_clear(
    world: World, node_farm: NodeFarm, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    add_contacts(world, PARTNER_A, SHARED)
    add_contacts(world, PARTNER_B, SHARED)
    alpha, bravo = as_user("comms_a"), as_user("comms_b")
    theirs = plan(bravo, PARTNER_B, item_form(DAY + timedelta(days=30), topics="water"))
    ours = plan(alpha, PARTNER_A, item_form(DAY, topics="energy"))
    node = node_farm.node(PARTNER_A, world.settings)
    node.kill()

    # A new item cannot be checked against its owner's catalogue: refused, in words, unsaved.
    refused = post_form(alpha, f"/partners/{PARTNER_A}/calendar/items", item_form(DAY))
    assert refused.status_code == 400
    assert "could not be reached" in soup(refused).select_one("#e-purpose_code").text
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutreachItem)) == 2

    # Bravo moves its item next to Alpha's; Alpha moves its own while its node is down.
    moved = post_form(
        bravo,
        f"/partners/{PARTNER_B}/calendar/items/{theirs}/move",
        {"day": (DAY + timedelta(days=1)).isoformat(), "version": "1"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    moved = post_form(
        alpha,
        f"/partners/{PARTNER_A}/calendar/items/{ours}/move",
        {"day": (DAY + timedelta(days=2)).isoformat(), "version": "1"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    with world.hub.transaction() as session:
        assert session.get_one(OutreachItem, ours).audience_unreachable_since is not None
    reevaluate_stale(world.hub)
    page = soup(bravo.get(f"/partners/{PARTNER_B}/calendar/items/{theirs}"))
    notice = page.select_one("#not-evaluated")
    assert notice is not None and "Not evaluated against" in notice.text
    assert "unreachable since" in notice.text
    assert page.select_one("#no-clashes") is None
    # Alpha's own pages say its node cannot be reached, rather than failing.
    down = alpha.get(f"/partners/{PARTNER_A}/calendar/items/{ours}")
    assert down.status_code in (200, 503)
    if down.status_code == 503:
        assert "cannot be reached" in down.text and PARTNER_A in down.text

    # The node comes back: the worker's retry reads the audience and the rules catch up.
    node_farm.restart(node)
    assert retry_unreachable_audiences(world.hub, world.directory) == 1
    with world.hub.transaction() as session:
        assert session.get_one(OutreachItem, ours).audience_unreachable_since is None
    result = evaluate(world.hub, theirs, suggest=False)
    assert result is not None and result.unreachable == []
    assert result.overlaps, "both audiences are back, so the shared recipients show"


def test_find_my_data_links_to_each_node_and_names_one_that_is_down(
    world: World, node_farm: NodeFarm
) -> None:
    from concord.finder.services import holdings
    from concord.partners.models import Partner

    add_contacts(world, PARTNER_A, ["found@x.example"])
    nodes = {slug: node_farm.node(slug, world.settings) for slug in (PARTNER_A, PARTNER_B)}
    with world.hub.transaction() as session:
        for partner in session.scalars(select(Partner)):
            if partner.slug in nodes:
                partner.node_url = nodes[partner.slug].url
    federated = Hub(world.settings.with_changes(federated=True))
    try:
        found = holdings(federated, world.directory, "found@x.example")
        assert len(found) == 1
        assert found[0].preferences_path.startswith(f"{nodes[PARTNER_A].url}/p/")
        nodes[PARTNER_B].kill()
        found = holdings(federated, world.directory, "found@x.example")
        assert [h.unreachable for h in found] == [False, True] or [
            h.unreachable for h in found
        ] == [True, False]
        assert any(h.preferences_path.startswith(nodes[PARTNER_A].url) for h in found)
    finally:
        federated.dispose()


def test_a_send_waits_for_a_down_node_and_resumes_once(
    world: World, node_farm: NodeFarm, mail_server: MailServer
) -> None:
    from tests.integration.test_calendar_sending import recipients, scheduled_item

    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example"])
    item_id = scheduled_item(world)
    settings = mail_server.settings(world.settings)
    directory = world.ports(settings)
    node = node_farm.node(PARTNER_A, settings)
    node.kill()
    send_due_items(world.hub, directory)
    assert recipients(mail_server) == Counter()
    with world.hub.transaction() as session:
        assert session.get_one(OutreachItem, item_id).status.value in ("scheduled", "sending")
    node_farm.restart(node)
    send_due_items(world.hub, directory)
    send_due_items(world.hub, directory)  # a second run sends nobody twice
    assert recipients(mail_server) == Counter(["a1@x.example", "a2@x.example"])
    with world.hub.transaction() as session:
        assert session.get_one(OutreachItem, item_id).status.value == "sent"
