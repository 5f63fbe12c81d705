"""The hub as the host of every vault on this box: part of the composition root.

It answers a vault's questions about the partnership (see :mod:`consent.host`) from the hub
database, in plain values, so that vault code never reads a hub model.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from concord.accounts.models import User
from concord.categories.services import all_categories
from concord.hub import Hub
from concord.partners.services import all_partners, by_slug
from concord.partnership.settings import Disclosure
from concord.partnership.settings import current as rules_in_force
from concord.settings import Settings
from consent.host import PartnerCard, SharedCategoryCard, SharingRules


class HubHost:
    """The single box's answers to what a vault needs to know."""

    def __init__(self, hub: Hub, settings: Settings | None = None) -> None:
        self._hub = hub
        self.settings = settings or hub.settings

    def partner(self, slug: str) -> PartnerCard | None:
        with self._hub.transaction() as session:
            found = by_slug(session, slug)
            return PartnerCard(found.slug, found.name, found.country) if found else None

    def partners(self) -> list[PartnerCard]:
        with self._hub.transaction() as session:
            return [PartnerCard(p.slug, p.name, p.country) for p in all_partners(session)]

    def staff_names(self, user_ids: Collection[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        with self._hub.transaction() as session:
            rows = session.execute(
                select(User.id, User.display_name).where(User.id.in_(list(user_ids)))
            )
            return {int(user_id): str(name) for user_id, name in rows}

    def shared_categories(self) -> list[SharedCategoryCard]:
        with self._hub.transaction() as session:
            return [SharedCategoryCard(c.slug, c.name) for c in all_categories(session)]

    def sharing_rules(self) -> SharingRules:
        with self._hub.transaction() as session:
            return SharingRules(rules_in_force(session).disclosure is Disclosure.CONTACT_FLAGS)
