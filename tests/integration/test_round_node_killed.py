"""A vault node killed with SIGKILL in the middle of a federated round: the round fails
cleanly, naming the node, and publishes nothing; no blinded set or scalar outlives it on any
party; the node, started again, takes part in the next round, which gives the truth."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from concord.demo.contacts import DEMO_PARTNERS
from concord.partnership.settings import PartnershipSettings
from consent.overlap.blinding import to_group
from consent.public import NodeUnavailable, RoundRefused
from outreach.matching.models import MatchingRound, RoundStatus, RoundSubmission
from outreach.matching.rounds import figures, open_round, run_round
from tests.integration.test_matching import Partnership, partnership
from tests.nodes import NodeFarm

__all__ = ["partnership"]
SLUGS = [partner.slug for partner in DEMO_PARTNERS]
VICTIM = "coastal"


@pytest.fixture
def vault_adapter(node_farm: NodeFarm) -> str:
    return "http"


def _holds_nothing_of(partnership: Partnership, round_id: str) -> None:
    """Each node refuses to re-blind anything for the round: its scalar is gone."""
    probe = [to_group("email", "probe@example.org")]
    directory = partnership.directory
    for slug in SLUGS:
        other = SLUGS[(SLUGS.index(slug) + 1) % len(SLUGS)]
        with pytest.raises(RoundRefused):
            directory.vault(slug).reblind(round_id, other, 0, probe)
    with partnership.hub.transaction() as session:
        left = session.scalar(
            select(func.count())
            .select_from(RoundSubmission)
            .where(RoundSubmission.round_id == round_id)
        )
        assert left == 0


def test_a_node_killed_mid_round_fails_it_cleanly_and_rejoins_the_next(
    partnership: Partnership, node_farm: NodeFarm
) -> None:
    directory = partnership.directory
    victim = node_farm.node(VICTIM, partnership.settings)
    notes: list[str] = []

    def progress(text: str) -> None:
        notes.append(text)
        if text.startswith("blinding set") and text.endswith(f"at {VICTIM}"):
            victim.kill()  # SIGKILL, as the hub is about to send it a set

    round_id = open_round(partnership.hub, scope="all", actor="test")
    with pytest.raises(NodeUnavailable, match=VICTIM):
        run_round(partnership.hub, directory, round_id, progress=progress, blinded=True)
    assert any(note.startswith("blinding set") for note in notes)
    with partnership.hub.transaction() as session:
        failed = session.get_one(MatchingRound, round_id)
        assert failed.status is RoundStatus.FAILED
        assert failed.error and VICTIM in failed.error and "nothing was published" in failed.error
        assert not failed.result

    node_farm.restart(victim)
    _holds_nothing_of(partnership, round_id)

    again = open_round(partnership.hub, scope="all", actor="test")
    overlap = run_round(partnership.hub, partnership.directory, again, blinded=True)
    assert overlap is not None
    exact = figures(again, overlap, rules=PartnershipSettings(), exact=True)
    assert exact["subsets"] == partnership.generated.truth.as_match_json()["subsets"]
    _holds_nothing_of(partnership, again)
