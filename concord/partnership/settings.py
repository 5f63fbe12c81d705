"""The partnership's rules, as every part of the platform reads them.

One service answers "what are the rules now?". Until the governance records back it with the
signed Principles for Collaboration, it answers with the defaults below.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session


class Disclosure(enum.StrEnum):
    """How much matching may tell a partner about its own contacts."""

    AGGREGATES = "aggregates"
    # "Also held by N other partners" on each contact (never which partners).
    CONTACT_FLAGS = "contact_flags"


@dataclass(frozen=True)
class PartnershipSettings:
    suppression_threshold: int = 10
    rounding: int = 5
    disclosure: Disclosure = Disclosure.AGGREGATES
    fatigue_cap_messages: int = 4
    fatigue_cap_days: int = 30
    source: str = "defaults (no principles signed by every partner yet)"


def current(session: Session) -> PartnershipSettings:
    """The rules in force now."""
    del session  # the governance issue reads the signed principles from here
    return PartnershipSettings()
