"""What the calendar pages and feeds show: who may see which item, and the grids.

Everybody signed in sees every partner's partnership-visible items (drafts excepted); a
partner's own staff also see its private items and drafts. Nobody else ever sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from concord.governance.calendar_entries import GovernanceEntry
from concord.partners.models import Partner
from outreach.calendar.models import ItemChannel, ItemKind, ItemStatus, OutreachItem, Visibility

VIEWS = ("month", "week", "agenda")
PALETTE = 8


def visible_to(partner_slug: str | None) -> ColumnElement[bool]:
    """The items a member of ``partner_slug`` (None: the secretariat) may see."""
    shared = and_(
        OutreachItem.visibility == Visibility.PARTNERSHIP,
        OutreachItem.status != ItemStatus.DRAFT,
    )
    if partner_slug is None:
        return shared
    return or_(shared, OutreachItem.partner_slug == partner_slug)


@dataclass(frozen=True)
class Filters:
    partner: str = ""
    channel: str = ""
    kind: str = ""
    topic: str = ""

    def items(self) -> list[tuple[str, str]]:
        pairs = [
            ("partner", self.partner),
            ("channel", self.channel),
            ("kind", self.kind),
            ("topic", self.topic),
        ]
        return [(k, v) for k, v in pairs if v]

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.partner:
            found.append(OutreachItem.partner_slug == self.partner)
        if self.channel in {c.value for c in ItemChannel}:
            found.append(OutreachItem.channel == ItemChannel(self.channel))
        if self.kind in {k.value for k in ItemKind}:
            found.append(OutreachItem.kind == ItemKind(self.kind))
        if self.topic:
            # Topics are stored space-separated: match a whole word.
            padded = " " + OutreachItem.topics + " "
            found.append(padded.contains(f" {self.topic.strip().lower()} ", autoescape=True))
        return found


def query_string(view: str, day: date, filters: Filters) -> str:
    return urlencode([("view", view), ("date", day.isoformat()), *filters.items()])


def items_between(
    session: Session,
    viewer_partner: str | None,
    first: date,
    last: date,
    filters: Filters,
) -> Sequence[OutreachItem]:
    start = datetime.combine(first, time(0), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
    query = (
        select(OutreachItem)
        .where(
            visible_to(viewer_partner),
            OutreachItem.starts_at >= start,
            OutreachItem.starts_at < end,
            *filters.where(),
        )
        .order_by(OutreachItem.starts_at, OutreachItem.title)
    )
    return session.scalars(query).all()


def colours(session: Session) -> dict[str, str]:
    """A CSS class per partner, stable as long as the partners are."""
    slugs = session.scalars(select(Partner.slug).order_by(Partner.id)).all()
    return {slug: f"partner-c{number % PALETTE}" for number, slug in enumerate(slugs)}


@dataclass
class Day:
    day: date
    in_month: bool
    items: list[OutreachItem] = field(default_factory=list)
    # The partnership's meetings and action items due that day.
    entries: list[GovernanceEntry] = field(default_factory=list)


def entry_day(entry: GovernanceEntry) -> date:
    """The (UTC) day a governance entry is shown on: a meeting's start, an action's due date."""
    if entry.starts_at is not None:
        return entry.starts_at.astimezone(UTC).date()
    assert entry.due_on is not None
    return entry.due_on


def entry_label(entry: GovernanceEntry) -> str:
    """How the calendar names a governance entry's kind and time, in the meeting's own zone."""
    if entry.kind == "meeting" and entry.starts_at is not None and entry.timezone:
        local = entry.starts_at.astimezone(ZoneInfo(entry.timezone))
        return f"Meeting {local.strftime('%H:%M')} {entry.timezone}"
    return {"open": "Action due", "done": "Action done", "dropped": "Action dropped"}.get(
        entry.status, "Action"
    )


def entries_by_day(entries: Sequence[GovernanceEntry]) -> dict[date, list[GovernanceEntry]]:
    by_day: dict[date, list[GovernanceEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry_day(entry), []).append(entry)
    return by_day


@dataclass(frozen=True)
class AgendaLine:
    """One line of the agenda view: an outreach item or a governance entry, on its day."""

    day: date
    time: str
    item: OutreachItem | None = None
    entry: GovernanceEntry | None = None


def agenda_lines(
    items: Sequence[OutreachItem], entries: Sequence[GovernanceEntry]
) -> list[AgendaLine]:
    """Items and governance entries in one time order (an all-day action item first)."""
    lines = [
        AgendaLine(i.starts_at.astimezone(UTC).date(), i.starts_at.strftime("%H:%M"), item=i)
        for i in items
    ]
    lines += [
        AgendaLine(
            entry_day(e),
            e.starts_at.astimezone(UTC).strftime("%H:%M") if e.starts_at else "",
            entry=e,
        )
        for e in entries
    ]
    return sorted(lines, key=lambda line: (line.day, line.time))


def _weeks(month: date) -> list[list[date]]:
    """The Monday-to-Sunday weeks covering the month containing ``month``."""
    first = month.replace(day=1)
    last = shift_month(first, 1) - timedelta(days=1)
    day = first - timedelta(days=first.weekday())
    weeks = []
    while day <= last:
        weeks.append([day + timedelta(days=n) for n in range(7)])
        day += timedelta(days=7)
    return weeks


def month_grid(
    month: date, items: Sequence[OutreachItem], entries: Sequence[GovernanceEntry] = ()
) -> list[list[Day]]:
    """Weeks (Monday first) of the month containing ``month``, each day with its items and
    governance entries."""
    weeks = _weeks(month)
    by_day: dict[date, list[OutreachItem]] = {}
    for item in items:
        by_day.setdefault(item.starts_at.astimezone(UTC).date(), []).append(item)
    governance = entries_by_day(entries)
    return [
        [Day(d, d.month == month.month, by_day.get(d, []), governance.get(d, [])) for d in week]
        for week in weeks
    ]


def month_range(month: date) -> tuple[date, date]:
    weeks = _weeks(month)
    return weeks[0][0], weeks[-1][-1]


def week_range(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _local(moment: datetime, zone_name: str) -> datetime:
    """``moment`` in the item's zone; a stored time the zone cannot show (year 1, a zone
    that no longer exists) is shown in UTC, so that the item's page still opens."""
    try:
        return moment.astimezone(ZoneInfo(zone_name))
    except (OverflowError, ValueError, KeyError):
        return moment.astimezone(UTC)


def local_start(item: OutreachItem) -> datetime:
    return _local(item.starts_at, item.timezone)


def local_end(item: OutreachItem) -> datetime:
    return _local(item.ends_at, item.timezone)


def may_see(item: OutreachItem, viewer_partner: str | None) -> bool:
    if item.partner_slug == viewer_partner and viewer_partner is not None:
        return True
    return item.visibility is Visibility.PARTNERSHIP and item.status is not ItemStatus.DRAFT


# The days the calendar pages can show: far enough for any item, with room for a month's
# or a week's arithmetic at both ends.
BROWSABLE = (date(1900, 1, 1), date(2199, 12, 31))


def parse_day(raw: str | None, default: date) -> date:
    try:
        day = date.fromisoformat(raw.strip()) if raw else default
    except ValueError:
        return default
    return day if BROWSABLE[0] <= day <= BROWSABLE[1] else default


def shift_month(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
