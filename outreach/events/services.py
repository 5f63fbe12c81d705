"""Joint events in the hub: creating one, inviting co-hosts, who may see what.

The creating partner is the first co-host; the others are invited and join once one of their
comms or admin staff accepts. Every co-host invites its own contacts (see ``lists.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.audit.chain import record
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.inputs import Window, local_moment
from concord.partners.models import Partner
from outreach.events.models import EventHost, EventStatus, HostStatus, JointEvent

MAX_CAPACITY = 100_000
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class EventDetails:
    """What a creating partner's staff typed, checked."""

    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    online_url: str
    capacity: int
    registration_deadline: datetime


# An event, and the close of its registration, from today to five years ahead (the service
# checks "in the future" to the minute).
WHEN = Window("The event's date", past=0, future=5 * 365)


def check_details(form: Mapping[str, str]) -> EventDetails:
    """The event a form describes, or :class:`InvalidInput` naming each wrong field.

    Times are typed in the event's own time zone and stored in UTC.
    """
    errors: dict[str, str] = {}
    title = form.get("title", "").strip()
    if not title:
        errors["title"] = "Give the event a title."
    elif len(title) > 200:
        errors["title"] = "Keep the title under 200 characters."
    zone_name = form.get("timezone", "").strip()
    zone: ZoneInfo | None = None
    try:
        if zone_name in available_timezones():
            zone = ZoneInfo(zone_name)
    except ZoneInfoNotFoundError:
        zone = None
    if zone is None:
        errors["timezone"] = "Choose a time zone such as Europe/Berlin."
    times: dict[str, datetime] = {}
    for field in ("starts_at", "ends_at", "registration_deadline"):
        try:
            if zone is not None:
                times[field] = local_moment(
                    form.get(field, ""), zone, field, WHEN, fmt=LOCAL_FORMAT
                )
        except InvalidInput as error:
            errors.update(error.errors)
    both = "starts_at" in times and "ends_at" in times
    length = times["ends_at"] - times["starts_at"] if both else timedelta(hours=1)
    if length <= timedelta(0):
        errors["ends_at"] = "The event must end after it starts."
    elif length > timedelta(days=31):
        errors["ends_at"] = "An event lasts at most 31 days."
    if "starts_at" in times and times["starts_at"] <= utcnow():
        errors["starts_at"] = "The event must start in the future."
    deadline = times.get("registration_deadline")
    if deadline and deadline <= utcnow():
        errors["registration_deadline"] = "Registration must close in the future."
    elif deadline and "ends_at" in times and deadline > times["ends_at"]:
        errors["registration_deadline"] = "Registration must close before the event ends."
    venue = form.get("venue", "").strip()[:300]
    online_url = form.get("online_url", "").strip()
    if online_url:
        try:
            parts = urlsplit(online_url)
        except ValueError:  # such as an unclosed [ in the host
            parts = urlsplit("")
        if parts.scheme not in ("https", "http") or not parts.netloc or len(online_url) > 500:
            errors["online_url"] = "Enter a web address starting with https://."
    if not venue and not online_url:
        errors["venue"] = "Give a venue, an online link or both."
    try:
        capacity = int(form.get("capacity", "").strip())
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValueError
    except ValueError:
        errors["capacity"] = f"Enter a number of places from 1 to {MAX_CAPACITY}."
        capacity = 0
    if errors:
        raise InvalidInput(errors)
    assert zone is not None
    return EventDetails(
        title=title,
        description=form.get("description", "").strip()[:5000],
        starts_at=times["starts_at"],
        ends_at=times["ends_at"],
        timezone=zone_name,
        venue=venue,
        online_url=online_url,
        capacity=capacity,
        registration_deadline=times["registration_deadline"],
    )


def create_event(
    session: Session, details: EventDetails, *, partner_slug: str, actor: str
) -> JointEvent:
    """A new open event, with its creating partner as the first (accepted) co-host."""
    event = JointEvent(
        title=details.title,
        description=details.description,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        timezone=details.timezone,
        venue=details.venue,
        online_url=details.online_url,
        capacity=details.capacity,
        registration_deadline=details.registration_deadline,
        status=EventStatus.OPEN,
        owner_partner=partner_slug,
        accepted=0,
        lists_committed=0,
        created_by=actor,
    )
    session.add(event)
    session.flush()
    session.add(
        EventHost(
            event_id=event.id,
            partner_slug=partner_slug,
            status=HostStatus.ACCEPTED,
            responded_at=utcnow(),
        )
    )
    record(session, actor=actor, action="event.create", object_ref=f"event:{event.id}")
    session.flush()
    return event


def hosts(session: Session, event_id: str) -> Sequence[EventHost]:
    return session.scalars(
        select(EventHost).where(EventHost.event_id == event_id).order_by(EventHost.invited_at)
    ).all()


def host(session: Session, event_id: str, partner_slug: str) -> EventHost | None:
    return session.get(EventHost, (event_id, partner_slug))


def invite_cohost(
    session: Session, event: JointEvent, *, partner_slug: str, cohost_slug: str, actor: str
) -> EventHost:
    """Ask another partner to co-host; only the creating partner invites, each partner once."""
    if event.owner_partner != partner_slug:
        raise InvalidInput.one(
            "partner", "Only the partner that created the event invites co-hosts."
        )
    if session.scalar(select(Partner.id).where(Partner.slug == cohost_slug)) is None:
        raise InvalidInput.one("partner", "Choose a partner of the partnership.")
    existing = host(session, event.id, cohost_slug)
    if existing is not None:
        return existing
    added = EventHost(event_id=event.id, partner_slug=cohost_slug, status=HostStatus.INVITED)
    session.add(added)
    record(
        session,
        actor=actor,
        action="event.invite_cohost",
        object_ref=f"event:{event.id}",
        detail=cohost_slug,
    )
    session.flush()
    return added


def answer_cohosting(
    session: Session, event_id: str, *, partner_slug: str, accept: bool, actor: str
) -> bool:
    """Accept or decline an invitation to co-host; True when the answer changed anything."""
    result = session.execute(
        update(EventHost)
        .where(
            EventHost.event_id == event_id,
            EventHost.partner_slug == partner_slug,
            EventHost.status == HostStatus.INVITED,
        )
        .values(
            status=HostStatus.ACCEPTED if accept else HostStatus.DECLINED, responded_at=utcnow()
        )
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount == 1)  # type: ignore[attr-defined]
    if changed:
        record(
            session,
            actor=actor,
            action="event.accept_cohosting" if accept else "event.decline_cohosting",
            object_ref=f"event:{event_id}",
            detail=partner_slug,
        )
    return changed


def visible_events(
    session: Session, partner_slug: str | None, secretariat: bool
) -> Sequence[JointEvent]:
    """The events a viewer may see: all for the secretariat, else those its partner co-hosts
    or is asked to co-host."""
    query = select(JointEvent).order_by(JointEvent.starts_at)
    if not secretariat:
        if partner_slug is None:
            return []
        query = query.join(EventHost, EventHost.event_id == JointEvent.id).where(
            EventHost.partner_slug == partner_slug, EventHost.status != HostStatus.DECLINED
        )
    return session.scalars(query).all()


def may_see(session: Session, event_id: str, partner_slug: str | None, secretariat: bool) -> bool:
    if secretariat:
        return True
    if partner_slug is None:
        return False
    found = host(session, event_id, partner_slug)
    return found is not None and found.status is not HostStatus.DECLINED


def local_time(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))
