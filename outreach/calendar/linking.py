"""Linking the audiences of one calendar period across partners, kept in memory between changes.

Each token of the period gets a dense integer id; tokens carried by one record (a person's email
and phone) are joined in a union-find, so a person is the root of their tokens. An item's
audience becomes a sorted array of person ids. When one item changes, only its blob is read
and unpacked again; the other items' arrays stay, and are recomputed only if the new blob
joined two people that were apart. Every process (web, worker) keeps its own index and brings
it up to date from the hub's ``calendar_audiences`` rows by their digests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.calendar.models import CalendarAudience
from outreach.calendar.packing import unpack

Ids = npt.NDArray[np.int32]


class TokenSpace:
    """Dense ids for a period's tokens, and the union-find that turns tokens into people."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.uint64)  # sorted
        self._ids = np.empty(0, dtype=np.int32)  # the id of each sorted key
        self._parent = np.empty(0, dtype=np.int32)
        self._roots: Ids | None = None
        self.generation = 0  # raised whenever two people are joined

    @property
    def size(self) -> int:
        return int(self._parent.size)

    def ids_of(self, keys: npt.NDArray[np.uint64]) -> Ids:
        """The id of each key, giving new ids to keys not seen before."""
        # Sorting the incoming keys once and looking up only the distinct ones keeps the
        # binary searches few and in order (millions of keys, about a million distinct).
        distinct, inverse = np.unique(keys, return_inverse=True)
        position = np.searchsorted(self._keys, distinct)
        clipped = np.minimum(position, max(self._keys.size - 1, 0))
        found = (
            self._keys[clipped] == distinct
            if self._keys.size
            else np.zeros(distinct.size, dtype=bool)
        )
        known = np.empty(distinct.size, dtype=np.int32)
        known[found] = self._ids[clipped[found]]
        missing = distinct[~found]
        if missing.size:
            fresh = np.arange(self.size, self.size + missing.size, dtype=np.int32)
            known[~found] = fresh
            merged_keys = np.concatenate([self._keys, missing])
            order = np.argsort(merged_keys, kind="stable")
            self._keys = merged_keys[order]
            self._ids = np.concatenate([self._ids, fresh])[order]
            self._parent = np.concatenate([self._parent, fresh])
            if self._roots is not None:
                self._roots = np.concatenate([self._roots, fresh])
        return known[inverse.reshape(-1)]

    def roots(self) -> Ids:
        """Each token's person (the root of its set), by pointer jumping."""
        if self._roots is None:
            roots = self._parent.copy()
            while True:
                jumped = roots[roots]
                if np.array_equal(jumped, roots):
                    break
                roots = jumped
            self._roots = roots
        return self._roots

    def join(self, left: Ids, right: Ids) -> None:
        """Put each ``left[i]`` and ``right[i]`` in one set (vectorised, a few passes)."""
        while left.size:
            roots = self.roots()
            a, b = roots[left], roots[right]
            apart = a != b
            if not apart.any():
                return
            low, high = np.minimum(a[apart], b[apart]), np.maximum(a[apart], b[apart])
            # Where one root is written twice only one write lands; the next pass does the rest.
            self._parent[high] = low
            self._parent = self._parent[self._parent]
            self._roots = None
            self.generation += 1
            left, right = left[apart], right[apart]


class PeriodIndex:
    """Every item's audience of one period, as people of one token space."""

    def __init__(self, period_id: str) -> None:
        self.period_id = period_id
        self.space = TokenSpace()
        self._heads: dict[str, Ids] = {}  # first token of each record, per item
        self._digests: dict[str, str] = {}
        self._people: dict[str, tuple[int, Ids]] = {}  # (generation, sorted person ids)
        self.lock = threading.Lock()

    def add(self, item_id: str, digest: str, blob: bytes) -> None:
        self.add_many([(item_id, digest, blob)])

    def add_many(self, blobs: Sequence[tuple[str, str, bytes]]) -> None:
        """Take in several audiences at once: one pass over the token space for them all."""
        if not blobs:
            return
        unpacked = [unpack(blob) for _, _, blob in blobs]
        ids = self.space.ids_of(np.concatenate([keys for _, keys in unpacked]))
        counts = np.concatenate([c for c, _ in unpacked]).astype(np.int64)
        starts = np.zeros(counts.size, dtype=np.int64)
        if counts.size > 1:
            np.cumsum(counts[:-1], out=starts[1:])
        heads = ids[starts] if counts.size else np.empty(0, dtype=np.int32)
        # Every further token of a record belongs to the same person as its first.
        extra = counts - 1
        if extra.any():
            owners = np.repeat(np.arange(counts.size), extra)
            offsets = np.arange(int(extra.sum())) - np.repeat(np.cumsum(extra) - extra, extra)
            self.space.join(heads[owners], ids[starts[owners] + 1 + offsets])
        position = 0
        for (item_id, digest, _), (item_counts, _) in zip(blobs, unpacked, strict=True):
            self._heads[item_id] = heads[position : position + item_counts.size]
            position += item_counts.size
            self._digests[item_id] = digest
            self._people.pop(item_id, None)

    def drop(self, item_id: str) -> None:
        self._heads.pop(item_id, None)
        self._digests.pop(item_id, None)
        self._people.pop(item_id, None)

    def people(self, item_id: str) -> Ids:
        """The item's audience as sorted, distinct person ids (empty if it has none here)."""
        heads = self._heads.get(item_id)
        if heads is None:
            return np.empty(0, dtype=np.int32)
        cached = self._people.get(item_id)
        if cached is not None and cached[0] == self.space.generation:
            return cached[1]
        found = _distinct(self.space.roots()[heads])
        self._people[item_id] = (self.space.generation, found)
        return found

    def record_people(self, item_id: str) -> Ids:
        """The person of each record of the item's audience, in packing order."""
        heads = self._heads.get(item_id)
        if heads is None:
            return np.empty(0, dtype=np.int32)
        return self.space.roots()[heads]

    def sync(self, session: Session) -> None:
        """Bring the index up to the hub's rows: load changed blobs, forget removed ones."""
        current = dict(
            session.execute(
                select(CalendarAudience.item_id, CalendarAudience.digest).where(
                    CalendarAudience.period_id == self.period_id
                )
            ).all()
        )
        for gone in set(self._digests) - set(current):
            self.drop(gone)
        stale = [i for i, digest in current.items() if self._digests.get(i) != digest]
        self.add_many(list(_blobs(session, stale)))

    def items(self) -> Iterable[str]:
        return self._heads.keys()


def _distinct(values: Ids) -> Ids:
    """Sorted distinct values (a plain sort: quicker here than numpy's hashing unique)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _blobs(session: Session, item_ids: list[str]) -> Iterable[tuple[str, str, bytes]]:
    for start in range(0, len(item_ids), 50):
        chunk = item_ids[start : start + 50]
        rows = session.execute(
            select(
                CalendarAudience.item_id, CalendarAudience.digest, CalendarAudience.payload
            ).where(CalendarAudience.item_id.in_(chunk))
        )
        yield from rows


_indexes: dict[tuple[str, str], PeriodIndex] = {}
_registry_lock = threading.Lock()


def index_for(session: Session, database: str, period_id: str) -> PeriodIndex:
    """This process's index of one period of one hub database, brought up to date.

    The caller holds ``index.lock`` while reading arrays from it.
    """
    with _registry_lock:
        index = _indexes.setdefault((database, period_id), PeriodIndex(period_id))
    with index.lock:
        index.sync(session)
    return index


def forget_period(database: str, period_id: str) -> None:
    with _registry_lock:
        _indexes.pop((database, period_id), None)
