"""Meetings of the partnership: a recurring series, its materialised occurrences, agendas and
attendance per person and per organisation."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Presence(enum.StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"present": "Present", "apologies": "Apologies", "absent": "Absent"}[self.value]


class MeetingSeries(HubBase):
    """A recurring meeting, defined by an RFC 5545 RRULE in its own time zone."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str] = mapped_column(String(500))
    first_date: Mapped[date] = mapped_column(Date)
    # Wall-clock time in ``timezone``: a 10:00 meeting stays at 10:00 across DST changes.
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class Meeting(HubBase):
    """One meeting: a single meeting, or one occurrence of a series with its own agenda."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("series_id", "occurrence_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE")
    )
    # The occurrence's local date in its series (None for single meetings).
    occurrence_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # iCalendar SEQUENCE: raised each time the meeting's time changes, so calendar clients
    # replace their copy instead of keeping the old time.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AgendaItem(HubBase):
    """A point on a meeting's agenda, with the account that leads it."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # A joint document under review that this item discusses.
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_documents.id", ondelete="SET NULL")
    )
    # The decision this item is to take or report on.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))
    form_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class PersonAttendance(HubBase):
    __tablename__ = "meeting_person_attendance"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    presence: Mapped[Presence] = mapped_column(_enum(Presence))


class PartnerAttendance(HubBase):
    __tablename__ = "meeting_partner_attendance"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    presence: Mapped[Presence] = mapped_column(_enum(Presence))
