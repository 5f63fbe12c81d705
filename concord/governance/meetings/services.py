"""The rules of meetings: series expansion, single meetings, agendas, attendance and quorum.

A series is expanded with python-dateutil's RFC 5545 parser on local wall-clock times, then
each occurrence is placed in the series' time zone, so a monthly 10:00 stays 10:00 in winter
and summer. Occurrences become ``Meeting`` rows for the coming twelve months; running the
expansion again adds only what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.decisions.models import Decision
from concord.governance.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingSeries,
    PartnerAttendance,
    PersonAttendance,
    Presence,
)
from concord.governance.permissions import NotFound, require_secretariat
from concord.governance.reviews.models import ReviewDocument
from concord.inputs import Window, chosen_row, parse_day
from concord.partners.models import Partner
from concord.partnership import settings as partnership
from concord.problems.rows import each_row

HORIZON_MONTHS = 12
# Meetings, not alarms: at most daily, and a year of a daily series fits under the cap.
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_OCCURRENCES = 400
MAX_DURATION_MINUTES = 12 * 60
# RRULE parts we accept; DTSTART comes from the form, and anything else is a typo.
RRULE_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYSETPOS",
        "BYWEEKNO",
        "BYYEARDAY",
        "WKST",
    }
)


@dataclass(frozen=True)
class MeetingTimes:
    """Checked start, duration and zone shared by a series and a single meeting."""

    title: str
    start_time: time
    duration_minutes: int
    timezone: str
    location: str


def _check_times(
    errors: dict[str, str],
    *,
    title: str,
    start_time: str,
    duration: str,
    timezone: str,
    location: str,
) -> MeetingTimes:
    title, location = title.strip(), location.strip()
    if not title or len(title) > 200:
        errors["title"] = "Give the meeting a title (at most 200 characters)."
    if len(location) > 300:
        errors["location"] = "Keep the place or link to 300 characters."
    parsed_time = time(0, 0)
    try:
        parsed_time = time.fromisoformat(start_time.strip())
    except ValueError:
        errors["start_time"] = "Give the start time as HH:MM, for example 10:00."
    minutes = 0
    try:
        minutes = int(duration.strip())
    except ValueError:
        minutes = 0
    if not 5 <= minutes <= MAX_DURATION_MINUTES:
        errors["duration"] = f"Give the length in minutes, from 5 to {MAX_DURATION_MINUTES}."
    zone = timezone.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "Use a time zone name such as Europe/Brussels."
    return MeetingTimes(
        title, parsed_time.replace(second=0, microsecond=0), minutes, zone, location
    )


# A meeting (or a series' first date) may be entered up to a year after it took place, for the
# record, and planned up to five years ahead.
MEETING_DAY = Window("A meeting's date", past=366, future=5 * 365)


def _parse_date(errors: dict[str, str], field: str, raw: str) -> date:
    try:
        return parse_day(raw, field, MEETING_DAY)
    except InvalidInput as error:
        errors.update(error.errors)
        return date(1970, 1, 1)


def parse_rrule(raw: str, first: date, start_time: time) -> rrule:
    """The recurrence of ``raw`` (RFC 5545 RRULE, with or without ``RRULE:``), from ``first``.

    Raises :class:`InvalidInput` on the ``rrule`` field when it is not a rule we can expand.
    """
    text = raw.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    parts = [p for p in text.split(";") if p]
    names = {p.split("=", 1)[0].upper() for p in parts}
    frequency = next(
        (p.split("=", 1)[-1].upper() for p in parts if p.upper().startswith("FREQ=")), ""
    )
    if not text or frequency not in FREQUENCIES or not names <= RRULE_PARTS or len(text) > 500:
        raise InvalidInput.one(
            "rrule", "Give an RFC 5545 rule with FREQ, for example FREQ=MONTHLY;BYDAY=2TU."
        )
    try:
        rule = rrulestr(text, dtstart=datetime.combine(first, start_time))
    except (ValueError, TypeError):
        raise InvalidInput.one(
            "rrule", "This rule cannot be read; for example FREQ=MONTHLY;BYDAY=2TU."
        ) from None
    if not isinstance(rule, rrule):
        raise InvalidInput.one("rrule", "Give one rule, not a set of rules.")
    return rule


def _aware(local: datetime, zone: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_start(meeting: Meeting) -> datetime:
    """When the meeting starts, in its own time zone."""
    return meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))


def ends_at(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def occurrences(series: MeetingSeries, start: date, end: date) -> list[datetime]:
    """The series' local start times on days from ``start`` to ``end`` (both included)."""
    rule = parse_rrule(series.rrule, series.first_date, series.start_time)
    low = datetime.combine(max(start, series.first_date), time(0, 0))
    high = datetime.combine(end, time(23, 59, 59))
    found: list[datetime] = []
    for local in rule.xafter(low, inc=True):
        if local > high or len(found) >= MAX_OCCURRENCES:
            break
        found.append(local)
    return found


