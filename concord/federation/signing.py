"""Every exchange between the hub and a node, signed both ways (RFC 9421, Ed25519).

A request covers its method, authority, target URI, its Content-Digest (RFC 9530) and the
``Concord-Audience`` header naming the node's key, so that it cannot be replayed to another
node; it carries a fresh nonce and its creation time, and the node accepts it once, within
:data:`MAX_AGE`. The answer is signed by the node over its status and Content-Digest with
the request's nonce, so the hub knows which question it answers. The signatures come from
``http-message-signatures``; this module only says what they cover and whom to trust.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)

from concord.federation.keys import BadKey, SigningPair, verification_key

REQUEST_TAG = "concord-node-request"
ANSWER_TAG = "concord-node-answer"
AUDIENCE = "Concord-Audience"
MAX_AGE = timedelta(seconds=60)
_REQUEST_COMPONENTS = ("@method", "@authority", "@target-uri", "concord-audience")
_ANSWER_COMPONENTS = ("@status",)


class Refused(Exception):
    """A request or answer whose signature does not hold; the message says why, never what."""


@dataclass
class Message:
    """A request as the signature library reads it."""

    method: str
    url: str
    headers: MutableMapping[str, str]


@dataclass
class Answer:
    """An answer as the signature library reads it."""

    status_code: int
    headers: MutableMapping[str, str]
    request: Message | None = None


def _signer(pair: SigningPair) -> HTTPMessageSigner:
    return HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={pair.public_text: pair.private}
        ),
    )


def _verifier(trusted: Mapping[str, Ed25519PublicKey]) -> HTTPMessageVerifier:
    return HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys=dict(trusted), private_keys={}),
    )


def sign_request(message: Message, body: bytes, pair: SigningPair, audience: str) -> str:
    """Sign ``message`` in place for the node whose key is ``audience``; returns its nonce."""
    nonce = secrets.token_urlsafe(18)
    message.headers[AUDIENCE] = audience
    _signer(pair).sign(
        message,
        key_id=pair.public_text,
        nonce=nonce,
        tag=REQUEST_TAG,
        covered_component_ids=_REQUEST_COMPONENTS,
        body=body,
    )
    return nonce


@dataclass
class NonceWindow:
    """The nonces accepted within the last :data:`MAX_AGE`, so none is accepted twice."""

    seen: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first_time(self, nonce: str) -> bool:
        now = time.monotonic()
        horizon = now + 2 * MAX_AGE.total_seconds()
        with self.lock:
            for old in [n for n, until in self.seen.items() if until < now]:
                del self.seen[old]
            if nonce in self.seen:
                return False
            self.seen[nonce] = horizon
            return True


@dataclass(frozen=True)
class Verified:
    """Who signed a request, and its nonce (which the answer echoes)."""

    signer: str
    nonce: str


def _only(results: list[Any]) -> Any:
    if len(results) != 1:
        raise Refused("exactly one signature is accepted")
    return results[0]


def verify_request(
    message: Message,
    body: bytes,
    *,
    trusted: Mapping[str, Ed25519PublicKey],
    audience: str,
    nonces: NonceWindow,
) -> Verified:
    """Check a request's signature by a trusted key, its audience, age, digest and nonce."""
    if not trusted:
        raise Refused("no hub key is trusted")
    try:
        result = _only(
            _verifier(trusted).verify(
                message,
                max_age=MAX_AGE,
                expect_tag=REQUEST_TAG,
                require_components=(*_REQUEST_COMPONENTS, "content-digest"),
                body=body,
            )
        )
    except HTTPMessageSignaturesException as error:
        raise Refused(f"signature refused ({type(error).__name__})") from None
    created = int(result.parameters.get("created", 0))
    if created > time.time() + 5:
        raise Refused("signature created in the future")
    named = {name.lower(): value for name, value in message.headers.items()}
    if named.get(AUDIENCE.lower()) != audience:
        raise Refused("signed for another node")
    if not result.nonce or not nonces.first_time(result.nonce):
        raise Refused("replayed request")
    return Verified(str(result.parameters["keyid"]), result.nonce)


def sign_answer(answer: Answer, body: bytes, pair: SigningPair, nonce: str) -> None:
    """Sign an answer in place, bound to the request's ``nonce``."""
    _signer(pair).sign(
        answer,
        key_id=pair.public_text,
        nonce=nonce,
        tag=ANSWER_TAG,
        covered_component_ids=_ANSWER_COMPONENTS,
        body=body,
    )


def verify_answer(answer: Answer, body: bytes, *, node_key: str, nonce: str) -> None:
    """Check that the node whose key is ``node_key`` answered the request with ``nonce``."""
    try:
        trusted = {node_key: verification_key(node_key)}
        result = _only(
            _verifier(trusted).verify(
                answer,
                max_age=MAX_AGE,
                expect_tag=ANSWER_TAG,
                require_components=(*_ANSWER_COMPONENTS, "content-digest"),
                body=body,
            )
        )
    except (HTTPMessageSignaturesException, BadKey) as error:
        raise Refused(f"answer signature refused ({type(error).__name__})") from None
    if result.nonce != nonce:
        raise Refused("the answer is not for this request")
