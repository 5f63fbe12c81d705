"""Each role's landing page after sign-in."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from concord.accounts.models import Role
from concord.audit import chain
from concord.dashboard.sections import platform_sections, sections_for
from concord.hub import Hub
from concord.partners.models import Partner
from concord.partners.services import all_partners
from concord.web.access import VAULT_ROLES, Access, access
from concord.web.pages import page, viewer_of


class DashboardController(Controller):
    opt = access(Access.SIGNED_IN)

    @get("/dashboard", sync_to_thread=True)
    def dashboard(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            partners = list(all_partners(session))
            audit_entries = chain.count(session) if viewer.is_secretariat else None
            # The composition root may add sections from packages the platform cannot import.
            providers = request.app.state.get("dashboard_sections") or platform_sections()
            sections = sections_for(session, viewer, providers)
        return page(
            request,
            "concord/dashboard/page.html",
            {
                "partners": partners,
                "audit_entries": audit_entries,
                "can_open_vault": viewer.role in VAULT_ROLES,
                "vault_home": _vault_home(partners, viewer.partner_slug, hub.settings.federated),
                "is_admin": viewer.role is Role.PARTNER_ADMIN,
                "sections": sections,
            },
        )


def _vault_home(partners: list[Partner], slug: str | None, federated: bool) -> str:
    """Where the viewer's vault pages are: here on a single box, on the partner's own node
    in federated mode."""
    path = f"/partners/{slug}/vault"
    node = next((p.node_url for p in partners if p.slug == slug), None)
    return f"{node}{path}" if federated and node else path
