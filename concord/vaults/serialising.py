"""A port adapter that sends every call and result through JSON bytes, as a wire would.

It wraps another port. Each argument is encoded to JSON and decoded again by the type the
port declares, the inner port answers, and the answer (or a :class:`PortError`) makes the
same round trip. Tests run every call that crosses the boundary through it, which proves
that the wire types are real: it is the HTTP adapter without the HTTP.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, cast

import msgspec

import consent.public as public
from consent.public import PortError, VaultDirectory, VaultPort

_ERRORS: dict[str, type[PortError]] = {
    name: kind
    for name, kind in vars(public).items()
    if isinstance(kind, type) and issubclass(kind, PortError)
}


@cache
def _signature(method: str) -> tuple[inspect.Signature, dict[str, Any]]:
    function = getattr(VaultPort, method)
    return inspect.signature(function), typing.get_type_hints(function, vars(public))


def _through_json(value: object, kind: Any) -> Any:
    return msgspec.json.decode(msgspec.json.encode(value), type=kind)


class _Refusal(msgspec.Struct):
    error: str
    message: str


class SerialisingVault:
    """Any port, behind a JSON round trip on every call."""

    def __init__(self, inner: VaultPort) -> None:
        self._inner = inner

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_") or not hasattr(VaultPort, method):
            raise AttributeError(method)
        signature, hints = _signature(method)
        call = getattr(self._inner, method)

        def crossing(*args: object, **kwargs: object) -> object:
            bound = signature.bind(self, *args, **kwargs)
            sent = {
                name: _through_json(value, hints[name])
                for name, value in bound.arguments.items()
                if name != "self"
            }
            try:
                answer = call(**sent)
            except PortError as refused:
                wire = msgspec.json.encode(_Refusal(type(refused).__name__, str(refused)))
                back = msgspec.json.decode(wire, type=_Refusal)
                raise _ERRORS[back.error](back.message) from None
            return _through_json(answer, hints["return"])

        return crossing


class SerialisingDirectory:
    """Every port of a directory, behind a JSON round trip."""

    def __init__(self, inner: VaultDirectory) -> None:
        self._inner = inner

    def vault(self, partner_slug: str) -> VaultPort:
        return cast(VaultPort, SerialisingVault(self._inner.vault(partner_slug)))
