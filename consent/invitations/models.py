"""One partner's invitations to joint events: who was invited, how they answered, whether
they came. The hub knows the event; only this vault knows the people."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase
from consent.public import Answer
from consent.purposes.models import _enum


class InvitationState(enum.StrEnum):
    # Chosen for the list, waiting for the cross-partner matching to keep or skip it.
    SELECTED = "selected"
    INVITED = "invited"


class Invitation(VaultBase):
    """One contact invited to one joint event, with the hash of its RSVP link."""

    __tablename__ = "event_invitations"
    __table_args__ = (UniqueConstraint("event_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    purpose_id: Mapped[int] = mapped_column(ForeignKey("purposes.id"))
    state: Mapped[InvitationState] = mapped_column(_enum(InvitationState))
    # A fresh random pseudonym while the list is matched; cleared afterwards.
    pseudonym: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    # Opaque, random: how the hub's waiting list names this invitation.
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    rsvp_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    answer: Mapped[Answer] = mapped_column(_enum(Answer), default=Answer.NONE)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The RSVP link stops working when the event is over.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InvitedEvent(VaultBase):
    """The vault's own copy of an event it invited people to: what its attendance sheet
    shows, so the vault's pages need nothing from the hub."""

    __tablename__ = "invited_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
