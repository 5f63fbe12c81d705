"""Federated mode: the hub tells every node what the partnership decided for all vaults.

A node's pages need the shared categories, which the secretariat keeps at the hub, and the
sharing rules of the signed principles. Each run tells every enrolled node both, so a node
that joins, or was down, knows them within a minute.
"""

from __future__ import annotations

import logging

from concord import jobs
from concord.categories.services import all_categories
from concord.hub import Hub
from concord.partners.key_relay import enrolled
from concord.partnership.settings import Disclosure
from concord.partnership.settings import current as rules_in_force
from consent.public import NodeUnavailable, PartnershipFacts, VaultDirectory

log = logging.getLogger("concord.partners.facts_relay")


def partnership_facts(hub: Hub) -> PartnershipFacts:
    with hub.transaction() as session:
        return PartnershipFacts(
            shared_categories={c.slug: c.name for c in all_categories(session)},
            contact_flags=rules_in_force(session).disclosure is Disclosure.CONTACT_FLAGS,
        )


def tell_nodes(hub: Hub, directory: VaultDirectory, slugs: list[str]) -> int:
    """Tell each node in ``slugs`` the partnership's facts; returns how many were told."""
    facts = partnership_facts(hub)
    told = 0
    for slug in slugs:
        try:
            directory.vault(slug).learn_partnership(facts)
            told += 1
        except NodeUnavailable as unavailable:
            log.warning("partnership facts: %s", unavailable)
    return told


def relay_partnership_facts() -> None:
    """The worker's job (federated hubs only)."""
    hub = jobs.current_hub()
    directory = jobs.bound("vault_directory")
    assert isinstance(directory, VaultDirectory)
    tell_nodes(hub, directory, enrolled(hub))
