"""Minutes of a meeting, partners' comments on them, and amendments after approval."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


class MinutesStatus(enum.StrEnum):
    DRAFT = "draft"
    CIRCULATED = "circulated"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "circulated": "Circulated for comment",
            "approved": "Approved and locked",
        }[self.value]


class AmendmentStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Minutes(HubBase):
    """The minutes of one meeting; once approved, ``text`` never changes again."""

    __tablename__ = "minutes"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[MinutesStatus] = mapped_column(_enum(MinutesStatus))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    circulated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 of the approved text, also written to the audit chain.
    approved_hash: Mapped[str | None] = mapped_column(String(64))


class MinutesComment(HubBase):
    """A comment on circulated minutes, made for the commenter's organisation."""

    __tablename__ = "minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.meeting_id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # None for the secretariat.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class MinutesAmendment(HubBase):
    """A change to approved minutes: a reason and the whole new text, approved in its turn."""

    __tablename__ = "minutes_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("minutes.meeting_id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(1000))
    text: Mapped[str] = mapped_column(Text)
    # The hash of the approved text this amendment changes.
    base_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[AmendmentStatus] = mapped_column(_enum(AmendmentStatus))
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_hash: Mapped[str | None] = mapped_column(String(64))
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)
