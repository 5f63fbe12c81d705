"""The hub's outbox for mail to staff accounts (password resets, reminders)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, string_enum, utcnow
from concord.mail.engine import MessageStatus


class StaffMessage(HubBase):
    """A message to a staff account, kept in the hub's local outbox."""

    __tablename__ = "staff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Delivery over SMTP when it is configured (in the demo this table is the mailbox).
    # The same values as the vault outbox's status, in the column the hub has always had.
    status: Mapped[MessageStatus] = mapped_column(
        string_enum(MessageStatus, length=16),
        default=MessageStatus.QUEUED,
        server_default=MessageStatus.QUEUED.value,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when queued; rows queued before that get theirs at the first claim.
    message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(String(200), default="", server_default="")
