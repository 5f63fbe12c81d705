"""The calendar's pure parts: packing audiences, linking tokens into people, the rules."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

from concord.partnership.settings import Blackout
from outreach.calendar import rules
from outreach.calendar.linking import PeriodIndex
from outreach.calendar.packing import pack, unpack
from outreach.calendar.periods import period_bounds, period_of


def tok(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def test_packing_round_trips_token_counts_and_keys() -> None:
    records = [(tok("a"),), (tok("b"), tok("c")), ()]
    counts, keys = unpack(pack(records))
    assert counts.tolist() == [1, 2]
    assert keys.size == 3
    assert int(keys[0]) == int.from_bytes(tok("a")[:8], "little")


def test_people_are_linked_through_any_shared_token() -> None:
    index = PeriodIndex("2027Q1")
    # Alpha knows a person by email and phone; Bravo by phone only; Charlie by email only.
    index.add("alpha", "1", pack([(tok("e1"), tok("p1")), (tok("e2"),)]))
    index.add("bravo", "1", pack([(tok("p1"),), (tok("e3"),)]))
    index.add("charlie", "1", pack([(tok("e1"),), (tok("e2"),), (tok("e3"),)]))
    alpha, bravo, charlie = (index.people(i) for i in ("alpha", "bravo", "charlie"))
    assert alpha.size == 2 and bravo.size == 2 and charlie.size == 3
    assert np.intersect1d(alpha, bravo).size == 1
    assert np.intersect1d(bravo, charlie).size == 2
    assert np.intersect1d(alpha, charlie).size == 2


def test_a_later_audience_can_join_people_seen_apart() -> None:
    index = PeriodIndex("2027Q1")
    index.add("a", "1", pack([(tok("e1"),)]))
    index.add("b", "1", pack([(tok("p1"),)]))
    assert np.intersect1d(index.people("a"), index.people("b")).size == 0
    index.add("c", "1", pack([(tok("e1"), tok("p1"))]))
    assert np.intersect1d(index.people("a"), index.people("b")).size == 1


def test_over_cap_counts_people_over_the_cap_in_some_window() -> None:
    people = np.array([1, 2, 3], dtype=np.int32)
    heavy = np.array([1, 2], dtype=np.int32)
    neighbours = [(-5, heavy), (3, heavy), (10, np.array([1], dtype=np.int32))]
    counts = rules.over_cap(
        people, neighbours, universe=10, cap_messages=2, cap_days=9, offsets=[0, 20, -20]
    )
    # Day 0: persons 1 and 2 get days -5, 0 and 3 within 9 days (3 > 2); person 3 only 1.
    assert counts[0] == 2
    assert counts[20] == 0
    assert counts[-20] == 0
    # A cap of 3 in 30 days: person 1 gets -5, 0, 3, 10.
    wide = rules.over_cap(people, neighbours, universe=10, cap_messages=3, cap_days=30, offsets=[0])
    assert wide[0] == 1


def test_cheap_rules() -> None:
    day = date(2027, 2, 10)
    others = [
        rules.Neighbour("x", "bravo", date(2027, 2, 14), frozenset({"energy"})),
        rules.Neighbour("y", "bravo", date(2027, 2, 10), frozenset({"water"})),
    ]
    assert [n.item_id for n in rules.topic_clashes(day, frozenset({"energy"}), others, 7)] == ["x"]
    assert rules.topic_clashes(day, frozenset({"energy"}), others, 4) == []
    assert rules.items_on(day, others) == 1
    blackout = Blackout(date(2027, 2, 9), date(2027, 2, 11), "summit")
    assert rules.blackout_on(day, [blackout]) == blackout
    assert rules.blackout_on(date(2027, 2, 12), [blackout]) is None
    assert rules.shared_people(
        np.array([1, 2], dtype=np.int32), [np.array([2, 3], dtype=np.int32)], universe=5
    ) == [1]
    assert rules.nearest_offsets(2) == [0, 1, -1, 2, -2]


def test_periods_are_quarters() -> None:
    assert period_of(date(2027, 3, 31)) == "2027Q1"
    assert period_of(date(2027, 4, 1)) == "2027Q2"
    assert period_bounds("2027Q4") == (date(2027, 10, 1), date(2027, 12, 31))
