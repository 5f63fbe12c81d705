"""The latest overlap round, as a dashboard section (the composition root hands it to the
platform's dashboard, which may not import outreach)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer
from concord.dashboard.sections import Section
from outreach.matching.models import MatchingRound


def latest_round(session: Session, viewer: Viewer) -> Section | None:
    if not viewer.is_secretariat:
        return None
    newest = session.scalar(select(MatchingRound).order_by(MatchingRound.opened_at.desc()).limit(1))
    return Section("outreach/matching/_dashboard_round.html", {"round": newest})
