"""Joint events in the hub: the event, its co-hosts and their counts, the cross-partner
waiting list, and the keyed tokens of invitation lists while they are matched.

Nothing here names a person: the waiting list holds an opaque reference that only the inviting
partner's vault can resolve, and list tokens are deleted as soon as a list has been matched.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class EventStatus(enum.StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class HostStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class JointEvent(HubBase):
    """A co-hosted event. ``accepted`` is the cross-partner count that capacity bounds."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The IANA zone the event is held in: times are shown, and sent in the .ics, in it.
    timezone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    registration_deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus), default=EventStatus.OPEN)
    owner_partner: Mapped[str] = mapped_column(String(40), index=True)
    # Places taken, across partners; changed only by compare-and-set (see rsvp.py).
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    # The co-host whose invitation list is being matched now (one list at a time).
    matching_partner: Mapped[str | None] = mapped_column(String(40))
    # When it took the slot: a slot older than a few minutes was left by a crash.
    matching_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lists_committed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class EventHost(HubBase):
    """One co-host of an event and the counts of its own invitees (never who they are)."""

    __tablename__ = "event_hosts"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    partner_slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[HostStatus] = mapped_column(_enum(HostStatus))
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The order in which co-hosts committed their lists: an earlier list keeps a shared person.
    list_order: Mapped[int | None] = mapped_column(Integer)
    list_committed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    # Exact; shown to this co-host only, suppressed and rounded.
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[int] = mapped_column(Integer, default=0)


class WaitingPlace(HubBase):
    """A place in the event's waiting list, in order of ``id``, across partners."""

    __tablename__ = "event_waiting_list"
    __table_args__ = (UniqueConstraint("event_id", "invitation_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    partner_slug: Mapped[str] = mapped_column(String(40))
    # The vault's opaque reference of the invitation; only that vault can resolve it.
    invitation_ref: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class EventListToken(HubBase):
    """A keyed token of one invitee, published for matching and deleted right after it."""

    __tablename__ = "event_list_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    partner_slug: Mapped[str] = mapped_column(String(40))
    pseudonym: Mapped[bytes] = mapped_column(LargeBinary(16))
    token: Mapped[bytes] = mapped_column(LargeBinary(32))
