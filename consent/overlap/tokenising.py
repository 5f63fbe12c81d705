"""Turning a vault's identifiers into keyed tokens, for rounds and calendar audiences alike."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, func, select

from consent.contacts.models import Identifier
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


def tokens_by_contact(
    connection: Connection,
    key: bytes,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[int, tuple[bytes, ...]], int]:
    """Tokenise each contact's identifiers, leaving out those that several contacts carry.

    Returns the tokens by contact id, and how many identifiers were left out.
    """
    shared = {
        (kind, value)
        for kind, value in connection.execute(
            select(Identifier.kind, Identifier.value)
            .group_by(Identifier.kind, Identifier.value)
            .having(func.count() > 1)
        )
    }
    # Tuples, grown by concatenation (contacts have one or two identifiers), rather than
    # lists: the garbage collector can stop tracking tuples of bytes, but not lists.
    tokens_of: dict[int, tuple[bytes, ...]] = {}
    rows = connection.execute(select(Identifier.contact_id, Identifier.kind, Identifier.value))
    for done, (contact_id, kind, value) in enumerate(rows, start=1):
        if not shared or (kind, value) not in shared:
            tokens_of[contact_id] = (*tokens_of.get(contact_id, ()), token(key, kind, value))
        if progress and done % 10_000 == 0:
            progress(done)
    return tokens_of, len(shared)
