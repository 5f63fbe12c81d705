"""Every hub table of outreach, imported in one place for the hub's migrations."""

from outreach.calendar.models import CalendarAudience, CalendarFeed, ItemSend, OutreachItem
from outreach.events.models import EventHost, EventListToken, JointEvent, WaitingPlace
from outreach.matching.models import MatchingRound, RoundSubmission

__all__ = [
    "CalendarAudience",
    "CalendarFeed",
    "EventHost",
    "EventListToken",
    "ItemSend",
    "JointEvent",
    "MatchingRound",
    "OutreachItem",
    "RoundSubmission",
    "WaitingPlace",
]