def materialise(session: Session, series: MeetingSeries, today: date | None = None) -> int:
    """Add the series' meetings of the next twelve months that are not rows yet; return how many.

    Running it twice adds nothing the second time; a unique constraint on (series, date) keeps
    two processes from adding the same occurrence.
    """
    today = today or utcnow().date()
    horizon = today + relativedelta(months=HORIZON_MONTHS)
    existing = set(
        session.scalars(select(Meeting.occurrence_date).where(Meeting.series_id == series.id))
    )
    added = 0
    for local in occurrences(series, today, horizon):
        if local.date() in existing:
            continue
        session.add(
            Meeting(
                series_id=series.id,
                occurrence_date=local.date(),
                title=series.title,
                starts_at=_aware(local, series.timezone),
                duration_minutes=series.duration_minutes,
                timezone=series.timezone,
                location=series.location,
                created_by=series.created_by,
            )
        )
        existing.add(local.date())
        added += 1
    session.flush()
    return added


def materialise_all(session: Session, today: date | None = None) -> int:
    """Extend every series to the twelve-month horizon (the daily job); a series that fails
    is noted for the secretariat and the others are still extended."""
    added = 0

    def extend(series: MeetingSeries) -> int:
        nonlocal added
        count = materialise(session, series, today)
        added += count
        return count

    series_list = session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)).all()
    each_row(
        session, "meetings.materialise", "meeting series", series_list, extend, ident=lambda s: s.id
    )
    return added


def add_series(
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    rrule_text: str,
    first_date: str,
    start_time: str,
    duration: str,
    timezone: str,
    location: str = "",
    form_key: str | None = None,
    today: date | None = None,
) -> MeetingSeries:
    """Define a recurring meeting and materialise its next twelve months of occurrences."""
    require_secretariat(viewer)
    if form_key and (done := session.scalar(select(MeetingSeries).filter_by(form_key=form_key))):
        return done
    errors: dict[str, str] = {}
    times = _check_times(
        errors,
        title=title,
        start_time=start_time,
        duration=duration,
        timezone=timezone,
        location=location,
    )
    first = _parse_date(errors, "first_date", first_date)
    if "first_date" not in errors and "start_time" not in errors:
        try:
            rule = parse_rrule(rrule_text, first, times.start_time)
            if rule.after(datetime.combine(first, times.start_time), inc=True) is None:
                errors["rrule"] = "This rule has no meetings on or after the first date."
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    series = MeetingSeries(
        title=times.title,
        rrule=rrule_text.strip().removeprefix("RRULE:").removeprefix("rrule:"),
        first_date=first,
        start_time=times.start_time,
        duration_minutes=times.duration_minutes,
        timezone=times.timezone,
        location=times.location,
        created_by=viewer.actor,
        form_key=form_key,
    )
    session.add(series)
    session.flush()
    chain.record(
        session, actor=viewer.actor, action="meetings.series.add", object_ref=f"series:{series.id}"
    )
    materialise(session, series, today)
    return series


