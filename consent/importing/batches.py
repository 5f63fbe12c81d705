"""Finding import batches in a vault: unfinished ones to resume, finished ones, their rows."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import exists, select, text, tuple_
from sqlalchemy.orm import Session

from consent.importing.models import BatchStatus, ImportBatch, RejectedRow

UNFINISHED = (BatchStatus.PENDING, BatchStatus.RUNNING, BatchStatus.FAILED)
BATCH_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OPEN_LOCK_KEY = 0x494D5054


def serialise_opens(session: Session) -> None:
    """Let one transaction at a time look for, and create, a file's batch.

    SQLite serialises writers already (BEGIN IMMEDIATE); PostgreSQL needs a lock so that two
    uploads of one file at once cannot both create a batch.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OPEN_LOCK_KEY})


def unfinished(session: Session, sha256: str) -> ImportBatch | None:
    """The newest batch of this file that has not completed, if any."""
    query = (
        select(ImportBatch)
        .where(ImportBatch.file_sha256 == sha256, ImportBatch.status.in_(UNFINISHED))
        .order_by(ImportBatch.created_at.desc())
        .limit(1)
    )
    return session.scalar(query)


def imported_before(session: Session, sha256: str) -> bool:
    """Whether this exact file was imported completely into the vault already."""
    done = (ImportBatch.file_sha256 == sha256) & (ImportBatch.status == BatchStatus.DONE)
    return bool(session.scalar(select(exists().where(done))))


def all_batches(session: Session, limit: int = 100) -> Sequence[ImportBatch]:
    query = select(ImportBatch).order_by(ImportBatch.created_at.desc()).limit(limit)
    return session.scalars(query).all()


def rejected_page(
    session: Session, batch_id: str, after: tuple[int, int], size: int
) -> Sequence[tuple[int, int, str, str]]:
    """Up to ``size`` rejected rows (line, id, reason, row) after ``after`` (line, id)."""
    query = (
        select(RejectedRow.line, RejectedRow.id, RejectedRow.reason, RejectedRow.row)
        .where(
            RejectedRow.batch_id == batch_id,
            tuple_(RejectedRow.line, RejectedRow.id) > tuple_(*after),
        )
        .order_by(RejectedRow.line, RejectedRow.id)
        .limit(size)
    )
    return [(line, row_id, reason, row) for line, row_id, reason, row in session.execute(query)]
