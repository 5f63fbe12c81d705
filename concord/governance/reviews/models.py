"""Joint documents, their review rounds, each partner's status in a round, and comments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow
from concord.translations import N_


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


class DocumentKind(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"
    MD = "md"
    TXT = "txt"

    @property
    def media_type(self) -> str:
        return {
            "pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "odt": "application/vnd.oasis.opendocument.text",
            "md": "text/markdown; charset=utf-8",
            "txt": "text/plain; charset=utf-8",
        }[self.value]


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReviewState(enum.StrEnum):
    """A partner's state in a round; the last two are set only when the deadline passes."""

    NOT_STARTED = "not_started"
    INTERNAL_REVIEW = "internal_review"
    LEGAL_REVIEW = "legal_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED_BY_SILENCE = "approved_by_silence"
    NO_RESPONSE = "no_response"

    @property
    def label(self) -> str:
        return {
            "not_started": N_("Not started"),
            "internal_review": N_("Internal review"),
            "legal_review": N_("Legal review"),
            "approved": N_("Approved"),
            "changes_requested": N_("Changes requested"),
            "approved_by_silence": N_("Approved (silence)"),
            "no_response": N_("No response"),
        }[self.value]

    @property
    def answered(self) -> bool:
        """Whether the partner gave its answer (so needs no reminder)."""
        return self in {ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED}


SETTABLE_STATES = (
    ReviewState.NOT_STARTED,
    ReviewState.INTERNAL_REVIEW,
    ReviewState.LEGAL_REVIEW,
    ReviewState.APPROVED,
    ReviewState.CHANGES_REQUESTED,
)


class ReviewDocument(HubBase):
    """A joint document: a link, or an uploaded file kept under a random name in the data dir."""

    __tablename__ = "review_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    link: Mapped[str | None] = mapped_column(String(1000))
    file_name: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[DocumentKind | None] = mapped_column(_enum(DocumentKind))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class ReviewRound(HubBase):
    __tablename__ = "review_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("review_documents.id", ondelete="CASCADE"), index=True
    )
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The rule applied at the deadline, as the principles then in force said.
    silence_was_consent: Mapped[bool | None] = mapped_column(Boolean)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class PartnerReview(HubBase):
    """One partner's state in one round, set by that partner's own staff."""

    __tablename__ = "partner_reviews"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    state: Mapped[ReviewState] = mapped_column(_enum(ReviewState))
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The deadline a reminder was sent for: one reminder per partner per deadline.
    reminded_for: Mapped[date | None] = mapped_column(Date)


class ReviewComment(HubBase):
    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # None for the secretariat.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)
