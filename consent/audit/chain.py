"""Append to and verify a vault's own audit chain, exactly as the hub does its own."""

from __future__ import annotations

from sqlalchemy.orm import Session

from concord import hashchain
from concord.hashchain import ChainReport
from consent.audit.models import VaultAuditEntry

__all__ = ["ChainReport", "count", "record", "verify"]

# Each vault is its own database; the key only has to differ from nothing else in it.
_APPEND_LOCK_KEY = 0x5641554C


def record(
    session: Session, *, actor: str, action: str, object_ref: str, detail: str = ""
) -> VaultAuditEntry:
    """Append one entry inside the caller's vault transaction (it lands only if that commits)."""
    return hashchain.append(
        session,
        VaultAuditEntry,
        lock_key=_APPEND_LOCK_KEY,
        actor=actor,
        action=action,
        object_ref=object_ref,
        detail=detail,
    )


def verify(session: Session) -> ChainReport:
    """Walk the vault's chain from the start and report the first entry that does not fit."""
    return hashchain.verify(session, VaultAuditEntry)


def count(session: Session) -> int:
    """How many entries the vault's chain holds."""
    return hashchain.count(session, VaultAuditEntry)
