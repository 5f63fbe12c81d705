"""Import batches and the rows they rejected."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase
from consent.purposes.models import LegalBasis, _enum


class BatchStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportBatch(VaultBase):
    """One import of one file, with its lawful basis and source, and how far it got."""

    __tablename__ = "import_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    lawful_basis: Mapped[LegalBasis] = mapped_column(_enum(LegalBasis))
    source: Mapped[str] = mapped_column(String(300))
    purpose_code: Mapped[str | None] = mapped_column(String(100))
    notice_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    operator: Mapped[str] = mapped_column(String(100))
    status: Mapped[BatchStatus] = mapped_column(_enum(BatchStatus), default=BatchStatus.PENDING)
    # Lines up to here are committed; a re-run resumes after it.
    committed_line: Mapped[int] = mapped_column(Integer, default=0)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RejectedRow(VaultBase):
    """A row the import did not take, with its line number and the reason."""

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    # The row as read (JSON), so staff can fix and re-import it; it stays in the vault.
    row: Mapped[str] = mapped_column(Text)
