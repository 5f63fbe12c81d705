"""A large answer crosses from a real node process in signed pieces, asked for in turn, and
joins to exactly what the vault answered; the node keeps no piece longer than it must."""

from __future__ import annotations

import httpx
import pytest

from concord.federation import codec
from concord.federation.keys import SigningPair
from concord.federation.signing import Message, sign_request
from concord.settings import Settings
from consent.in_process import InProcessDirectory
from tests.conftest import PARTNER_A, World
from tests.integration.test_calendar import MATCHING_SECRET, add_contacts
from tests.nodes import TEST_PIECE_BYTES, Node, NodeFarm

ROUND = "round-pieces"


@pytest.fixture
def vault_adapter() -> str:
    return "http"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(matching_secret=MATCHING_SECRET)


@pytest.fixture
def node(world: World, node_farm: NodeFarm) -> Node:
    add_contacts(world, PARTNER_A, [f"person{i}@example.org" for i in range(80)])
    return node_farm.node(PARTNER_A, world.settings)


def _post(node: Node, pair: SigningPair, path: str, arguments: object) -> httpx.Response:
    body = codec.encode(arguments)
    request = httpx.Request(
        "POST",
        f"{node.url}{codec.PREFIX}/{path}",
        content=body,
        headers={"content-type": codec.MEDIA_TYPE},
    )
    sign_request(Message(request.method, str(request.url), request.headers), body, pair, node.key)
    with httpx.Client() as client:
        return client.send(request)


def _submission(node: Node, pair: SigningPair) -> httpx.Response:
    return _post(node, pair, "round_submission", {"round_id": ROUND, "shared_categories": []})


def test_a_large_answer_comes_in_pieces_that_join_to_the_vaults_answer(
    world: World, node: Node, node_farm: NodeFarm
) -> None:
    first = _submission(node, node_farm.hub_pair)
    assert first.status_code == 206
    piece = codec.decode_piece(first.content)
    assert piece.offset == 0 and len(piece.data) == TEST_PIECE_BYTES < piece.total

    over_http = world.directory.vault(PARTNER_A).round_submission(ROUND, shared_categories=())
    direct = InProcessDirectory(world.vaults, world.settings).vault(PARTNER_A)
    truth = direct.round_submission(ROUND, shared_categories=())
    assert len(over_http.records) == 80
    # Pseudonyms are fresh per call; tokens are keyed by the round, so they must agree.
    assert sorted(r.tokens for r in over_http.records) == sorted(r.tokens for r in truth.records)
    assert over_http.shared_identifiers == truth.shared_identifiers


def test_pieces_are_given_in_order_once_and_only_to_the_hub(
    node: Node, node_farm: NodeFarm
) -> None:
    hub = node_farm.hub_pair
    first = codec.decode_piece(_submission(node, hub).content)

    stranger = _post(
        node,
        SigningPair.generate(),
        codec.PIECE_PATH,
        {"transfer": first.transfer, "offset": len(first.data)},
    )
    assert stranger.status_code == 401

    unknown = _post(node, hub, codec.PIECE_PATH, {"transfer": "not-a-transfer", "offset": 1024})
    assert unknown.status_code == 422
    assert codec.decode_refusal(unknown.content).__class__.__name__ == "NodeUnavailable"

    received = len(first.data)
    while received < first.total:
        answer = _post(
            node, hub, codec.PIECE_PATH, {"transfer": first.transfer, "offset": received}
        )
        assert answer.status_code == 206
        piece = codec.decode_piece(answer.content)
        assert piece.offset == received and 0 < len(piece.data) <= TEST_PIECE_BYTES
        received += len(piece.data)
    assert received == first.total

    # The last piece dropped the answer: it cannot be read again.
    again = _post(
        node, hub, codec.PIECE_PATH, {"transfer": first.transfer, "offset": TEST_PIECE_BYTES}
    )
    assert again.status_code == 422


def test_forgetting_the_round_drops_its_waiting_pieces(node: Node, node_farm: NodeFarm) -> None:
    hub = node_farm.hub_pair
    first = codec.decode_piece(_submission(node, hub).content)
    assert _post(node, hub, "forget_round", {"round_id": ROUND}).status_code == 200
    gone = _post(
        node, hub, codec.PIECE_PATH, {"transfer": first.transfer, "offset": len(first.data)}
    )
    assert gone.status_code == 422
