"""The .ics that travels with an invitation (RFC 5545, METHOD:REQUEST), built with icalendar."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from concord.db import utcnow
from outreach.events.models import EventStatus, JointEvent

PRODID = "-//Concord//Joint events//EN"


def event_uid(event: JointEvent) -> str:
    """Stable across every co-host's invitations, so calendars see one event."""
    return f"event-{event.id}@concord"


def invitation_ics(
    event: JointEvent,
    *,
    organiser_name: str,
    organiser_address: str,
    now: datetime | None = None,
) -> str:
    """A VCALENDAR with one VEVENT, its times in the event's own zone (with its VTIMEZONE).

    A cancelled event gives METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE, so
    calendars that took the invitation remove the event.
    """
    cancelled = event.status is EventStatus.CANCELLED
    zone = ZoneInfo(event.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    entry = Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title)
    entry.add("sequence", 1 if cancelled else 0)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.description:
        entry.add("description", event.description)
    if event.venue:
        entry.add("location", event.venue)
    if event.online_url:
        entry.add("url", event.online_url)
    organiser = vCalAddress(f"mailto:{parseaddr(organiser_address)[1] or organiser_address}")
    organiser.params["cn"] = vText(organiser_name)
    entry.add("organizer", organiser)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical.decode("utf-8")
