"""The port's calls and answers as bytes: MessagePack, decoded by the types the port declares.

The serialising adapter, the HTTP adapter and the node API all use this, so a call that
survives the serialising adapter survives the wire. A :class:`~consent.public.PortError`
travels as its class name and message and is raised again as itself on the other side.
"""

from __future__ import annotations

import inspect
import typing
from functools import cache
from typing import Any

import msgspec

import consent.public as public
from consent.public import PortError, VaultPort

MEDIA_TYPE = "application/vnd.concord.port+msgpack"
# Where a node serves the port: ``POST <node url>/node/v1/<method>``.
PREFIX = "/node/v1"
# Where the hub asks for the next piece of an answer too large for one body.
PIECE_PATH = "piece"
METHODS = frozenset(
    name for name, value in vars(VaultPort).items() if callable(value) and not name.startswith("_")
)
_ERRORS: dict[str, type[PortError]] = {
    name: kind
    for name, kind in vars(public).items()
    if isinstance(kind, type) and issubclass(kind, PortError)
}


class UnknownMethod(LookupError):
    """A call names no method of the port."""


class Piece(msgspec.Struct):
    """Part of a large answer: the encoded answer is ``total`` bytes, of which this is
    ``data`` from ``offset``; ``transfer`` names it when asking for the next piece."""

    transfer: str
    total: int
    offset: int
    data: bytes


class NextPiece(msgspec.Struct):
    """The hub's request for the piece of ``transfer`` at ``offset``."""

    transfer: str
    offset: int


class Refusal(msgspec.Struct):
    error: str
    message: str


@cache
def _signature(method: str) -> tuple[inspect.Signature, dict[str, Any]]:
    if method not in METHODS:
        raise UnknownMethod(method)
    function = getattr(VaultPort, method)
    return inspect.signature(function), typing.get_type_hints(function, vars(public))


def bind(method: str, args: tuple[object, ...], kwargs: dict[str, object]) -> dict[str, object]:
    """A call's arguments by name, as the port declares them (``self`` left out)."""
    signature, _ = _signature(method)
    bound = signature.bind(None, *args, **kwargs)
    return {name: value for name, value in bound.arguments.items() if name != "self"}


def encode(value: object) -> bytes:
    return msgspec.msgpack.encode(value)


def decode_arguments(method: str, body: bytes) -> dict[str, Any]:
    """The keyword arguments of a call, each decoded by its declared type."""
    _, hints = _signature(method)
    raw = msgspec.msgpack.decode(body, type=dict[str, msgspec.Raw])
    if not set(raw) <= set(hints) - {"return"}:
        raise msgspec.ValidationError("unknown argument")
    return {name: msgspec.msgpack.decode(value, type=hints[name]) for name, value in raw.items()}


def decode_answer(method: str, body: bytes) -> Any:
    _, hints = _signature(method)
    return msgspec.msgpack.decode(body, type=hints["return"])


def decode_piece(body: bytes) -> Piece:
    return msgspec.msgpack.decode(body, type=Piece)


def decode_next_piece(body: bytes) -> NextPiece:
    return msgspec.msgpack.decode(body, type=NextPiece)


def encode_refusal(refused: PortError) -> bytes:
    return encode(Refusal(type(refused).__name__, str(refused)))


def decode_refusal(body: bytes) -> PortError:
    refusal = msgspec.msgpack.decode(body, type=Refusal)
    return _ERRORS.get(refusal.error, PortError)(refusal.message)
