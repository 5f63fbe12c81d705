"""The hub side of the JSON API (``/api/v1``), authenticated by per-user bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency

from concord.audit import chain
from concord.hub import Hub
from concord.partners.services import all_partners
from concord.web.access import Access, access
from concord.web.pages import viewer_of


@dataclass(frozen=True)
class Me:
    id: int
    display_name: str
    role: str
    partner: str | None


@dataclass(frozen=True)
class PartnerSummary:
    slug: str
    name: str
    country: str
    timezone: str


@dataclass(frozen=True)
class ChainStatus:
    checked: int
    ok: bool
    first_bad_entry: int | None


class HubApiController(Controller):
    path = "/api/v1"
    tags = ["platform"]

    @get("/me", sync_to_thread=False, opt=access(Access.SIGNED_IN))
    def me(self, request: Request[Any, Any, Any]) -> Me:
        """The account the token belongs to."""
        viewer = viewer_of(request)
        return Me(viewer.id, viewer.display_name, viewer.role.value, viewer.partner_slug)

    @get("/partners", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def partners(self, hub: NamedDependency[Hub]) -> list[PartnerSummary]:
        """The partners of the partnership."""
        with hub.transaction() as session:
            return [
                PartnerSummary(p.slug, p.name, p.country, p.timezone) for p in all_partners(session)
            ]

    @get("/audit/verify", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def verify_audit(self, hub: NamedDependency[Hub]) -> ChainStatus:
        """Walk the audit chain and report the first entry that does not fit."""
        with hub.transaction() as session:
            report = chain.verify(session)
        return ChainStatus(report.checked, report.ok, report.first_bad_seq)
