"""Writing one chunk of an import into the vault, inside the caller's transaction.

:func:`consent.importing.merging.plan_chunk` decides what every row does; this module writes
the outcome with one bulk statement per table: new contacts, changed contacts, identifiers,
tags, the staff-visible change history, consent-ledger entries and the rows turned away. Then
it flags contacts that now share a phone number as possible duplicates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, select, text, update

from consent.contacts.models import ContactChange
from consent.importing.bulk import driver_value, insert_rows, is_any_of
from consent.importing.checking import Checked
from consent.importing.merging import (
    CONTACTS,
    FIELDS,
    IDENTIFIERS,
    PHONE,
    TAGS,
    ChunkCounts,
    Draft,
    plan_chunk,
)
from consent.importing.models import RejectedRow
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState, CurrentConsent
from consent.purposes.models import Channel, LegalBasis
from consent.suppression.services import SuppressionKey

CHANGES = cast(Table, ContactChange.__table__)
EVENTS = cast(Table, ConsentEvent.__table__)
CURRENT = cast(Table, CurrentConsent.__table__)
REJECTED = cast(Table, RejectedRow.__table__)

# Later choices of the person that an import must never override.
STANDING_REFUSALS = (ConsentState.WITHDRAWN.value, ConsentState.REFUSED.value)
EVENT_COLUMNS = (
    "record_id",
    "contact_id",
    "purpose_id",
    "channel",
    "state",
    "legal_basis",
    "notice_version",
    "notice_language",
    "method",
    "source",
    "actor",
    "at",
    "evidence",
    "valid_until",
    "import_batch_id",
    "tombstone",
)
CURRENT_COLUMNS = ("contact_id", "purpose_id", "channel", "state", "record_id", "at")


@dataclass(frozen=True)
class ImportContext:
    """What every row of one import shares: its batch, operator, source, purpose and basis."""

    batch_id: str
    operator: str
    source: str
    lawful_basis: LegalBasis
    purpose_id: int
    channels: tuple[Channel, ...]
    notice_version: int | None
    notice_language: str
    suppression_key: SuppressionKey


@dataclass(frozen=True)
class ChunkResult:
    counts: ChunkCounts
    flagged_duplicates: int


def _new_ids(conn: Connection, count: int) -> list[int]:
    """Ids for ``count`` new contacts, taken before inserting so no RETURNING is needed."""
    if conn.dialect.name == "postgresql":
        query = text(
            "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, :n)"
        )
        return list(conn.scalars(query, {"n": count}))
    # SQLite: the transaction began IMMEDIATE, so no other writer can take these ids meanwhile.
    highest = conn.scalar(select(func.coalesce(func.max(CONTACTS.c.id), 0)))
    return list(range(int(highest or 0) + 1, int(highest or 0) + 1 + count))


def _insert_contacts(conn: Connection, drafts: list[Draft], now: Any) -> None:
    if not drafts:
        return
    for draft, contact_id in zip(drafts, _new_ids(conn, len(drafts)), strict=True):
        draft.id = contact_id
    columns = (
        "id",
        *FIELDS,
        "search_text",
        "sort_key",
        "restricted",
        "possible_duplicate",
        "created_at",
        "updated_at",
    )
    insert_rows(
        conn,
        CONTACTS,
        columns,
        [(d.id, *d.values, d.search_text(), d.sort_key(), False, False, now, now) for d in drafts],
    )


def _update_contacts(conn: Connection, drafts: list[Draft], now: datetime) -> None:
    if not drafts:
        return
    names = (*FIELDS, "search_text", "sort_key")
    statement = (
        update(CONTACTS)
        .where(CONTACTS.c.id == bindparam("contact_id"))
        .values({name: bindparam(name) for name in names} | {"updated_at": bindparam("now")})
    )
    conn.execute(
        statement,
        [
            {
                "contact_id": d.id,
                "now": now,
                **dict(zip(FIELDS, d.values, strict=True)),
                "search_text": d.search_text(),
                "sort_key": d.sort_key(),
            }
            for d in drafts
        ],
    )


def _already_recorded(conn: Connection, context: ImportContext, ids: list[int]) -> set[int]:
    """Contacts that have this import's ledger entry already (a repeated row, a resume)."""
    # coalesce() keeps the planner off the batch index, whose every entry is this batch: it
    # would walk all of them for each chunk, where the contact index finds a few at once.
    batch = func.coalesce(EVENTS.c.import_batch_id, "")
    query = (
        select(EVENTS.c.contact_id)
        .where(is_any_of(conn, EVENTS.c.contact_id, ids), batch == context.batch_id)
        .distinct()
    )
    return {int(contact_id) for contact_id in conn.scalars(query)}


def _refusals(conn: Connection, context: ImportContext, ids: list[int]) -> set[tuple[int, str]]:
    """(contact, channel) pairs where the person withdrew or refused the import's purpose."""
    # Every column of the filter index is constrained, so only refusals are visited.
    query = select(CURRENT.c.contact_id, CURRENT.c.channel).where(
        CURRENT.c.purpose_id == context.purpose_id,
        CURRENT.c.channel.in_([channel.value for channel in context.channels]),
        CURRENT.c.state.in_(STANDING_REFUSALS),
        is_any_of(conn, CURRENT.c.contact_id, ids),
    )
    return {(int(contact_id), str(channel)) for contact_id, channel in conn.execute(query)}


