"""An append-only hash chain of audit entries, for the hub's chain and each vault's own.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or
reordering any row breaks every hash from that row on; :func:`verify` names the first such row.
The chain's table is a mapped class with the columns of :class:`ChainColumns`; entries carry
ids and slugs, never names or addresses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import String, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from concord.db import UtcDateTime, utcnow

GENESIS = "0" * 64


class ChainColumns:
    """The columns of a chain's table: who did what to which object, and the two hashes."""

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    object_ref: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(String(2000), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


Entry = TypeVar("Entry", bound=ChainColumns)


def entry_hash(entry: ChainColumns) -> str:
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


def append(
    session: Session,
    kind: type[Entry],
    *,
    lock_key: int,
    actor: str,
    action: str,
    object_ref: str,
    detail: str = "",
) -> Entry:
    """Append one entry inside the caller's transaction (it lands only if that commits).

    On PostgreSQL writers queue on an advisory lock (``lock_key``, one per chain); SQLite
    allows one writer at a time anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    head = session.execute(
        select(kind.seq, kind.entry_hash).order_by(kind.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    entry = kind()
    entry.seq, entry.at, entry.prev_hash = seq, utcnow(), prev
    entry.actor, entry.action, entry.object_ref, entry.detail = actor, action, object_ref, detail
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


def _entries(session: Session, kind: type[Entry]) -> Iterator[Entry]:
    yield from session.scalars(select(kind).order_by(kind.seq).execution_options(yield_per=1000))


def verify(session: Session, kind: type[Any]) -> ChainReport:
    """Walk the chain from the start and report the first entry that does not fit."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in _entries(session, kind):
        if entry.seq != expected_seq:
            return ChainReport(checked, entry.seq, f"expected entry {expected_seq} here")
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "does not follow the entry before it")
        if entry_hash(entry) != entry.entry_hash:
            return ChainReport(checked, entry.seq, "its content was changed")
        expected_prev = entry.entry_hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked)


def count(session: Session, kind: type[Any]) -> int:
    """How many entries the chain holds."""
    return session.scalar(select(func.count()).select_from(kind)) or 0
