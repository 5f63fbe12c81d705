"""The decision rules, as a table: each line is a partnership, the positions cast, and the
outcome the register must compute."""

from __future__ import annotations

import pytest

from concord.governance.decisions.models import Stance
from concord.governance.decisions.outcome import DecisionRules, outcome
from concord.partnership.settings import DecisionRule

A, AB, D, B = Stance.AGREE, Stance.ABSTAIN, Stance.DISAGREE, Stance.BLOCK
CONSENSUS, MAJORITY, UNANIMITY = (
    DecisionRule.CONSENSUS,
    DecisionRule.MAJORITY,
    DecisionRule.UNANIMITY,
)

CASES = [
    # (case, rule, majority %, quorum, partners, positions, adopted, words in the reason)
    ("consensus, all agree", CONSENSUS, 67, 3, 4, [A, A, A, A], True, "Consensus"),
    ("consensus with one block", CONSENSUS, 67, 3, 4, [A, A, A, B], False, "1 partner(s) blocked"),
    ("consensus with a disagreement", CONSENSUS, 67, 3, 4, [A, A, D], True, "nobody blocked"),
    ("consensus, everyone abstains", CONSENSUS, 67, 3, 4, [AB, AB, AB], False, "No partner agreed"),
    ("majority below the threshold", MAJORITY, 67, 3, 4, [A, A, D, D], False, "50%, 67% needed"),
    ("majority exactly at the threshold", MAJORITY, 75, 3, 4, [A, A, A, D], True, "3 of 4"),
    ("majority above the threshold", MAJORITY, 67, 3, 4, [A, A, A, D], True, "75%"),
    ("majority: abstentions do not vote", MAJORITY, 67, 3, 4, [A, A, AB, D], False, "2 of 3"),
    ("majority: a block is a vote against", MAJORITY, 51, 3, 4, [A, B, B], False, "1 of 3"),
    ("quorum missed", CONSENSUS, 67, 3, 4, [A, A], False, "Quorum not met: 2 of the 3"),
    ("quorum met by an abstention", CONSENSUS, 67, 3, 4, [A, A, AB], True, "Consensus"),
    ("quorum larger than the partnership", CONSENSUS, 67, 5, 2, [A, A], True, "Consensus"),
    ("unanimity with one abstain", UNANIMITY, 67, 3, 4, [A, A, A, AB], True, "Unanimous"),
    ("unanimity with one disagree", UNANIMITY, 67, 3, 4, [A, A, A, D], False, "Not unanimous"),
    ("unanimity with one block", UNANIMITY, 67, 3, 4, [A, A, B], False, "Not unanimous"),
    ("nobody took part", MAJORITY, 67, 1, 4, [], False, "Quorum not met"),
]


@pytest.mark.parametrize(
    ("rule", "percent", "quorum", "partners", "stances", "adopted", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_outcome_follows_the_rules(
    rule: DecisionRule,
    percent: int,
    quorum: int,
    partners: int,
    stances: list[Stance],
    adopted: bool,
    words: str,
) -> None:
    result = outcome(DecisionRules(rule, percent, quorum, partners), stances)
    assert result.adopted is adopted
    assert words in result.reason
    assert result.taking_part == len(stances)


@pytest.mark.parametrize(
    ("stances", "adopted"),
    [([A, A, A, A], True), ([A, A, A, AB], True), ([A, A, A], False), ([A, A, A, D], False)],
    ids=["all agree", "one abstains", "one missing", "one disagrees"],
)
def test_a_change_to_the_principles_needs_every_partner_and_unanimity(
    stances: list[Stance], adopted: bool
) -> None:
    assert outcome(DecisionRules.for_principles_change(4), stances).adopted is adopted
