"""The governance sections of the dashboard: what awaits signature, recent decisions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import Role
from concord.accounts.viewer import Viewer
from concord.dashboard.sections import Section
from concord.governance.decisions.models import Decision
from concord.governance.principles.services import awaiting_signature as waiting_versions

RECENT_DECISIONS = 5


def awaiting_signature(session: Session, viewer: Viewer) -> Section | None:
    """Versions of the principles not yet signed by every partner (secretariat, signatories)."""
    if not (viewer.is_secretariat or viewer.role is Role.SIGNATORY):
        return None
    return Section(
        "concord/dashboard/_awaiting_signature.html", {"waiting": waiting_versions(session)}
    )


def recent_decisions(session: Session, viewer: Viewer) -> Section | None:
    decisions = session.scalars(
        select(Decision)
        .order_by(Decision.proposed_at.desc(), Decision.id.desc())
        .limit(RECENT_DECISIONS)
    ).all()
    return Section("concord/dashboard/_recent_decisions.html", {"decisions": decisions})
