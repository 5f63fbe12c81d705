"""The partnership's coordination rules, as pure functions over days and arrays of people.

- fatigue cap: nobody gets more than N messages in any D consecutive days, across partners;
- blackouts: days on which nobody sends;
- topic gap: items on one topic at least G days apart, whoever sends them;
- day capacity: at most M items on one day.

Days are UTC dates of the items' start. The service in :mod:`outreach.calendar.evaluation`
feeds these functions and turns their exact results into published (suppressed, rounded)
figures before anybody sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from concord.partnership.settings import Blackout

People = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Neighbour:
    """Another item as the rules see it: its day, partner, topics and audience."""

    item_id: str
    partner_slug: str
    day: date
    topics: frozenset[str]


def blackout_on(day: date, blackouts: Sequence[Blackout]) -> Blackout | None:
    return next((b for b in blackouts if b.starts <= day <= b.ends), None)


def items_on(day: date, others: Sequence[Neighbour]) -> int:
    return sum(1 for other in others if other.day == day)


def topic_clashes(
    day: date, topics: frozenset[str], others: Sequence[Neighbour], gap_days: int
) -> list[Neighbour]:
    """Other items sharing a topic less than ``gap_days`` away (on either side)."""
    if not topics or gap_days <= 0:
        return []
    return [
        other
        for other in others
        if topics & other.topics and abs((other.day - day).days) < gap_days
    ]


def _busiest(
    people: People,
    neighbours: Sequence[tuple[int, People]],
    *,
    universe: int,
    cap_days: int,
    offsets: Sequence[int],
) -> dict[int, npt.NDArray[np.int32]]:
    """For each offset, each person's most messages from the others in a window of
    ``cap_days`` days containing that day."""
    low = min(offsets) - (cap_days - 1)
    high = max(offsets) + (cap_days - 1)
    width = high - low + 1
    row = np.full(universe, -1, dtype=np.int32)
    row[people] = np.arange(people.size, dtype=np.int32)
    # One row per day, one column per person: each other item adds to one contiguous row.
    received = np.zeros((width, people.size), dtype=np.int16)
    for offset, theirs in neighbours:
        if low <= offset <= high and theirs.size:
            rows = row[theirs]
            received[offset - low, rows[rows >= 0]] += 1
    running = np.zeros((width + 1, people.size), dtype=np.int16)
    np.cumsum(received, axis=0, out=running[1:])
    # window[s]: messages in the cap_days days from day low + s.
    window = running[cap_days:] - running[:-cap_days]
    busiest: dict[int, npt.NDArray[np.int32]] = {}
    for offset in offsets:
        first = offset - (cap_days - 1) - low
        busiest[offset] = window[first : first + cap_days].max(axis=0).astype(np.int32)
    return busiest


def over_cap(
    people: People,
    neighbours: Sequence[tuple[int, People]],
    *,
    universe: int,
    cap_messages: int,
    cap_days: int,
    offsets: Sequence[int],
) -> dict[int, int]:
    """How many of ``people`` would get more than ``cap_messages`` in some ``cap_days`` window
    if the item went out ``offset`` days from its day, for each offset.

    ``neighbours`` pairs each other item's day offset with its (distinct) people. One matrix
    of messages per person and day covers every offset at once, so trying many dates costs
    little more than trying one.
    """
    if not offsets:
        return {}
    if people.size == 0 or cap_days <= 0:
        return dict.fromkeys(offsets, 0)
    busiest = _busiest(people, neighbours, universe=universe, cap_days=cap_days, offsets=offsets)
    # The item itself is one more message in every window that contains its day.
    return {
        offset: int(np.count_nonzero(most + 1 > cap_messages)) for offset, most in busiest.items()
    }


def over_cap_people(
    people: People,
    neighbours: Sequence[tuple[int, People]],
    *,
    universe: int,
    cap_messages: int,
    cap_days: int,
) -> People:
    """The people the item, on its own day, would take over the cap."""
    if people.size == 0 or cap_days <= 0:
        return np.empty(0, dtype=np.int32)
    busiest = _busiest(people, neighbours, universe=universe, cap_days=cap_days, offsets=[0])
    return people[busiest[0] + 1 > cap_messages]


def shared_people(people: People, others: Sequence[People], *, universe: int) -> list[int]:
    """How many of ``people`` each of ``others`` also reaches (all arrays distinct)."""
    if people.size == 0:
        return [0 for _ in others]
    member = np.zeros(universe, dtype=bool)
    member[people] = True
    return [int(np.count_nonzero(member[theirs])) if theirs.size else 0 for theirs in others]


def nearest_offsets(radius: int) -> list[int]:
    """0, then 1, -1, 2, -2, ... up to ``radius``: nearest dates first, later before earlier."""
    found = [0]
    for step in range(1, radius + 1):
        found.extend((step, -step))
    return found