def add_meeting(
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    on: str,
    start_time: str,
    duration: str,
    timezone: str,
    location: str = "",
    form_key: str | None = None,
) -> Meeting:
    """Schedule a single meeting (outside any series)."""
    require_secretariat(viewer)
    if form_key and (done := session.scalar(select(Meeting).filter_by(form_key=form_key))):
        return done
    errors: dict[str, str] = {}
    times = _check_times(
        errors,
        title=title,
        start_time=start_time,
        duration=duration,
        timezone=timezone,
        location=location,
    )
    day = _parse_date(errors, "on", on)
    if errors:
        raise InvalidInput(errors)
    meeting = Meeting(
        title=times.title,
        starts_at=_aware(datetime.combine(day, times.start_time), times.timezone),
        duration_minutes=times.duration_minutes,
        timezone=times.timezone,
        location=times.location,
        created_by=viewer.actor,
        form_key=form_key,
    )
    session.add(meeting)
    session.flush()
    chain.record(
        session, actor=viewer.actor, action="meetings.add", object_ref=f"meeting:{meeting.id}"
    )
    return meeting


def reschedule(
    session: Session,
    viewer: Viewer,
    meeting_id: int,
    *,
    on: str,
    start_time: str,
    duration: str,
) -> Meeting:
    """Move one meeting (a series' occurrence keeps its place in the series) to a new local
    day, time or length; a real change raises its iCalendar sequence, a repeated post does not.
    """
    require_secretariat(viewer)
    meeting = get_meeting(session, meeting_id)
    errors: dict[str, str] = {}
    times = _check_times(
        errors,
        title=meeting.title,
        start_time=start_time,
        duration=duration,
        timezone=meeting.timezone,
        location=meeting.location,
    )
    day = _parse_date(errors, "on", on)
    if errors:
        raise InvalidInput(errors)
    starts = _aware(datetime.combine(day, times.start_time), meeting.timezone)
    if starts == meeting.starts_at and times.duration_minutes == meeting.duration_minutes:
        return meeting
    meeting.starts_at = starts
    meeting.duration_minutes = times.duration_minutes
    meeting.sequence += 1
    session.flush()
    chain.record(
        session,
        actor=viewer.actor,
        action="meetings.reschedule",
        object_ref=f"meeting:{meeting.id}",
        detail=f"sequence:{meeting.sequence}",
    )
    return meeting


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("no such meeting")
    return meeting


def upcoming(
    session: Session, *, limit: int = 24, now: datetime | None = None
) -> Sequence[Meeting]:
    now = now or utcnow()
    query = select(Meeting).where(Meeting.starts_at >= now - timedelta(hours=12))
    return session.scalars(query.order_by(Meeting.starts_at).limit(limit)).all()


def recent(session: Session, *, limit: int = 12, now: datetime | None = None) -> Sequence[Meeting]:
    now = now or utcnow()
    query = select(Meeting).where(Meeting.starts_at < now - timedelta(hours=12))
    return session.scalars(query.order_by(Meeting.starts_at.desc()).limit(limit)).all()


@dataclass(frozen=True)
class MeetingChoice:
    """A meeting as an option of a select list: its id and how people name it."""

    id: int
    label: str


def link_choices(
    session: Session, chosen: int | None = None, *, now: datetime | None = None
) -> list[MeetingChoice]:
    """Meetings a record may link to: the last year's and the next few, and ``chosen``."""
    now = now or utcnow()
    found = {m.id: m for m in recent(session, limit=12, now=now)}
    found.update((m.id, m) for m in upcoming(session, limit=6, now=now))
    if chosen is not None and chosen not in found and (extra := session.get(Meeting, chosen)):
        found[extra.id] = extra
    ordered = sorted(found.values(), key=lambda m: m.starts_at)
    return [
        MeetingChoice(m.id, f"{m.title}, {local_start(m).strftime('%d %b %Y %H:%M')}")
        for m in ordered
    ]


def meetings_between(session: Session, start: date, end: date) -> Sequence[Meeting]:
    """Meetings that start on days from ``start`` to ``end`` (UTC days, both included)."""
    low = datetime.combine(start, time(0, 0), tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=UTC)
    query = select(Meeting).where(Meeting.starts_at >= low, Meeting.starts_at < high)
    return session.scalars(query.order_by(Meeting.starts_at)).all()


