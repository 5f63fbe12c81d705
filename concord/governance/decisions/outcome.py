"""The outcome of a decision, computed from the positions and the rules: a pure function, so
the rules can be stated as a table in the tests.

Quorum counts organisations that took part (an abstention is taking part). Consensus adopts
when at least one partner agrees and nobody blocks (a disagreement is recorded, not a veto).
Majority adopts when the agreeing share of the partners that voted (abstentions left out)
reaches the threshold. Unanimity adopts when every partner that voted agrees. A change to the
principles always needs unanimity, with every partner taking part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from concord.governance.decisions.models import Stance
from concord.partnership.settings import DecisionRule


@dataclass(frozen=True)
class DecisionRules:
    rule: DecisionRule
    majority_percent: int
    quorum: int
    partners: int

    @property
    def quorum_needed(self) -> int:
        # A quorum larger than the partnership could never be met.
        return max(1, min(self.quorum, self.partners))

    @classmethod
    def for_principles_change(cls, partners: int) -> DecisionRules:
        return cls(DecisionRule.UNANIMITY, 100, partners, partners)


@dataclass(frozen=True)
class Outcome:
    adopted: bool
    reason: str
    taking_part: int
    agree: int
    abstain: int
    disagree: int
    block: int


def outcome(rules: DecisionRules, stances: Iterable[Stance]) -> Outcome:
    """Whether the positions cast adopt the proposal under ``rules``, and why (or why not)."""
    counts = Counter(stances)
    agree, abstain = counts[Stance.AGREE], counts[Stance.ABSTAIN]
    disagree, block = counts[Stance.DISAGREE], counts[Stance.BLOCK]
    taking_part = agree + abstain + disagree + block
    voting = agree + disagree + block

    def result(adopted: bool, reason: str) -> Outcome:
        return Outcome(adopted, reason, taking_part, agree, abstain, disagree, block)

    needed = rules.quorum_needed
    if taking_part < needed:
        return result(
            False, f"Quorum not met: {taking_part} of the {needed} organisations needed took part."
        )
    if agree == 0:
        return result(False, "No partner agreed.")
    if rules.rule is DecisionRule.CONSENSUS:
        if block:
            return result(False, f"No consensus: {block} partner(s) blocked.")
        return result(True, f"Consensus: {agree} agreed and nobody blocked.")
    if rules.rule is DecisionRule.MAJORITY:
        share = 100 * agree / voting
        if agree * 100 >= rules.majority_percent * voting:
            return result(
                True, f"Majority: {agree} of {voting} voting partners agreed ({share:.0f}%)."
            )
        return result(
            False,
            f"Majority not reached: {agree} of {voting} voting partners agreed ({share:.0f}%, "
            f"{rules.majority_percent}% needed).",
        )
    if disagree or block:
        return result(False, f"Not unanimous: {disagree + block} voting partner(s) did not agree.")
    return result(True, f"Unanimous: all {agree} voting partners agreed.")
