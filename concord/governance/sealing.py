"""Sealing governance rows into the audit chain, and checking the seals.

Each time a sealed row is written, the audit chain gets an entry for it whose detail ends with
the SHA-256 of the row's content. The chain itself cannot be edited unnoticed, so a row changed
by hand (an SQL UPDATE), added without an entry, or deleted, no longer matches its latest entry:
:func:`check` names it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.audit import chain
from concord.audit.models import AuditEntry

ROW_HASH = "row-sha256:"


def canonical(content: Mapping[str, Any]) -> bytes:
    """One byte string per content, whatever the dict order or the database's time zone."""

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.isoformat(timespec="microseconds")
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"cannot seal a {type(value).__name__}")

    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain
    ).encode("utf-8")


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def seal(
    session: Session,
    *,
    actor: str,
    action: str,
    object_ref: str,
    content: Mapping[str, Any],
    note: str = "",
) -> AuditEntry:
    """Append the row's content hash to the audit chain, inside the caller's transaction."""
    detail = f"{note} {ROW_HASH}{content_hash(content)}".strip()
    return chain.record(session, actor=actor, action=action, object_ref=object_ref, detail=detail)


@dataclass(frozen=True)
class SealedKind:
    """A kind of sealed row: its references' prefix and how to read every row's content."""

    prefix: str  # object_ref is f"{prefix}:{id}"
    label: str  # how a person names one row, e.g. "decision"
    rows: Callable[[Session], Iterable[tuple[int, Mapping[str, Any]]]]


@dataclass(frozen=True)
class SealProblem:
    object_ref: str
    reason: str

    def __str__(self) -> str:
        return f"{self.object_ref}: {self.reason}"


def _latest_seals(session: Session, prefix: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    entries = session.execute(
        select(AuditEntry.object_ref, AuditEntry.detail)
        .where(AuditEntry.object_ref.startswith(prefix + ":"))
        .order_by(AuditEntry.seq)
    )
    for ref, detail in entries:
        _, found, digest = detail.rpartition(ROW_HASH)
        if found:
            latest[ref] = digest
    return latest


def check(session: Session, kinds: Iterable[SealedKind]) -> list[SealProblem]:
    """Every sealed row that does not match its latest audit entry, and every sealed entry
    whose row is gone."""
    problems: list[SealProblem] = []
    for kind in kinds:
        seals = _latest_seals(session, kind.prefix)
        seen: set[str] = set()
        for row_id, content in kind.rows(session):
            ref = f"{kind.prefix}:{row_id}"
            seen.add(ref)
            sealed = seals.get(ref)
            if sealed is None:
                problems.append(SealProblem(ref, f"{kind.label} {row_id} has no audit entry"))
            elif sealed != content_hash(content):
                problems.append(
                    SealProblem(ref, f"{kind.label} {row_id} was changed outside the platform")
                )
        for ref in sorted(seals.keys() - seen):
            problems.append(SealProblem(ref, f"{kind.label} {ref.split(':')[-1]} was deleted"))
    return problems
