"""iCalendar feeds on secret-token addresses: issuing, revoking, and building the feed.

The token is shown once and stored as a SHA-256 hash, so the hub database alone does not give
anybody a working address. A user's feed shows what that person sees on the calendar, a
partner's feed that partner's own items (private ones included); drafts are in neither.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import User
from concord.db import utcnow
from concord.governance.calendar_entries import GovernanceEntry, entries_between
from outreach.calendar.models import CalendarFeed, FeedScope, ItemStatus, OutreachItem
from outreach.calendar.views import visible_to

PRODID = "-//Concord//Shared outreach calendar//EN"
REFRESH = timedelta(hours=1)
STATUS = {
    ItemStatus.PLANNED: "TENTATIVE",
    ItemStatus.SCHEDULED: "CONFIRMED",
    ItemStatus.SENDING: "CONFIRMED",
    ItemStatus.SENT: "CONFIRMED",
    ItemStatus.CANCELLED: "CANCELLED",
}
# Feeds carry items from this long ago onwards, and every item still to come.
HISTORY = timedelta(days=120)
# Meetings are materialised a year ahead; action items are rarely due later than that.
GOVERNANCE_AHEAD = timedelta(days=400)
# An action item's status as a VEVENT status: a dropped item is cancelled, a done one stays.
ACTION_STATUS = {"open": "CONFIRMED", "done": "CONFIRMED", "dropped": "CANCELLED"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_feed(
    session: Session, *, user: User, scope: FeedScope, label: str, form_key: str
) -> tuple[CalendarFeed, str | None]:
    """A new feed address; the clear token is returned once and never stored.

    The same ``form_key`` again gives the feed made the first time, and no token (it was
    shown then and is not kept).
    """
    form_key = form_key.strip()[:64] or secrets.token_hex(16)
    earlier = session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.form_key == form_key
        )
    )
    if earlier is not None:
        return earlier, None
    clear = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        token_hash=token_hash(clear),
        scope=scope,
        user_id=user.id,
        partner_slug=user.partner.slug if scope is FeedScope.PARTNER and user.partner else None,
        label=label.strip()[:100] or "Calendar",
        form_key=form_key,
    )
    session.add(feed)
    session.flush()
    return feed, clear


def feeds_of(session: Session, user_id: int) -> Sequence[CalendarFeed]:
    return session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user_id)
        .order_by(CalendarFeed.created_at.desc())
    ).all()


def revoke_feed(session: Session, user_id: int, feed_id: int) -> bool:
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or feed.user_id != user_id or feed.revoked_at is not None:
        return False
    feed.revoked_at = utcnow()
    return True


def feed_for(session: Session, token: str) -> CalendarFeed | None:
    """The live feed behind a token: not revoked, its owner still active and still staff of
    the partner a partner feed is for."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token)))
    if feed is None or feed.revoked_at is not None:
        return None
    user = session.get(User, feed.user_id)
    if user is None or not user.is_active:
        return None
    if feed.scope is FeedScope.PARTNER and (
        user.partner is None or user.partner.slug != feed.partner_slug
    ):
        return None
    return feed


def feed_items(session: Session, feed: CalendarFeed) -> Sequence[OutreachItem]:
    since = utcnow() - HISTORY
    query = select(OutreachItem).where(
        OutreachItem.status != ItemStatus.DRAFT, OutreachItem.ends_at >= since
    )
    if feed.scope is FeedScope.PARTNER:
        query = query.where(OutreachItem.partner_slug == feed.partner_slug)
    else:
        user = session.get_one(User, feed.user_id)
        query = query.where(visible_to(user.partner.slug if user.partner else None))
    return session.scalars(query.order_by(OutreachItem.starts_at, OutreachItem.id)).all()


def feed_entries(session: Session, today: date | None = None) -> list[GovernanceEntry]:
    """The partnership's meetings and action items every feed carries: they bind every
    partner and hold no personal data, so every feed, of a user or of a partner, has them."""
    today = today or utcnow().date()
    return entries_between(session, today - HISTORY, today + GOVERNANCE_AHEAD)


def governance_event(entry: GovernanceEntry, public_url: str) -> Event:
    """A meeting as a timed event in its own zone, or an action item on its due date.

    Action items are all-day VEVENTs (DTSTART;VALUE=DATE), not VTODOs with DUE: Google
    Calendar and Outlook ignore VTODOs in subscribed feeds altogether and Apple Calendar only
    shows them in Reminders when it imports a file, so a VTODO would be invisible to most of
    the partnership. TRANSP:TRANSPARENT keeps a due date from marking anyone busy.
    """
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", entry.updated_at or utcnow())
    event.add("sequence", entry.sequence)
    event.add("url", f"{public_url}{entry.path}")
    if entry.kind == "meeting":
        assert entry.starts_at and entry.ends_at and entry.timezone
        zone = ZoneInfo(entry.timezone)
        event.add("summary", f"Partnership meeting: {entry.title}")
        event.add("dtstart", entry.starts_at.astimezone(zone))
        event.add("dtend", entry.ends_at.astimezone(zone))
        event.add("status", "CONFIRMED")
        if entry.location:
            event.add("location", entry.location)
    else:
        assert entry.due_on is not None
        prefix = {"done": "Done: ", "dropped": "Dropped: "}.get(entry.status, "Due: ")
        event.add("summary", f"{prefix}{entry.title}")
        event.add("dtstart", entry.due_on)
        event.add("dtend", entry.due_on + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("status", ACTION_STATUS.get(entry.status, "CONFIRMED"))
        event.add("categories", ["Action item"])
    return event


def build_feed(
    items: Sequence[OutreachItem],
    *,
    name: str,
    public_url: str,
    partner_names: dict[str, str],
    entries: Sequence[GovernanceEntry] = (),
) -> bytes:
    """The RFC 5545 calendar (with RFC 7986 NAME, URL, REFRESH-INTERVAL) of ``items`` and the
    governance ``entries``."""
    feed = Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.calendar_name = name
    feed.url = f"{public_url}/calendar"
    feed.refresh_interval = REFRESH
    for item in items:
        zone = ZoneInfo(item.timezone)
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.updated_at)
        event.add("dtstart", item.starts_at.astimezone(zone))
        event.add("dtend", item.ends_at.astimezone(zone))
        event.add("sequence", item.sequence)
        event.add("status", STATUS[item.status])
        owner = partner_names.get(item.partner_slug, item.partner_slug)
        event.add("summary", f"{owner}: {item.title}")
        event.add("description", f"{item.kind.label} by {item.channel.label.lower()}")
        event.add("url", f"{public_url}/calendar/items/{item.id}")
        if item.topic_list:
            event.add("categories", item.topic_list)
        feed.add_component(event)
    for entry in entries:
        feed.add_component(governance_event(entry, public_url))
    feed.add_missing_timezones()
    body: bytes = feed.to_ical()
    return body
