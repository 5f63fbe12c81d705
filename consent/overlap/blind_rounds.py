"""A node's state in a federated round: its scalar, the sizes announced, what it re-blinded.

The scalar is drawn when the node submits its own set and lives in this process's memory
only, never on disk; it goes when the round is forgotten, when it grows stale, or with the
process. A node re-blinds each other partner's set once, in order, and only at the size the
hub announced for it when the round opened: a colluding party cannot use it as an oracle
for sets of its own choosing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from consent.overlap.blinding import blind, new_scalar, release_workers
from consent.public import RoundRefused

STALE_SECONDS = 6 * 3600


@dataclass
class _Round:
    scalar: bytes
    started: float = field(default_factory=time.monotonic)
    announced: dict[str, int] | None = None
    received: dict[str, int] = field(default_factory=dict)


_rounds: dict[tuple[str, str], _Round] = {}
_lock = threading.Lock()


def _drop_stale() -> None:
    horizon = time.monotonic() - STALE_SECONDS
    for key in [key for key, state in _rounds.items() if state.started < horizon]:
        del _rounds[key]


def start(partner: str, round_id: str) -> bytes:
    """A fresh scalar for this vault's part in the round (refused if it has one already)."""
    with _lock:
        _drop_stale()
        if (partner, round_id) in _rounds:
            raise RoundRefused("this vault has submitted its set for the round already")
        state = _Round(new_scalar())
        _rounds[partner, round_id] = state
        return state.scalar


def announce(partner: str, round_id: str, sizes: dict[str, int]) -> None:
    """Record the sizes of the other partners' sets, once."""
    with _lock:
        state = _rounds.get((partner, round_id))
        if state is None:
            raise RoundRefused("this vault has no part in that round")
        if state.announced is not None:
            raise RoundRefused("the round's sizes were announced already")
        if partner in sizes or any(size < 0 for size in sizes.values()):
            raise RoundRefused("the announced sizes are not other partners' sets")
        state.announced = dict(sizes)


def reblind(
    partner: str, round_id: str, origin: str, offset: int, points: list[bytes]
) -> list[bytes]:
    """Raise the next chunk of ``origin``'s set to this vault's scalar; a chunk counts once
    it is blinded, so a refused one (not group elements) can be sent again."""
    with _lock:
        scalar = _expected(partner, round_id, origin, offset, len(points)).scalar
    blinded = blind(points, scalar)
    with _lock:
        state = _expected(partner, round_id, origin, offset, len(points))
        state.received[origin] = offset + len(points)
    return blinded


def _expected(partner: str, round_id: str, origin: str, offset: int, size: int) -> _Round:
    """The round, if a chunk of ``size`` points at ``offset`` is the next one of ``origin``'s
    announced set (called with the lock held)."""
    state = _rounds.get((partner, round_id))
    if state is None or state.announced is None:
        raise RoundRefused("that round is unknown here, or its sizes were not announced")
    if origin not in state.announced:
        raise RoundRefused("no set of that partner was announced")
    expected = state.received.get(origin, 0)
    if offset != expected or expected + size > state.announced[origin]:
        raise RoundRefused("the set is not the one announced, or was blinded already")
    return state


def forget(partner: str, round_id: str | None = None) -> None:
    """Drop the scalar of one round (every round of this vault, with None)."""
    with _lock:
        for key in [key for key in _rounds if key[0] == partner and round_id in (None, key[1])]:
            del _rounds[key]
        idle = not _rounds
    if idle:
        release_workers()


def holds(partner: str, round_id: str) -> bool:
    with _lock:
        return (partner, round_id) in _rounds
