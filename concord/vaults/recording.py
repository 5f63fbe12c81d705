"""The hub's record of what it asked of each vault, and the counts it got back.

Every call that hands data out of a vault or changes it (a round's tokens, an audience's
tokens, mail queued, invitations sent) appends one entry to the hub's audit chain, naming the
partner, the question, its round, item or event, and the counts of the answer. Look-ups for
the vault's own staff (sizes, choices, statuses) are not recorded, and neither is anything
about an address: "find my data" keeps its own, hashed, records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, cast

from concord.audit import chain
from concord.hub import Hub
from consent.public import VaultDirectory, VaultPort

RECORDED = frozenset(
    {
        "round_submission",
        "blinded_submission",
        "apply_overlap_flags",
        "audience_tokens",
        "exclude_from_audience",
        "queue_mail",
        "cancel_queued_mail",
        "select_event_list",
        "invited_tokens",
        "send_event_invitations",
        "notify_event_cancelled",
    }
)
# The arguments that name what a call is about; never a person.
_ABOUT = ("round_id", "period_id", "item_ref", "event_id", "idempotency_prefix")


def counts_of(answer: object) -> dict[str, int]:
    """The counts in an answer: its integers, and the length of its lists."""
    if isinstance(answer, bool):
        return {"done": int(answer)}
    if isinstance(answer, int):
        return {"count": answer}
    if isinstance(answer, list):
        return {"count": len(answer)}
    if is_dataclass(answer):
        found: dict[str, int] = {}
        for field in fields(answer):
            value = getattr(answer, field.name)
            if isinstance(value, int) and not isinstance(value, bool):
                found[field.name] = value
            elif isinstance(value, list):
                found[field.name] = len(value)
        return found
    return {}


class RecordedVault:
    """A port whose data-releasing calls are written to the hub's audit chain."""

    def __init__(self, inner: VaultPort, hub: Hub, partner_slug: str) -> None:
        self._inner = inner
        self._hub = hub
        self._slug = partner_slug

    def __getattr__(self, method: str) -> Callable[..., Any]:
        call: Callable[..., Any] = getattr(self._inner, method)
        if method not in RECORDED:
            return call

        def recorded(*args: object, **kwargs: object) -> object:
            answer = call(*args, **kwargs)
            about = {name: str(kwargs[name]) for name in _ABOUT if kwargs.get(name) is not None}
            if args and not about:
                about = {"ref": str(args[0])}
            with self._hub.transaction() as session:
                chain.record(
                    session,
                    actor="hub",
                    action=f"vault.{method}",
                    object_ref=f"partner:{self._slug}",
                    detail=json.dumps({**about, **counts_of(answer)}, sort_keys=True),
                )
            return answer

        return recorded


class RecordedDirectory:
    """A directory whose ports record what the hub asked of them."""

    def __init__(self, inner: VaultDirectory, hub: Hub) -> None:
        self._inner = inner
        self._hub = hub

    def vault(self, partner_slug: str) -> VaultPort:
        return cast(
            VaultPort, RecordedVault(self._inner.vault(partner_slug), self._hub, partner_slug)
        )
