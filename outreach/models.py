"""Every hub table of outreach, imported in one place for the hub's migrations."""

from outreach.events.models import EventHost, EventListToken, JointEvent, WaitingPlace
from outreach.matching.models import MatchingRound, RoundSubmission

__all__ = [
    "EventHost",
    "EventListToken",
    "JointEvent",
    "MatchingRound",
    "RoundSubmission",
    "WaitingPlace",
]