def record_ids(count: int) -> list[str]:
    """Time-ordered UUIDs (version 7, RFC 9562) for the ledger entries of a chunk.

    Random (version 4) ids land all over the record id's unique index, and at hundreds of
    thousands of entries those scattered inserts cost more than the rest of the entry. These
    grow the index at its end, as the integer id does, and are as unique: a millisecond
    timestamp, a counter within the chunk and 62 random bits.
    """
    millis = time.time_ns() // 1_000_000
    randomness = bytearray(os.urandom(8 * count))
    # The top two bits of the ninth byte hold the variant (binary 10).
    randomness[0::8] = bytes(byte & 0x3F | 0x80 for byte in randomness[0::8])
    hexed = randomness.hex()
    ids = []
    for i in range(count):
        head = f"{(millis + (i >> 12)) << 16 | 0x7000 | (i & 0xFFF):016x}"
        tail = hexed[16 * i : 16 * i + 16]
        ids.append(f"{head[:8]}-{head[8:12]}-{head[12:]}-{tail[:4]}-{tail[4:]}")
    return ids


def _ledger_events(
    context: ImportContext, drafts: Iterable[Draft], refusals: set[tuple[int, str]], now: Any
) -> list[tuple[Any, ...]]:
    """One ledger event per contact and channel of the import's purpose.

    The state is ``given`` whatever the lawful basis: for a consent import it is the consent
    the source collected; for legitimate interest, contract or legal obligation it records
    that the partner may write to the person on that basis until they object. The event
    carries the batch's lawful basis, so the ledger shows which claim the import made. A
    withdrawal or refusal already on the ledger stands: an import never overrides it.
    """
    given = ConsentState.GIVEN.value
    method = CollectionMethod.IMPORT.value
    basis = context.lawful_basis.value
    wanted = [
        (draft, channel.value)
        for draft in drafts
        for channel in context.channels
        if (cast(int, draft.id), channel.value) not in refusals
    ]
    events: list[tuple[Any, ...]] = []
    for record_id, (draft, channel) in zip(record_ids(len(wanted)), wanted, strict=True):
        events.append(
            (
                record_id,
                draft.id,
                context.purpose_id,
                channel,
                given,
                basis,
                context.notice_version,
                context.notice_language,
                method,
                context.source,
                context.operator,
                now,
                f'{{"line": "{draft.line}"}}',
                None,
                context.batch_id,
                False,
            )
        )
    return events


def _write_ledger(conn: Connection, context: ImportContext, drafts: list[Draft], now: Any) -> None:
    known = [cast(int, d.id) for d in drafts if not d.created]
    refusals: set[tuple[int, str]] = set()
    if known:
        refusals = _refusals(conn, context, known)
        recorded = _already_recorded(conn, context, known)
        drafts = [d for d in drafts if d.id not in recorded]
    events = _ledger_events(context, drafts, refusals, now)
    insert_rows(conn, EVENTS, EVENT_COLUMNS, events)
    created = {d.id for d in drafts if d.created}
    current = [(e[1], e[2], e[3], e[4], e[0], now) for e in events]
    # New contacts have no current consent yet: a plain (COPY) insert. Known ones may.
    insert_rows(conn, CURRENT, CURRENT_COLUMNS, [c for c in current if c[0] in created])
    insert_rows(
        conn,
        CURRENT,
        CURRENT_COLUMNS,
        [c for c in current if c[0] not in created],
        on_conflict=("contact_id", "purpose_id", "channel"),
        update=("state", "record_id", "at"),
    )


def _flag_shared_phones(conn: Connection, phones: set[str]) -> int:
    """Flag every contact holding one of these phone numbers that another contact holds too."""
    if not phones:
        return 0
    shared = (
        select(IDENTIFIERS.c.value)
        .where(IDENTIFIERS.c.kind == PHONE, is_any_of(conn, IDENTIFIERS.c.value, phones))
        .group_by(IDENTIFIERS.c.value)
        .having(func.count(IDENTIFIERS.c.contact_id.distinct()) > 1)
    )
    holders = select(IDENTIFIERS.c.contact_id).where(
        IDENTIFIERS.c.kind == PHONE, IDENTIFIERS.c.value.in_(shared)
    )
    result = conn.execute(
        update(CONTACTS)
        .where(CONTACTS.c.id.in_(holders), CONTACTS.c.possible_duplicate.is_(False))
        .values(possible_duplicate=True)
    )
    return int(result.rowcount)


def write_chunk(
    conn: Connection, context: ImportContext, checked: Sequence[Checked], now: datetime
) -> ChunkResult:
    """Merge and write one chunk of checked rows; the caller owns the transaction."""
    plan = plan_chunk(conn, checked, context.suppression_key)
    at = driver_value(conn, CONTACTS, "created_at", now)
    created = [d for d in plan.drafts if d.created]
    changed = [d for d in plan.drafts if not d.created and d.changed]
    _insert_contacts(conn, created, at)
    _update_contacts(conn, changed, now)
    insert_rows(
        conn,
        IDENTIFIERS,
        ("contact_id", "kind", "value", "created_at"),
        [(d.id, kind, value, at) for d in plan.drafts for kind, value in d.new_identifiers],
    )
    insert_rows(
        conn, TAGS, ("contact_id", "tag"), [(d.id, t) for d in plan.drafts for t in d.new_tags]
    )
    insert_rows(
        conn,
        CHANGES,
        ("contact_id", "actor", "at", "summary"),
        [(d.id, context.operator, at, "added by import") for d in created]
        + [(d.id, context.operator, at, d.change_summary()) for d in changed],
    )
    _write_ledger(conn, context, plan.drafts, at)
    new_phones = {v for d in plan.drafts for kind, v in d.new_identifiers if kind == PHONE}
    flagged = _flag_shared_phones(conn, new_phones)
    insert_rows(
        conn,
        REJECTED,
        ("batch_id", "line", "reason", "row"),
        [(context.batch_id, r.line, r.reason[:300], r.row_json()) for r in plan.turned_away],
    )
    return ChunkResult(plan.counts, flagged)
