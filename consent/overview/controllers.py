"""A partner's vault overview, as a page and in the API (the partner's own staff only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from concord.web.access import Access, access
from concord.web.pages import page
from consent.db import Vaults
from consent.overview.services import VaultSummary, summary


class VaultOverviewController(Controller):
    opt = access(Access.PARTNER_VAULT)

    @get("/partners/{partner:str}/vault", sync_to_thread=True)
    def overview(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        return page(request, "consent/overview/page.html", {"vault": summary(vaults, partner)})

    @get("/api/v1/partners/{partner:str}/vault", sync_to_thread=True, tags=["vault"])
    def overview_api(self, vaults: NamedDependency[Vaults], partner: FromPath[str]) -> VaultSummary:
        """The partner's vault status."""
        return summary(vaults, partner)
