"""Every hub table of outreach, imported in one place for the hub's migrations."""

from outreach.matching.models import MatchingRound, RoundSubmission

__all__ = ["MatchingRound", "RoundSubmission"]
