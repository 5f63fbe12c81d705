"""What governance puts on the shared calendar and in the iCalendar feeds.

The calendar reads meetings and action items only through :func:`entries_between` (or the two
lists it is made of), so that it never depends on how governance stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from concord.governance.actions.services import actions_between
from concord.governance.meetings.services import ends_at, meetings_between


@dataclass(frozen=True)
class GovernanceEntry:
    """One calendar entry: a meeting (timed) or an action item (all day, on its due date)."""

    kind: Literal["meeting", "action"]
    id: int
    title: str
    # Meetings: aware UTC start and end, and the zone the meeting is held in.
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str | None
    # Action items: the due date.
    due_on: date | None
    # A meeting's location, or an action item's status (open, done, dropped).
    location: str
    status: str
    path: str
    # Stable across feeds and renames, for iCalendar UID.
    uid: str
    # iCalendar SEQUENCE, raised when a meeting's time or an action item's status changes.
    sequence: int = 0
    # When the record last changed (DTSTAMP in feeds).
    updated_at: datetime | None = None


def entries_between(session: Session, start: date, end: date) -> list[GovernanceEntry]:
    """Meetings starting and action items due on days from ``start`` to ``end`` (inclusive),
    in time order (an action item counts as the start of its due day, UTC)."""
    entries = [
        GovernanceEntry(
            kind="meeting",
            id=m.id,
            title=m.title,
            starts_at=m.starts_at,
            ends_at=ends_at(m),
            timezone=m.timezone,
            due_on=None,
            location=m.location,
            status="scheduled",
            path=f"/governance/meetings/{m.id}",
            uid=f"meeting-{m.id}@concord",
            sequence=m.sequence,
            updated_at=m.created_at,
        )
        for m in meetings_between(session, start, end)
    ]
    entries += [
        GovernanceEntry(
            kind="action",
            id=a.id,
            title=a.title,
            starts_at=None,
            ends_at=None,
            timezone=None,
            due_on=a.due_on,
            location="",
            status=a.status.value,
            path="/governance/actions",
            uid=f"action-{a.id}@concord",
            sequence=a.sequence,
            updated_at=a.updated_at,
        )
        for a in actions_between(session, start, end)
    ]

    def when(entry: GovernanceEntry) -> tuple[str, str, int]:
        # An ISO date sorts before any ISO time of the same day.
        moment = entry.starts_at.isoformat() if entry.starts_at else str(entry.due_on)
        return (moment, entry.kind, entry.id)

    return sorted(entries, key=when)
