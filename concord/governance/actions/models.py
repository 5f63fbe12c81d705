"""Action items: who does what by when, usually agreed at a meeting."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return {"open": "Open", "done": "Done", "dropped": "Dropped"}[self.value]


class ActionItem(HubBase):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        Enum(
            ActionStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The due date a reminder was sent for: one reminder per item per due date.
    reminded_for: Mapped[date | None] = mapped_column(Date)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # iCalendar SEQUENCE: raised when the status changes (done and dropped items change their
    # calendar entry), so calendar clients replace their copy.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
