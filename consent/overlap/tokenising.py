"""Turning a vault's identifiers into keyed tokens, for rounds and calendar audiences alike."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, func, select

from consent.contacts.models import Identifier
from consent.overlap.blinding import hash_and_blind
from consent.tokens import token


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a bulk build.

    A round turns each vault into hundreds of thousands of acyclic records; every collection
    during the build would traverse all the records made so far (and the previous vault's,
    still held by the caller) without finding any garbage. The pause is undone on the way
    out, and nested or concurrent pauses only ever re-enable a collector they found enabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _linkable(connection: Connection) -> tuple[Iterator[tuple[int, str, str]], int]:
    """Each identifier that only one contact carries, as (contact id, kind, value), and how
    many identifiers several contacts carry (a switchboard, a team inbox)."""
    shared = {
        (kind, value)
        for kind, value in connection.execute(
            select(Identifier.kind, Identifier.value)
            .group_by(Identifier.kind, Identifier.value)
            .having(func.count() > 1)
        )
    }
    rows = connection.execute(select(Identifier.contact_id, Identifier.kind, Identifier.value))
    linkable = (
        (contact_id, kind, value)
        for contact_id, kind, value in rows
        if not shared or (kind, value) not in shared
    )
    return linkable, len(shared)


def tokens_by_contact(
    connection: Connection,
    key: bytes,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[int, tuple[bytes, ...]], int]:
    """Tokenise each contact's identifiers, leaving out those that several contacts carry.

    Returns the tokens by contact id, and how many identifiers were left out.
    """
    linkable, shared = _linkable(connection)
    # Tuples, grown by concatenation (contacts have one or two identifiers), rather than
    # lists: the garbage collector can stop tracking tuples of bytes, but not lists.
    tokens_of: dict[int, tuple[bytes, ...]] = {}
    for done, (contact_id, kind, value) in enumerate(linkable, start=1):
        tokens_of[contact_id] = (*tokens_of.get(contact_id, ()), token(key, kind, value))
        if progress and done % 10_000 == 0:
            progress(done)
    return tokens_of, shared


def points_by_contact(
    connection: Connection, scalar: bytes
) -> tuple[dict[int, tuple[bytes, ...]], int]:
    """As :func:`tokens_by_contact`, with blinded group elements ``H(x)^scalar`` for tokens
    (a federated round), computed on every core."""
    linkable, shared = _linkable(connection)
    owners: list[int] = []
    pairs: list[tuple[str, str]] = []
    for contact_id, kind, value in linkable:
        owners.append(contact_id)
        pairs.append((kind, value))
    points_of: dict[int, tuple[bytes, ...]] = {}
    for contact_id, point in zip(owners, hash_and_blind(pairs, scalar), strict=True):
        points_of[contact_id] = (*points_of.get(contact_id, ()), point)
    return points_of, shared
