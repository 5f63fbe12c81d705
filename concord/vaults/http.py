"""The port over HTTP: the hub's calls to a partner's vault node, signed both ways.

Each call is encoded by the wire codec, signed for the node (RFC 9421, see
``concord.federation.signing``) and posted to ``<node url>/node/v1/<method>``; the answer
must carry the node's signature over the same nonce. A large answer comes in pieces (206),
each signed, which are asked for in turn and joined before decoding. A node that cannot be
reached, times out or answers 5xx is tried again with back-off; after the last try the call
raises :class:`~consent.public.NodeUnavailable` naming the partner, never the payload.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from concord.federation import codec
from concord.federation.keys import SigningPair
from concord.federation.signing import Answer, Message, Refused, sign_request, verify_answer
from consent.public import NodeUnavailable, VaultPort

log = logging.getLogger("concord.vaults.http")


@dataclass(frozen=True)
class Patience:
    """How long the hub waits for a node, and how often it tries again."""

    timeout_seconds: float = 30.0
    tries: int = 3
    backoff_seconds: float = 0.5


@dataclass(frozen=True)
class NodeAddress:
    """Where a partner's node answers, and the signing key pinned for it."""

    url: str
    key: str


@dataclass
class Traffic:
    """Bytes the hub sent to and received from each node, for operators and benchmarks."""

    sent: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)

    def add(self, slug: str, sent: int, received: int) -> None:
        self.sent[slug] = self.sent.get(slug, 0) + sent
        self.received[slug] = self.received.get(slug, 0) + received


class HttpVault:
    """One partner's vault, reached over HTTP at its node."""

    def __init__(
        self,
        partner_slug: str,
        node: NodeAddress,
        signing: SigningPair,
        client: httpx.Client,
        patience: Patience,
        traffic: Traffic | None = None,
    ) -> None:
        self._slug = partner_slug
        self._node = node
        self._signing = signing
        self._client = client
        self._patience = patience
        self._traffic = traffic or Traffic()

    def _unavailable(self, why: str) -> NodeUnavailable:
        return NodeUnavailable(f"the vault node of {self._slug} {why}")

    def _post(self, method: str, body: bytes) -> httpx.Response:
        url = f"{self._node.url}{codec.PREFIX}/{method}"
        why = "did not answer"
        for attempt in range(self._patience.tries):
            if attempt:
                time.sleep(self._patience.backoff_seconds * 2 ** (attempt - 1))
            request = self._client.build_request(
                "POST", url, content=body, headers={"content-type": codec.MEDIA_TYPE}
            )
            message = Message(request.method, str(request.url), request.headers)
            nonce = sign_request(message, body, self._signing, self._node.key)
            try:
                response = self._client.send(request)
            except httpx.TimeoutException:
                why = "timed out"
                continue
            except httpx.TransportError:
                why = "could not be reached"
                continue
            if response.status_code >= 500:
                why = f"answered {response.status_code}"
                continue
            self._traffic.add(self._slug, len(body), len(response.content))
            if response.status_code in (200, 206, 422):
                answer = Answer(response.status_code, response.headers, message)
                try:
                    verify_answer(answer, response.content, node_key=self._node.key, nonce=nonce)
                except Refused as refused:
                    log.warning("answer of the %s node refused: %s", self._slug, refused)
                    raise self._unavailable("answered without a valid signature") from None
                return response
            log.warning(
                "the %s node refused %s: %s %s",
                self._slug,
                method,
                response.status_code,
                response.text[:200],
            )
            raise self._unavailable(f"refused the call ({response.status_code})")
        log.warning("the %s node %s (%s)", self._slug, why, method)
        raise self._unavailable(why)

    def _gather(self, first: codec.Piece) -> bytes:
        """The whole of an answer that came in pieces, asked for one after another."""
        parts, received = [first.data], len(first.data)
        while received < first.total:
            wanted = codec.encode(codec.NextPiece(first.transfer, received))
            response = self._post(codec.PIECE_PATH, wanted)
            if response.status_code != 206:
                raise self._unavailable("lost an answer before the hub had all of it")
            piece = codec.decode_piece(response.content)
            if (piece.transfer, piece.total, piece.offset) != (
                first.transfer,
                first.total,
                received,
            ) or not piece.data:
                raise self._unavailable("sent a piece out of order")
            parts.append(piece.data)
            received += len(piece.data)
        if first.offset != 0 or received != first.total:
            raise self._unavailable("sent a piece out of order")
        return b"".join(parts)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in codec.METHODS:
            raise AttributeError(method)

        def crossing(*args: object, **kwargs: object) -> object:
            body = codec.encode(codec.bind(method, args, kwargs))
            response = self._post(method, body)
            if response.status_code == 422:
                raise codec.decode_refusal(response.content)
            content = response.content
            if response.status_code == 206:
                content = self._gather(codec.decode_piece(content))
            return codec.decode_answer(method, content)

        return crossing


class HttpDirectory:
    """Each partner's node, found by ``address_of`` (None for a partner with no node)."""

    def __init__(
        self,
        address_of: Callable[[str], NodeAddress | None],
        signing: SigningPair,
        patience: Patience | None = None,
    ) -> None:
        self._address_of = address_of
        self._signing = signing
        self._patience = patience or Patience()
        self._client = httpx.Client(timeout=self._patience.timeout_seconds)
        self.traffic = Traffic()

    def vault(self, partner_slug: str) -> VaultPort:
        node = self._address_of(partner_slug)
        if node is None:
            raise NodeUnavailable(f"{partner_slug} has no enrolled vault node")
        vault = HttpVault(
            partner_slug, node, self._signing, self._client, self._patience, self.traffic
        )
        return cast(VaultPort, vault)

    def close(self) -> None:
        self._client.close()
