"""Federated rounds: n-party blinding gives the same figures and flags as keyed tokens, and
a vault re-blinds only the sets announced, once, and forgets its scalar with the round."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from concord.demo.contacts import DEMO_PARTNERS
from concord.partnership.settings import Disclosure, PartnershipSettings
from consent.overlap import blind_rounds
from consent.overlap.blinding import hash_and_blind, new_scalar, to_group
from consent.overlap.models import OverlapFlag
from consent.public import RoundRefused
from outreach.matching.rounds import figures, open_round, run_round
from tests.integration.test_matching import Partnership, partnership

__all__ = ["partnership"]
pytestmark = pytest.mark.crosses_boundary
SLUGS = [partner.slug for partner in DEMO_PARTNERS]


def _round(partnership: Partnership, *, blinded: bool, disclosure: Disclosure) -> dict[str, object]:
    round_id = open_round(
        partnership.hub, scope="all", actor="test", rules=PartnershipSettings(disclosure=disclosure)
    )
    overlap = run_round(partnership.hub, partnership.directory, round_id, blinded=blinded)
    assert overlap is not None
    return figures(round_id, overlap, rules=PartnershipSettings(), exact=True)


def _flags(partnership: Partnership) -> dict[str, list[tuple[int, int]]]:
    found = {}
    for slug in SLUGS:
        with partnership.vaults.transaction(slug) as session:
            found[slug] = sorted(
                (flag.contact_id, flag.other_partners)
                for flag in session.scalars(select(OverlapFlag))
            )
    return found


def test_a_blinded_round_gives_the_keyed_rounds_figures_and_flags(partnership: Partnership) -> None:
    keyed = _round(partnership, blinded=False, disclosure=Disclosure.CONTACT_FLAGS)
    keyed_flags = _flags(partnership)
    blinded = _round(partnership, blinded=True, disclosure=Disclosure.CONTACT_FLAGS)
    truth = partnership.generated.truth.as_match_json()
    for measure in ("partners", "totals", "pairwise", "subsets", "by_category"):
        assert blinded[measure] == keyed[measure]
    assert blinded["subsets"] == truth["subsets"]
    assert _flags(partnership) == keyed_flags
    assert any(keyed_flags.values())


def test_no_scalar_outlives_the_round(partnership: Partnership) -> None:
    round_id = open_round(partnership.hub, scope="all", actor="test")
    run_round(partnership.hub, partnership.directory, round_id, blinded=True)
    assert not any(blind_rounds.holds(slug, round_id) for slug in SLUGS)


def test_a_vault_reblinds_only_the_announced_sets_once(partnership: Partnership) -> None:
    port = partnership.directory.vault("northmere")
    port.blinded_submission("probe-round", shared_categories=())
    points = [to_group("email", f"guess{n}@example.org") for n in range(3)]
    with pytest.raises(RoundRefused):  # no sizes announced yet
        port.reblind("probe-round", "coastal", 0, points)
    port.announce_round("probe-round", {"coastal": 3})
    with pytest.raises(RoundRefused):
        port.announce_round("probe-round", {"coastal": 30})
    with pytest.raises(RoundRefused):  # bigger than announced
        port.reblind("probe-round", "coastal", 0, [*points, *points])
    with pytest.raises(RoundRefused):  # not a group element
        port.reblind("probe-round", "coastal", 0, [b"\xff" * 32])
    once = port.reblind("probe-round", "coastal", 0, points)
    assert len(once) == 3 and once != points
    with pytest.raises(RoundRefused):  # the same set again
        port.reblind("probe-round", "coastal", 0, points)
    with pytest.raises(RoundRefused):  # a partner that was not announced
        port.reblind("probe-round", "alpine", 0, points[:1])
    port.forget_round("probe-round")
    with pytest.raises(RoundRefused):
        port.reblind("probe-round", "coastal", 3, points[:0])


def test_blinding_commutes() -> None:
    pairs = [("email", "a@example.org"), ("phone", "+441234567890")]
    first, second = new_scalar(), new_scalar()
    from consent.overlap.blinding import blind

    one_way = blind(hash_and_blind(pairs, first), second)
    other_way = blind(hash_and_blind(pairs, second), first)
    assert one_way == other_way
    assert hash_and_blind(pairs, first) != hash_and_blind(pairs, second)


def test_large_sets_are_blinded_by_the_rounds_workers_as_one_core_would() -> None:
    from consent.overlap import blinding

    scalar = new_scalar()
    pairs = [("email", f"person{n}@example.org") for n in range(blinding.POOL_THRESHOLD + 10)]
    try:
        pooled = blinding.hash_and_blind(pairs, scalar)
        assert pooled == blinding._hash_and_blind(pairs, scalar)
        again = new_scalar()
        assert blinding.blind(pooled, again) == blinding._blind(pooled, again)
        with pytest.raises(RoundRefused):  # one bad point anywhere in a large set
            blinding.blind([*pooled[:-1], b"\xff" * 32], again)
    finally:
        blinding.release_workers()
