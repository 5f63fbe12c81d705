"""One open problem per (job or check, row): what kind of row, its id, and why, in words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime


class DataProblem(HubBase):
    """A row that a job (``source``) could not process, or a check found out of bounds.

    ``reason`` is our own wording or an exception's type, never a value from the row: the
    row may belong to a partner's vault, and this table is the hub's.
    """

    __tablename__ = "data_problems"
    __table_args__ = (UniqueConstraint("source", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(40), index=True)
    subject_id: Mapped[str] = mapped_column(String(64))
    partner_slug: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    reason: Mapped[str] = mapped_column(String(300))
    first_noticed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_noticed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
