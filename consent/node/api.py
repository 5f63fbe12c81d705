"""The node API: the port, served to the one hub this node trusts, under ``/node/v1``.

Each port method is one ``POST /node/v1/<method>`` route taking and answering the wire
codec's bytes. A request must be signed by the pinned hub key, for this node, fresh and not
seen before, and no larger than the limit; otherwise the node answers 401 or 413 and logs
why, never the body. Every answer, refusals of the port included, is signed by the node.
An answer longer than a piece comes as 206 with its first piece; the hub asks
``/node/v1/piece`` for the rest (see ``consent.node.pieces``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from concord.federation import codec
from concord.federation.keys import SigningPair, verification_key
from concord.federation.signing import (
    Answer,
    Message,
    NonceWindow,
    Refused,
    sign_answer,
    verify_request,
)
from consent.node.enrolment import NodeConfig, read_config
from consent.node.pieces import Pieces
from consent.public import NodeUnavailable, PortError, VaultPort

log = logging.getLogger("concord.node")
PREFIX = codec.PREFIX


class _Trust:
    """The hub key this node trusts now: ``node.json`` is read again when it changes, so
    ``concord node revoke-hub`` takes effect on the next request."""

    def __init__(self, folder: Path | None, config: NodeConfig) -> None:
        self._folder = folder
        self._config = config
        self._seen: float = 0.0

    def config(self) -> NodeConfig:
        if self._folder is not None:
            stamp = (self._folder / "node.json").stat().st_mtime
            if stamp != self._seen:
                self._config, self._seen = read_config(self._folder), stamp
        return self._config


def node_api(
    port: Callable[[], Any],
    *,
    config: NodeConfig,
    signing: SigningPair,
    folder: Path | None = None,
    max_body_bytes: int = 64 * 1024 * 1024,
    piece_bytes: int = 4 * 1024 * 1024,
) -> Litestar:
    """The node API over ``port()`` (the partner's vault port, fresh for each call)."""
    trust = _Trust(folder, config)
    nonces = NonceWindow()
    pieces = Pieces(piece_bytes)

    def answer(status: int, body: bytes, nonce: str | None) -> Response[bytes]:
        headers: dict[str, str] = {}
        if nonce is not None:
            sign_answer(Answer(status, headers), body, signing, nonce)
        return Response(body, status_code=status, media_type=codec.MEDIA_TYPE, headers=headers)

    def refuse(status: int, reason: str, method: str) -> Response[bytes]:
        log.warning("node refused a call to %s: %s", method, reason)
        return Response(reason.encode(), status_code=status, media_type="text/plain")

    async def signed_body(
        request: Request[Any, Any, Any], name: str
    ) -> tuple[bytes, str] | Response[bytes]:
        """The body and nonce of a request signed by the trusted hub, or the refusal."""
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body_bytes):
            return refuse(413, "body too large", name)
        body = await request.body()
        if len(body) > max_body_bytes:
            return refuse(413, "body too large", name)
        current = trust.config()
        if current.hub_key is None:
            return refuse(401, "no hub key is trusted", name)
        message = Message(
            request.method,
            current.public_url + request.url.path,
            dict(request.headers.items()),
        )
        try:
            verified = verify_request(
                message,
                body,
                trusted={current.hub_key: verification_key(current.hub_key)},
                audience=signing.public_text,
                nonces=nonces,
            )
        except Refused as refused:
            return refuse(401, str(refused), name)
        return body, verified.nonce

    def route(method: str) -> Any:
        async def call(request: Request[Any, Any, Any]) -> Response[bytes]:
            signed = await signed_body(request, method)
            if isinstance(signed, Response):
                return signed
            body, nonce = signed
            try:
                arguments = codec.decode_arguments(method, body)
            except (msgspec.DecodeError, msgspec.ValidationError):
                return refuse(400, "arguments do not match the port", method)

            def work() -> bytes:
                return codec.encode(getattr(port(), method)(**arguments))

            try:
                result = await anyio.to_thread.run_sync(work)
            except PortError as refused:
                return answer(422, codec.encode_refusal(refused), nonce)
            if method == "forget_round":
                pieces.forget()
            if (first := pieces.first(result)) is not None:
                return answer(206, codec.encode(first), nonce)
            return answer(200, result, nonce)

        call.__doc__ = getattr(VaultPort, method).__doc__
        return post(
            f"{PREFIX}/{method}",
            name=method,
            operation_id=method,
            request_max_body_size=None,
            summary=method.replace("_", " "),
        )(call)

    @post(f"{PREFIX}/{codec.PIECE_PATH}", request_max_body_size=None, summary="next piece")
    async def next_piece(request: Request[Any, Any, Any]) -> Response[bytes]:
        """The next piece of an answer that did not fit in one (answered 206 at first)."""
        signed = await signed_body(request, codec.PIECE_PATH)
        if isinstance(signed, Response):
            return signed
        body, nonce = signed
        try:
            wanted = codec.decode_next_piece(body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return refuse(400, "not a request for a piece", codec.PIECE_PATH)
        piece = pieces.next(wanted.transfer, wanted.offset)
        if piece is None:
            gone = NodeUnavailable("no longer holds that answer; ask again")
            return answer(422, codec.encode_refusal(gone), nonce)
        return answer(206, codec.encode(piece), nonce)

    @get(f"{PREFIX}/identity", sync_to_thread=False)
    def identity() -> dict[str, str | None]:
        """Who this node is, for the secretariat to compare with what the partner says."""
        current = trust.config()
        return {"partner": current.partner, "signing_key": signing.public_text}

    return Litestar(
        route_handlers=[identity, next_piece, *(route(name) for name in sorted(codec.METHODS))],
        openapi_config=OpenAPIConfig(
            title="Concord vault node",
            version="1",
            path=f"{PREFIX}/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        request_max_body_size=max_body_bytes,
        logging_config=None,  # the process's own logging: synchronous lines, no queue thread
    )
