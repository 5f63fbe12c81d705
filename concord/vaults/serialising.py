"""A port adapter that sends every call and answer through the wire codec, as HTTP would.

It wraps another port. The arguments are encoded and decoded again by the types the port
declares, the inner port answers, and the answer (or a :class:`PortError`) makes the same
round trip. Tests run every call that crosses the boundary through it: it is the HTTP
adapter without the HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from concord.federation import codec
from consent.public import PortError, VaultDirectory, VaultPort


class SerialisingVault:
    """Any port, behind an encode-decode round trip on every call."""

    def __init__(self, inner: VaultPort) -> None:
        self._inner = inner

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in codec.METHODS:
            raise AttributeError(method)
        call = getattr(self._inner, method)

        def crossing(*args: object, **kwargs: object) -> object:
            sent = codec.decode_arguments(method, codec.encode(codec.bind(method, args, kwargs)))
            try:
                answer = call(**sent)
            except PortError as refused:
                raise codec.decode_refusal(codec.encode_refusal(refused)) from None
            return codec.decode_answer(method, codec.encode(answer))

        return crossing


class SerialisingDirectory:
    """Every port of a directory, behind the codec's round trip."""

    def __init__(self, inner: VaultDirectory) -> None:
        self._inner = inner

    def vault(self, partner_slug: str) -> VaultPort:
        return cast(VaultPort, SerialisingVault(self._inner.vault(partner_slug)))
