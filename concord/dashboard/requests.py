"""Open data-subject requests per partner, as a secretariat dashboard section: counts only.

The secretariat sees how many requests each partner has open and overdue, never whose: each
partner's vault answers with two numbers through its port.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer
from concord.dashboard.sections import Section, SectionProvider
from concord.partners.models import Partner
from consent.public import VaultDirectory


def open_requests_section(vaults: VaultDirectory) -> SectionProvider:
    def provide(session: Session, viewer: Viewer) -> Section | None:
        if not viewer.is_secretariat:
            return None
        partners = session.execute(select(Partner.slug, Partner.name).order_by(Partner.name))
        rows = [(name, vaults.vault(slug).request_counts()) for slug, name in partners]
        return Section("concord/dashboard/_open_requests.html", {"rows": rows})

    return provide
