"""Append to and verify the hub's audit hash chain (see :mod:`concord.hashchain`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from concord import hashchain
from concord.audit.models import AuditEntry
from concord.hashchain import GENESIS, ChainReport, entry_hash

__all__ = ["GENESIS", "ChainReport", "count", "entry_hash", "record", "verify"]

# Any constant works: it only has to be the same for every writer of the chain.
_APPEND_LOCK_KEY = 0x434F4E43


def record(
    session: Session, *, actor: str, action: str, object_ref: str, detail: str = ""
) -> AuditEntry:
    """Append one entry inside the caller's transaction (it lands only if that commits)."""
    return hashchain.append(
        session,
        AuditEntry,
        lock_key=_APPEND_LOCK_KEY,
        actor=actor,
        action=action,
        object_ref=object_ref,
        detail=detail,
    )


def verify(session: Session) -> ChainReport:
    """Walk the hub's chain from the start and report the first entry that does not fit."""
    return hashchain.verify(session, AuditEntry)


def count(session: Session) -> int:
    """How many entries the hub's chain holds."""
    return hashchain.count(session, AuditEntry)
