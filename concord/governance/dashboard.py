"""The governance sections of the dashboard: signatures, decisions, meetings, actions, reviews."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import Role
from concord.accounts.viewer import Viewer
from concord.dashboard.sections import Section
from concord.governance.actions.services import overdue
from concord.governance.decisions.models import Decision
from concord.governance.meetings.services import upcoming
from concord.governance.principles.services import awaiting_signature as waiting_versions
from concord.governance.reviews.services import overview

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


def next_meeting(session: Session, viewer: Viewer) -> Section | None:
    del viewer  # every member of the partnership may attend
    coming = upcoming(session, limit=1)
    return Section(
        "concord/dashboard/_next_meeting.html", {"meeting": coming[0] if coming else None}
    )


def overdue_actions(session: Session, viewer: Viewer) -> Section | None:
    """Overdue action items: all of them for the secretariat, one's own for everybody else."""
    items = [i for i in overdue(session) if viewer.is_secretariat or i.owner_id == viewer.id]
    if not items and not viewer.is_secretariat:
        return None
    return Section("concord/dashboard/_overdue_actions.html", {"items": items})


def open_review_rounds(session: Session, viewer: Viewer) -> Section | None:
    del viewer
    rows = overview(session)
    return Section("concord/dashboard/_open_reviews.html", {"rows": rows}) if rows else None
