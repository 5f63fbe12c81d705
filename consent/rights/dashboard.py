"""Open data-subject requests per partner, as a secretariat dashboard section: counts only.

The composition root hands this provider to the platform's dashboard, which may not import
``consent``; the secretariat sees how many requests each partner has open and overdue, never
whose.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer
from concord.dashboard.sections import Section, SectionProvider
from concord.partners.models import Partner
from consent.db import Vaults
from consent.rights.requests import counts


def open_requests_section(vaults: Vaults) -> SectionProvider:
    def provide(session: Session, viewer: Viewer) -> Section | None:
        if not viewer.is_secretariat:
            return None
        rows = []
        for partner in session.scalars(select(Partner).order_by(Partner.name)):
            with vaults.transaction(partner.slug) as vault:
                rows.append((partner.name, counts(vault)))
        return Section("consent/rights/_dashboard_requests.html", {"rows": rows})

    return provide
