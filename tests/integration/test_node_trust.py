"""A real node process refuses what the pinned hub did not sign, freshly, for it: unknown or
revoked keys, bad signatures, replays and oversized bodies, each logged without the body."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from concord.federation import codec
from concord.federation.keys import SigningPair
from concord.federation.signing import Message, sign_request
from concord.vaults.http import HttpDirectory, NodeAddress
from consent.node.enrolment import revoke_hub
from consent.public import NodeUnavailable
from tests.conftest import World
from tests.nodes import TEST_PATIENCE, Node, NodeFarm


@pytest.fixture
def node(world: World, node_farm: NodeFarm) -> Node:
    return node_farm.node("alpha", world.settings)


def _signed(node: Node, pair: SigningPair, body: bytes, method: str = "request_counts"):  # type: ignore[no-untyped-def]
    request = httpx.Request(
        "POST",
        f"{node.url}/node/v1/{method}",
        content=body,
        headers={"content-type": codec.MEDIA_TYPE},
    )
    sign_request(Message(request.method, str(request.url), request.headers), body, pair, node.key)
    return request


def _log(node: Node) -> str:
    path = node.folder / "node.log"
    return path.read_text() if path.exists() else ""


def test_the_pinned_hub_is_answered(node: Node, node_farm: NodeFarm) -> None:
    body = codec.encode({})
    with httpx.Client() as client:
        assert client.send(_signed(node, node_farm.hub_pair, body)).status_code == 200


def test_an_unknown_key_is_refused(node: Node) -> None:
    with httpx.Client() as client:
        answer = client.send(_signed(node, SigningPair.generate(), codec.encode({})))
    assert answer.status_code == 401


def test_a_changed_body_is_refused_and_not_logged(node: Node, node_farm: NodeFarm) -> None:
    request = _signed(node, node_farm.hub_pair, codec.encode({}))
    tampered = httpx.Request(
        "POST",
        request.url,
        content=codec.encode({"secret-marker@example.org": 1}),
        headers={k: v for k, v in request.headers.items() if k != "content-length"},
    )
    with httpx.Client() as client:
        assert client.send(tampered).status_code == 401
    assert "node refused" in _log(node)
    assert "secret-marker" not in _log(node)


def test_a_replay_is_refused(node: Node, node_farm: NodeFarm) -> None:
    request = _signed(node, node_farm.hub_pair, codec.encode({}))
    with httpx.Client() as client:
        assert client.send(request).status_code == 200
        again = httpx.Request("POST", request.url, content=request.content, headers=request.headers)
        assert client.send(again).status_code == 401
    assert "replayed" in _log(node)


def test_an_unsigned_request_is_refused(node: Node) -> None:
    answer = httpx.post(f"{node.url}/node/v1/request_counts", content=codec.encode({}))
    assert answer.status_code == 401


def test_an_oversized_body_is_refused(node: Node, node_farm: NodeFarm) -> None:
    body = b"\x00" * (64 * 1024 * 1024 + 1)
    with httpx.Client(timeout=60) as client:
        answer = client.send(_signed(node, node_farm.hub_pair, body))
    assert answer.status_code == 413


def test_a_node_that_revoked_the_hub_answers_nothing(node: Node, node_farm: NodeFarm) -> None:
    revoke_hub(node.folder)
    with httpx.Client() as client:
        assert client.send(_signed(node, node_farm.hub_pair, codec.encode({}))).status_code == 401


def test_a_node_whose_key_the_hub_does_not_hold_is_not_believed(
    node: Node, node_farm: NodeFarm
) -> None:
    # The hub pinned another key for this address: the node's signed answer is refused.
    wrong = HttpDirectory(
        lambda _slug: NodeAddress(node.url, SigningPair.generate().public_text),
        node_farm.hub_pair,
        TEST_PATIENCE,
    )
    with pytest.raises(NodeUnavailable, match="alpha"):
        wrong.vault("alpha").request_counts()
    wrong.close()


def test_a_down_node_is_named(node: Node, node_farm: NodeFarm, tmp_path: Path) -> None:
    node.kill()
    directory = node_farm.directory(node.settings)
    with pytest.raises(NodeUnavailable, match="alpha"):
        directory.vault("alpha").request_counts()
    node_farm.restart(node)
    assert directory.vault("alpha").request_counts().open == 0
