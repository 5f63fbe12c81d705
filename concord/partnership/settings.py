"""The partnership's rules, as every part of the platform reads them.

One service answers "what are the rules now?". Until the governance records back it with the
signed Principles for Collaboration, it answers with the defaults below. Matching reads the
disclosure fields, the calendar the coordination fields, governance the decision fields.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session


class Disclosure(enum.StrEnum):
    """How much matching may tell a partner about its own contacts."""

    AGGREGATES = "aggregates"
    # "Also held by N other partners" on each contact (never which partners).
    CONTACT_FLAGS = "contact_flags"


class DecisionRule(enum.StrEnum):
    """How the partnership decides ordinary matters (changes to the principles need unanimity)."""

    CONSENSUS = "consensus"  # adopted when nobody blocks
    MAJORITY = "majority"  # adopted when the agreeing share of voting partners reaches a threshold
    UNANIMITY = "unanimity"  # adopted when every voting partner agrees


@dataclass(frozen=True)
class Blackout:
    """Days (inclusive) on which no partner sends outreach."""

    starts: date
    ends: date
    reason: str


@dataclass(frozen=True)
class PartnershipSettings:
    # Matching: what may be published, and how.
    suppression_threshold: int = 10
    rounding: int = 5
    disclosure: Disclosure = Disclosure.AGGREGATES
    # Calendar: coordination of outreach across partners.
    fatigue_cap_messages: int = 4
    fatigue_cap_days: int = 30
    blackouts: tuple[Blackout, ...] = ()
    topic_gap_days: int = 7
    max_items_per_day: int = 3
    # Governance: decisions and review rounds.
    decision_rule: DecisionRule = DecisionRule.CONSENSUS
    majority_percent: int = 67
    quorum_organisations: int = 3
    review_window_days: int = 14
    silence_is_consent: bool = False
    source: str = "defaults (no principles signed by every partner yet)"


def current(session: Session) -> PartnershipSettings:
    """The rules in force now."""
    del session  # the governance issue reads the signed principles from here
    return PartnershipSettings()
