"""Linking round records across partners and counting people once per subset of partners.

Records that share any token are the same person (union-find, so chains link too: an email at
one partner, a phone at another, both at a third). A person is then counted once for the exact
set of partners holding them, once for every pair within it, and per shared category.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Overlap:
    """Exact counts of one round; never published as they are (see disclosure)."""

    partners: tuple[str, ...]
    totals: dict[str, int]
    # frozenset of partners -> people held by exactly those partners and no others
    subsets: dict[frozenset[str], int]
    # pair -> people held by at least both
    pairwise: dict[frozenset[str], int]
    by_category: dict[str, dict[frozenset[str], int]]

    def for_category(self, category: str) -> Overlap:
        """The same figures for the people of one shared category only."""
        subsets = self.by_category.get(category, {})
        return Overlap(
            partners=self.partners,
            totals={
                slug: sum(c for group, c in subsets.items() if slug in group)
                for slug in self.partners
            },
            subsets=dict(subsets),
            pairwise={
                pair: sum(c for group, c in subsets.items() if pair <= group)
                for pair in self.pairwise
            },
            by_category={},
        )


class _UnionFind:
    """Disjoint sets of records, grown one record at a time as submissions are read."""

    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        index = len(self.parent)
        self.parent.append(index)
        return index

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def link_and_count(
    partners: Sequence[str],
    submissions: Iterable[tuple[str, Sequence[tuple[str | None, Sequence[bytes]]]]],
    *,
    reach: list[int] | None = None,
) -> Overlap:
    """Count people across ``submissions``: (partner slug, [(category, tokens), ...]) each.

    When ``reach`` is given it is filled, in record order, with how many *other* partners hold
    each record's person: the per-contact flag, for partnerships whose principles allow it.
    """
    order = sorted(partners)
    bit = {slug: 1 << index for index, slug in enumerate(order)}
    record_partner: list[int] = []
    record_category: list[str | None] = []
    first_holder: dict[bytes, int] = {}
    links = _UnionFind()
    # Records are linked as they arrive rather than after a list of all linked pairs: a round
    # of a million records would otherwise hold hundreds of thousands of pair tuples.
    for slug, records in submissions:
        mask = bit[slug]
        for category, tokens in records:
            index = links.add()
            record_partner.append(mask)
            record_category.append(category)
            for value in tokens:
                holder = first_holder.setdefault(value, index)
                if holder != index:
                    links.union(holder, index)
    # Partners holding each person (keyed by the root record), overall and per category. Plain
    # int-to-int dicts, which the garbage collector need not track.
    person_mask: dict[int, int] = {}
    category_masks: dict[str, dict[int, int]] = {}
    for index, mask in enumerate(record_partner):
        root = links.find(index)
        person_mask[root] = person_mask.get(root, 0) | mask
        category = record_category[index]
        if category is not None:
            masks = category_masks.get(category)
            if masks is None:
                masks = category_masks[category] = {}
            masks[root] = masks.get(root, 0) | mask

    if reach is not None:
        reach.extend(
            person_mask[links.find(index)].bit_count() - 1 for index in range(len(record_partner))
        )

    def partners_of(mask: int) -> frozenset[str]:
        return frozenset(slug for slug in order if mask & bit[slug])

    mask_counts = Counter(person_mask.values())
    subsets = {partners_of(mask): count for mask, count in mask_counts.items()}
    totals = {slug: sum(c for m, c in mask_counts.items() if m & bit[slug]) for slug in order}
    pairwise = {
        frozenset((a, b)): sum(c for m, c in mask_counts.items() if m & bit[a] and m & bit[b])
        for a, b in combinations(order, 2)
    }
    by_category = {category: Counter(masks.values()) for category, masks in category_masks.items()}
    return Overlap(
        partners=tuple(order),
        totals=totals,
        subsets=subsets,
        pairwise=pairwise,
        by_category={
            category: {partners_of(mask): count for mask, count in counts.items()}
            for category, counts in sorted(by_category.items())
        },
    )
