"""The partnership's rules, as every part of the platform reads them.

One service answers "what are the rules now?": the settings block of the Principles for
Collaboration in force (the latest version signed by every partner), or the defaults below
until one is. Matching reads the disclosure fields, the calendar the coordination fields,
governance the decision fields.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from concord.governance.principles.in_force import version_in_force


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


DEFAULT_SOURCE = PartnershipSettings.source


def as_record(rules: PartnershipSettings) -> dict[str, Any]:
    """The rules as plain JSON values (``source`` left out): what a principles version stores
    and what its hash covers."""
    record = asdict(rules)
    del record["source"]
    record["disclosure"] = rules.disclosure.value
    record["decision_rule"] = rules.decision_rule.value
    record["blackouts"] = [
        {"starts": b.starts.isoformat(), "ends": b.ends.isoformat(), "reason": b.reason}
        for b in rules.blackouts
    ]
    return record


def from_record(record: dict[str, Any], *, source: str = DEFAULT_SOURCE) -> PartnershipSettings:
    """Rebuild the rules from :func:`as_record`'s form; a field it lacks keeps its default."""
    known = {f.name for f in fields(PartnershipSettings)} - {"source"}
    values: dict[str, Any] = {k: v for k, v in record.items() if k in known}
    if "disclosure" in values:
        values["disclosure"] = Disclosure(values["disclosure"])
    if "decision_rule" in values:
        values["decision_rule"] = DecisionRule(values["decision_rule"])
    if "blackouts" in values:
        values["blackouts"] = tuple(
            Blackout(date.fromisoformat(b["starts"]), date.fromisoformat(b["ends"]), b["reason"])
            for b in values["blackouts"]
        )
    return PartnershipSettings(**values, source=source)


def current(session: Session) -> PartnershipSettings:
    """The rules in force now: those of the signed principles, or the defaults."""
    in_force = version_in_force(session)
    if in_force is None:
        return PartnershipSettings()
    source = (
        f"Principles for Collaboration version {in_force.number}, "
        f"in force since {in_force.since:%Y-%m-%d %H:%M} UTC"
    )
    return from_record(in_force.settings, source=source)
