"""What the messages about a joint event say, in every language the platform writes in.

The hub writes each message once per shipped language; each vault sends every invitee the
one in their own language. Dates and times are the event's own, in its time zone, named,
and formatted as the language writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from concord.languages import DEFAULT, SHIPPED
from concord.translations import translate
from outreach.events.models import JointEvent

Text = tuple[str, str]


def _day(moment: datetime, zone: str, language: str) -> str:
    return format_date(moment.astimezone(ZoneInfo(zone)).date(), "full", locale=language)


def _time(moment: datetime, zone: str, language: str) -> str:
    return format_time(moment, "short", tzinfo=ZoneInfo(zone), locale=language)


def invitation(event: JointEvent, partner_name: str, language: str = DEFAULT) -> Text:
    """The subject and body of an invitation (the RSVP link is added below the body)."""
    zone = event.timezone
    where = ", ".join(part for part in (event.venue, event.online_url) if part)
    when = translate(
        language,
        "%(day)s, %(start)s to %(end)s (%(zone)s)",
        day=_day(event.starts_at, zone, language),
        start=_time(event.starts_at, zone, language),
        end=_time(event.ends_at, zone, language),
        zone=zone,
    )
    deadline = translate(
        language,
        "%(day)s, %(time)s (%(zone)s)",
        day=_day(event.registration_deadline, zone, language),
        time=_time(event.registration_deadline, zone, language),
        zone=zone,
    )
    body = (
        translate(
            language,
            "%(partner)s invites you to %(event)s.",
            partner=partner_name,
            event=event.title,
        )
        + "\n\n"
        + translate(language, "When: %(when)s", when=when)
        + "\n"
        + translate(language, "Where: %(where)s", where=where)
        + "\n\n"
        + (f"{event.description}\n\n" if event.description else "")
        + translate(language, "Please answer by %(deadline)s.", deadline=deadline)
        + " "
        + translate(language, "The calendar file attached adds the event to your calendar.")
    )
    return translate(language, "Invitation: %(event)s", event=event.title), body


def place_offer(title: str, language: str = DEFAULT) -> Text:
    """The message telling someone on the waiting list that a place is theirs."""
    subject = translate(language, "A place for you: %(event)s", event=title)
    body = translate(
        language,
        "A place has opened up at %(event)s, and it is yours. If you can no longer come, "
        "please decline with the link in your invitation.",
        event=title,
    )
    return subject, body


def cancellation(title: str, language: str = DEFAULT) -> Text:
    """The message telling invitees that the event is cancelled."""
    subject = translate(language, "Cancelled: %(event)s", event=title)
    body = translate(
        language,
        "We are sorry: %(event)s is cancelled. The calendar file attached removes it from "
        "your calendar.",
        event=title,
    )
    return subject, body


def in_every_language(write: Callable[[str], Text]) -> dict[str, Text]:
    """``write`` for each shipped language."""
    return {language: write(language) for language in SHIPPED}
