"""Federated mode: the hub relays the partnership key between nodes, sealed, unopened.

Each run asks every enrolled node which key it holds. If none holds one, the first node
makes it. Every node without the newest key gets it sealed to its own X25519 key by a node
that has it; the hub carries the sealed box and cannot open it.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from concord import jobs
from concord.hub import Hub
from concord.partners.models import Partner
from consent.public import NodeUnavailable, PartnershipKeyStatus, VaultDirectory

log = logging.getLogger("concord.partners.key_relay")


def share_partnership_key(directory: VaultDirectory, slugs: list[str]) -> int:
    """Bring every reachable node to the newest partnership key; returns how many moved."""
    statuses: dict[str, PartnershipKeyStatus] = {}
    for slug in slugs:
        try:
            statuses[slug] = directory.vault(slug).partnership_key_status()
        except NodeUnavailable as unavailable:
            log.warning("partnership key: %s", unavailable)
    if not statuses:
        return 0
    holders = {slug: s for slug, s in statuses.items() if s.key_id is not None}
    if not holders:
        first = sorted(statuses)[0]
        holders[first] = statuses[first] = directory.vault(first).start_partnership_key()
    source = max(holders, key=lambda slug: (holders[slug].created or 0.0, holders[slug].key_id))
    newest = holders[source]
    moved = 0
    for slug, status in statuses.items():
        if status.key_id == newest.key_id:
            continue
        try:
            sealed = directory.vault(source).seal_partnership_key(status.sealing_key)
            directory.vault(slug).accept_partnership_key(sealed)
            moved += 1
        except NodeUnavailable as unavailable:
            log.warning("partnership key: %s", unavailable)
    return moved


def enrolled(hub: Hub) -> list[str]:
    """The partners whose nodes are enrolled and not revoked."""
    with hub.transaction() as session:
        return list(
            session.scalars(
                select(Partner.slug)
                .where(Partner.node_url.is_not(None), Partner.node_revoked_at.is_(None))
                .order_by(Partner.slug)
            )
        )


def relay_partnership_key() -> None:
    """The worker's job (federated hubs only)."""
    hub = jobs.current_hub()
    directory = jobs.bound("vault_directory")
    assert isinstance(directory, VaultDirectory)
    moved = share_partnership_key(directory, enrolled(hub))
    if moved:
        log.info("partnership key relayed to %d node(s)", moved)
