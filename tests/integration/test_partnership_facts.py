"""A federated hub tells every node the partnership's shared categories and sharing rules,
which the node's own pages then show; a node that is down is skipped and told next time."""

from __future__ import annotations

import pytest

from concord.categories.services import add_category
from concord.node_site import NodeHost
from concord.partners.facts_relay import tell_nodes
from concord.vault_host import HubHost
from tests.conftest import PARTNER_A, PARTNER_B, World
from tests.nodes import NodeFarm


@pytest.fixture
def vault_adapter() -> str:
    return "http"


def test_nodes_learn_the_shared_categories_and_rules_from_the_hub(
    world: World, node_farm: NodeFarm
) -> None:
    with world.hub.transaction() as session:
        add_category(session, slug="union", name="Trade union", description="", actor="test")
        add_category(session, slug="ngo", name="NGO", description="", actor="test")
    alpha = node_farm.node(PARTNER_A, world.settings)
    before = NodeHost(world.hub, alpha.folder)
    assert before.shared_categories() == []

    assert tell_nodes(world.hub, world.directory, [PARTNER_A]) == 1

    hub_says = HubHost(world.hub)
    node_says = NodeHost(world.hub, alpha.folder)
    assert node_says.shared_categories() == hub_says.shared_categories()
    assert [c.name for c in node_says.shared_categories()] == ["NGO", "Trade union"]
    assert node_says.sharing_rules() == hub_says.sharing_rules()


def test_a_down_node_is_skipped_and_told_later(world: World, node_farm: NodeFarm) -> None:
    with world.hub.transaction() as session:
        add_category(session, slug="union", name="Trade union", description="", actor="test")
    bravo = node_farm.node(PARTNER_B, world.settings)
    bravo.kill()
    assert tell_nodes(world.hub, world.directory, [PARTNER_A, PARTNER_B]) == 1
    assert NodeHost(world.hub, bravo.folder).shared_categories() == []
    node_farm.restart(bravo)
    assert tell_nodes(world.hub, world.directory, [PARTNER_B]) == 1
    assert [c.slug for c in NodeHost(world.hub, bravo.folder).shared_categories()] == ["union"]
