"""Data-subject requests and their extensions, kept as the partner's record of accountability.

A request outlives the person it concerns: erasure detaches it from the contact (the contact id
becomes null, free-text notes are blanked) but keeps when it arrived, how identity was checked,
when it was due and when it was done. ``info["erasure"] = "detach"`` on the table tells the
erasure routine so (every other table with a ``contact_id`` loses the person's rows).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase
from consent.purposes.models import _enum


class RequestKind(enum.StrEnum):
    """The rights a person can exercise with a partner (GDPR Art. 15 to 21)."""

    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    ERASURE = "erasure"

    @property
    def label(self) -> str:
        return {
            "access": "Access (a copy of their data)",
            "portability": "Portability (their data, machine-readable)",
            "rectification": "Rectification (correct their data)",
            "restriction": "Restriction (keep but do not use)",
            "objection": "Objection to direct marketing",
            "erasure": "Erasure",
        }[self.value]


class Verification(enum.StrEnum):
    """How the person's identity was checked before the request was accepted."""

    PREFERENCE_CENTRE = "preference_centre_link"
    EMAIL_CODE = "verified_email_code"
    STAFF_IN_PERSON = "staff_in_person"
    STAFF_BY_LETTER = "staff_by_letter"
    STAFF_OTHER = "staff_other"

    @property
    def label(self) -> str:
        return {
            "preference_centre_link": "preference-centre link",
            "verified_email_code": "verified email code",
            "staff_in_person": "staff: in person",
            "staff_by_letter": "staff: by letter",
            "staff_other": "staff: other (see the note)",
        }[self.value]

    @property
    def by_staff(self) -> bool:
        return self.value.startswith("staff_")


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)
_OPEN_SQL = "status IN ('received', 'in_progress')"


class RightsRequest(VaultBase):
    """One request from a person about their data, due one calendar month after receipt."""

    __tablename__ = "rights_requests"
    __table_args__ = (
        # One open request of a kind per person: a double click or a second email finds the
        # first instead of making a twin.
        Index(
            "uq_rights_requests_open",
            "contact_id",
            "kind",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_rights_requests_status_due", "status", "due_at"),
        {"info": {"erasure": "detach", "erase_columns": ("verification_note",)}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind))
    # Null once the person is erased: the request stays as the record that it was handled.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    received_by: Mapped[str] = mapped_column(String(100))
    verified_by: Mapped[Verification] = mapped_column(_enum(Verification))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus), default=RequestStatus.RECEIVED
    )
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    # What was done, in counts ("12 rows erased"), never the data itself.
    outcome: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The staff account (hub user id) that completed or refused the request.
    handled_by: Mapped[int | None] = mapped_column(Integer)

    extensions: Mapped[list[RequestExtension]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RequestExtension.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at < now


class RequestExtension(VaultBase):
    """A later due date (GDPR Art. 12(3): at most two further months), with the reason."""

    __tablename__ = "rights_request_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("rights_requests.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    previous_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    new_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
