"""Append to and verify the audit hash chain.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
reordering any row breaks every hash from that row on; :func:`verify` names the first such row.
Entries carry ids and slugs, never names or addresses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from concord.audit.models import AuditEntry
from concord.db import utcnow

GENESIS = "0" * 64
# Any constant works: it only has to be the same for every writer of the chain.
_APPEND_LOCK_KEY = 0x434F4E43


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's canonical form, which includes the previous entry's hash."""
    canonical = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(timespec="microseconds"),
            entry.actor,
            entry.action,
            entry.object_ref,
            entry.detail,
            entry.prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    session: Session, *, actor: str, action: str, object_ref: str, detail: str = ""
) -> AuditEntry:
    """Append one entry inside the caller's transaction (it lands only if that commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    entry = AuditEntry(
        seq=seq,
        at=utcnow(),
        actor=actor,
        action=action,
        object_ref=object_ref,
        detail=detail,
        prev_hash=prev,
    )
    entry.entry_hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: how many entries were checked and the first bad one."""

    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def _entries(session: Session) -> Iterator[AuditEntry]:
    yield from session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    )


def verify(session: Session) -> ChainReport:
    """Walk the chain from the start and report the first entry that does not fit."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in _entries(session):
        if entry.seq != expected_seq:
            return ChainReport(checked, entry.seq, f"expected entry {expected_seq} here")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "does not follow the entry before it")
        recomputed = entry_hash(entry)
        if recomputed != entry.entry_hash:
            return ChainReport(checked, entry.seq, "its content was changed")
        expected_prev = entry.entry_hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked)


def count(session: Session) -> int:
    """How many entries the chain holds."""
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
