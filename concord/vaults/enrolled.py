"""Federated mode's directory: each partner's node, as enrolled in the hub database.

The address and pinned key of a node are read from the partner's row at every call, so an
enrolment or a revocation takes effect at once in every process of the hub.
"""

from __future__ import annotations

from sqlalchemy import select

from concord.hub import Hub
from concord.partners.models import Partner
from concord.partners.nodes import hub_signing_pair
from concord.settings import Settings
from concord.vaults.http import HttpDirectory, NodeAddress, Patience


def patience(settings: Settings) -> Patience:
    return Patience(
        timeout_seconds=settings.node_timeout_seconds,
        tries=settings.node_tries,
        backoff_seconds=settings.node_backoff_seconds,
    )


def enrolled_directory(hub: Hub, settings: Settings) -> HttpDirectory:
    """The port of each partner with an enrolled, unrevoked node."""

    def address_of(slug: str) -> NodeAddress | None:
        with hub.transaction() as session:
            row = session.execute(
                select(Partner.node_url, Partner.node_key, Partner.node_revoked_at).where(
                    Partner.slug == slug
                )
            ).first()
        if row is None or not row.node_url or not row.node_key or row.node_revoked_at:
            return None
        return NodeAddress(row.node_url, row.node_key)

    return HttpDirectory(address_of, hub_signing_pair(settings), patience(settings))
