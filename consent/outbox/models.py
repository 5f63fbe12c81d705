"""The vault's outbox: one row per message to one stakeholder, with its delivery state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from concord.mail.engine import MessageStatus as MessageStatus  # shared with the staff outbox
from consent.db import VaultBase
from consent.purposes.models import Channel, _enum


class OutboxMessage(VaultBase):
    """A rendered message to a contact, sent under one purpose and channel.

    The Message-ID is fixed when the message is queued, so every delivery attempt (including
    one repeated after a crash) carries the same id.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    purpose_id: Mapped[int] = mapped_column(ForeignKey("purposes.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    kind: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(400))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # JSON object of extra headers (List-Unsubscribe and the like).
    headers: Mapped[str] = mapped_column(Text, default="{}")
    # JSON list of text attachments, [{"filename", "content_type", "content"}] (an .ics).
    attachments: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Set by callers that may queue the same message twice (a double submit, a re-run job).
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # An SMTP code or a reason such as "cancelled: consent withdrawn"; never personal data.
    last_error: Mapped[str] = mapped_column(String(200), default="")
