"""The dashboard card of rows that need looking at: all of them for the secretariat, a
partner's own for its staff. Shown only when there is something to look at."""

from __future__ import annotations

from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer
from concord.dashboard.sections import Section
from concord.problems.services import open_problems


def noted_problems(session: Session, viewer: Viewer) -> Section | None:
    if viewer.is_secretariat:
        found = open_problems(session)
    elif viewer.partner_slug:
        found = open_problems(session, partner=viewer.partner_slug)
    else:
        return None
    if not found:
        return None
    return Section("concord/dashboard/_noted_problems.html", {"problems": found})
