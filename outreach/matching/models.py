"""Matching rounds in the hub: what was asked, each vault's submission, the published result.

Submissions (pseudonyms and keyed tokens) live only while the round runs; closing the round
deletes them, and a retention job removes any a crash left behind. Results are stored as
published figures only: suppressed and rounded, never exact.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow
from concord.partnership.settings import Disclosure


class RoundStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MatchingRound(HubBase):
    __tablename__ = "matching_rounds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # "all", or "category:<shared category slug>"
    scope: Mapped[str] = mapped_column(String(120))
    status: Mapped[RoundStatus] = mapped_column(
        Enum(
            RoundStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    # The disclosure rules the published figures were made with.
    suppression_threshold: Mapped[int] = mapped_column(Integer, default=10)
    rounding: Mapped[int] = mapped_column(Integer, default=5)
    disclosure: Mapped[Disclosure] = mapped_column(
        Enum(
            Disclosure, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
        default=Disclosure.AGGREGATES,
    )
    # Published figures (JSON), written once the round is done.
    result: Mapped[str] = mapped_column(Text, default="")


class RoundSubmission(HubBase):
    """One vault's pseudonymous records for one round, packed; deleted when the round closes."""

    __tablename__ = "round_submissions"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("matching_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    partner_slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    records: Mapped[int] = mapped_column(Integer)
    # Shared identifiers left out of linking: shown to this partner's staff only.
    shared_identifiers: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