def all_series(session: Session) -> Sequence[MeetingSeries]:
    return session.scalars(select(MeetingSeries).order_by(MeetingSeries.title)).all()


# Agenda


def agenda(session: Session, meeting_id: int) -> Sequence[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    return session.scalars(query.order_by(AgendaItem.position, AgendaItem.id)).all()


def staff_accounts(session: Session) -> Sequence[User]:
    """Active accounts that can own an agenda item or an action, or attend."""
    query = select(User).where(User.is_active.is_(True))
    return session.scalars(query.order_by(User.partner_id.is_not(None), User.display_name)).all()


def parse_owner(
    session: Session, errors: dict[str, str], raw: str, *, required: bool
) -> int | None:
    """The account id chosen in an owner field, checked to be an active account."""
    raw = raw.strip()
    if not raw:
        if required:
            errors["owner"] = "Choose who owns this."
        return None
    owner = chosen_row(session, User, raw)
    if owner is None or not owner.is_active:
        errors["owner"] = "Choose an account from the list."
        return None
    return owner.id


def add_agenda_item(
    session: Session,
    viewer: Viewer,
    meeting_id: int,
    *,
    title: str,
    owner: str,
    duration: str,
    position: str = "",
    document: str = "",
    decision: str = "",
    form_key: str | None = None,
) -> AgendaItem:
    """Add a point to the agenda, at the end unless a position is given, optionally about a
    joint document under review and a decision of the register."""
    require_secretariat(viewer)
    get_meeting(session, meeting_id)
    if form_key and (done := session.scalar(select(AgendaItem).filter_by(form_key=form_key))):
        return done
    errors: dict[str, str] = {}
    title = title.strip()
    if not title or len(title) > 300:
        errors["title"] = "Name the agenda item (at most 300 characters)."
    owner_id = parse_owner(session, errors, owner, required=False)
    try:
        minutes = int(duration.strip())
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        errors["duration"] = "Give the time it needs in minutes (at least 1)."
    document_id = None
    if document.strip():
        found = chosen_row(session, ReviewDocument, document)
        if found is None:
            errors["document"] = "Choose a document from the list."
        else:
            document_id = found.id
    decision_id = None
    if decision.strip():
        chosen = chosen_row(session, Decision, decision)
        if chosen is None:
            errors["decision"] = "Choose a decision from the list."
        else:
            decision_id = chosen.id
    items = list(agenda(session, meeting_id))
    place = len(items) + 1
    if position.strip():
        try:
            place = int(position)
        except ValueError:
            place = 0
        if not 1 <= place <= len(items) + 1:
            errors["position"] = f"Give a place from 1 to {len(items) + 1}."
    if errors:
        raise InvalidInput(errors)
    item = AgendaItem(
        meeting_id=meeting_id,
        position=place,
        title=title,
        owner_id=owner_id,
        duration_minutes=minutes,
        document_id=document_id,
        decision_id=decision_id,
        form_key=form_key,
    )
    items.insert(place - 1, item)
    session.add(item)
    _renumber(items)
    session.flush()
    return item


def _renumber(items: list[AgendaItem]) -> None:
    for number, item in enumerate(items, start=1):
        item.position = number


def move_agenda_item(
    session: Session,
    viewer: Viewer,
    meeting_id: int,
    item_id: int,
    step: int,
    expected_position: int | None = None,
) -> None:
    """Move an item one place up (step -1) or down (+1); at either end nothing changes.

    With ``expected_position`` (the place the page showed), a second click on the same button
    moves the item once, not twice.
    """
    require_secretariat(viewer)
    get_meeting(session, meeting_id)
    items = list(agenda(session, meeting_id))
    index = next((i for i, item in enumerate(items) if item.id == item_id), None)
    if index is None:
        raise NotFound("no such agenda item")
    if expected_position is not None and items[index].position != expected_position:
        return
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        _renumber(items)


def remove_agenda_item(session: Session, viewer: Viewer, meeting_id: int, item_id: int) -> None:
    """Take an item off the agenda; removing it again changes nothing."""
    require_secretariat(viewer)
    get_meeting(session, meeting_id)
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        return
    session.delete(item)
    session.flush()
    _renumber(list(agenda(session, meeting_id)))


# Attendance and quorum


@dataclass(frozen=True)
class Quorum:
    """Organisations present against the quorum the partnership's rules ask for."""

    present: int
    required: int
    partners: int

    @property
    def met(self) -> bool:
        return self.present >= self.required


def attendance(
    session: Session, meeting_id: int
) -> tuple[dict[int, Presence], dict[int, Presence]]:
    """Recorded presence by account id, and by partner id."""
    people = {
        row.user_id: row.presence
        for row in session.scalars(
            select(PersonAttendance).where(PersonAttendance.meeting_id == meeting_id)
        )
    }
    partners = {
        row.partner_id: row.presence
        for row in session.scalars(
            select(PartnerAttendance).where(PartnerAttendance.meeting_id == meeting_id)
        )
    }
    return people, partners


def organisations_present(session: Session, meeting_id: int) -> set[int]:
    """Partners marked present, plus partners with a member of staff marked present."""
    marked = set(
        session.scalars(
            select(PartnerAttendance.partner_id).where(
                PartnerAttendance.meeting_id == meeting_id,
                PartnerAttendance.presence == Presence.PRESENT,
            )
        )
    )
    through_staff = set(
        session.scalars(
            select(User.partner_id)
            .join(PersonAttendance, PersonAttendance.user_id == User.id)
            .where(
                PersonAttendance.meeting_id == meeting_id,
                PersonAttendance.presence == Presence.PRESENT,
                User.partner_id.is_not(None),
            )
        )
    )
    return marked | {p for p in through_staff if p is not None}


def quorum(session: Session, meeting_id: int) -> Quorum:
    rules = partnership.current(session)
    partners = session.scalar(select(func.count()).select_from(Partner)) or 0
    present = len(organisations_present(session, meeting_id))
    return Quorum(present=present, required=rules.quorum_organisations, partners=partners)


def record_attendance(
    session: Session,
    viewer: Viewer,
    meeting_id: int,
    *,
    people: dict[int, str],
    partners: dict[int, str],
) -> None:
    """Set each listed person's and partner's presence; an empty choice clears the record.

    Posting the same form twice leaves the same rows: each (meeting, person) has one row.
    """
    require_secretariat(viewer)
    get_meeting(session, meeting_id)
    errors: dict[str, str] = {}
    known_users = set(session.scalars(select(User.id)))
    known_partners = set(session.scalars(select(Partner.id)))
    for kind, choices, known in (
        ("person", people, known_users),
        ("partner", partners, known_partners),
    ):
        for key, raw in choices.items():
            if key not in known:
                errors[f"{kind}-{key}"] = "Unknown attendee."
            elif raw and raw not in {p.value for p in Presence}:
                errors[f"{kind}-{key}"] = "Choose present, apologies or absent."
    if errors:
        raise InvalidInput(errors)
    for user_id, raw in people.items():
        row = session.get(PersonAttendance, (meeting_id, user_id))
        if not raw:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                PersonAttendance(meeting_id=meeting_id, user_id=user_id, presence=Presence(raw))
            )
        else:
            row.presence = Presence(raw)
    for partner_id, raw in partners.items():
        prow = session.get(PartnerAttendance, (meeting_id, partner_id))
        if not raw:
            if prow is not None:
                session.delete(prow)
        elif prow is None:
            session.add(
                PartnerAttendance(
                    meeting_id=meeting_id, partner_id=partner_id, presence=Presence(raw)
                )
            )
        else:
            prow.presence = Presence(raw)
    session.flush()
    chain.record(
        session,
        actor=viewer.actor,
        action="meetings.attendance",
        object_ref=f"meeting:{meeting_id}",
    )
