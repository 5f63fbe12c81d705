"""The shared calendar in the hub: outreach items, their audiences' tokens, and feeds.

An item is metadata only (who, what, when, which purpose and segment); the people it reaches
stay in the owner's vault. While an item is planned, its audience's keyed tokens for the
calendar period sit in ``calendar_audiences`` so that the hub can link them with other
partners' items; they are deleted when the item is cancelled or the period ends.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class ItemKind(enum.StrEnum):
    NEWSLETTER = "newsletter"
    CONSULTATION = "consultation"
    SURVEY = "survey"
    EVENT_INVITATION = "event_invitation"
    REPORT_LAUNCH = "report_launch"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ItemChannel(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POST = "post"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    # Set by the worker only, while a scheduled email item goes out (scheduled -> sending -> sent).
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def counts(self) -> bool:
        """Whether the item takes part in the rules (drafts and cancelled items do not)."""
        return self in {
            ItemStatus.PLANNED,
            ItemStatus.SCHEDULED,
            ItemStatus.SENDING,
            ItemStatus.SENT,
        }


class Visibility(enum.StrEnum):
    PARTNERSHIP = "partnership"  # every signed-in member of the partnership sees it
    PRIVATE = "private"  # only the owning partner's staff

    @property
    def label(self) -> str:
        return "Whole partnership" if self is Visibility.PARTNERSHIP else "Our staff only"


class OutreachItem(HubBase):
    """One planned message, consultation, survey, invitation or launch of one partner."""

    __tablename__ = "outreach_items"
    __table_args__ = (
        # A form posted twice (double click, resubmission) carries the same key: one item.
        UniqueConstraint("partner_slug", "form_key", name="uq_outreach_items_form_key"),
        Index("ix_outreach_items_starts", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # RFC 5545 UID: stable across every edit.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    partner_slug: Mapped[str] = mapped_column(
        ForeignKey("partners.slug", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind))
    channel: Mapped[ItemChannel] = mapped_column(_enum(ItemChannel))
    # The owner's purpose code (its vault catalogue), checked through consent.public.
    purpose_code: Mapped[str] = mapped_column(String(100))
    # Lowercase topics separated by single spaces, each a slug.
    topics: Mapped[str] = mapped_column(String(300), default="")
    # The audience segment, in the owner's own vocabulary: "" (everyone), "own:<category>" or
    # "shared:<shared category slug>"; tags separated by spaces (any of them).
    audience_category: Mapped[str] = mapped_column(String(120), default="")
    audience_tags: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility))
    # Optimistic concurrency: every save names the version it was made from.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # RFC 5545 SEQUENCE: raised when the time or the status changes.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    form_key: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    updated_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The last evaluation of the rules, published figures only (JSON), and whether another
    # item's change since then may have altered it.
    clashes: Mapped[str] = mapped_column(Text, default="")
    clash_count: Mapped[int] = mapped_column(Integer, default=0)
    clashes_stale: Mapped[bool] = mapped_column(default=True)
    # Since when the owner's vault node could not be asked for this item's audience (federated
    # mode): the rules are then not evaluated against it, and the page says so.
    audience_unreachable_since: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def topic_list(self) -> list[str]:
        return self.topics.split()


class CalendarAudience(HubBase):
    """One item's audience as keyed tokens of the calendar period, packed into one blob.

    Deleted when the item is cancelled, its audience is replaced, or the period has ended.
    """

    __tablename__ = "calendar_audiences"

    item_id: Mapped[str] = mapped_column(
        ForeignKey("outreach_items.id", ondelete="CASCADE"), primary_key=True
    )
    period_id: Mapped[str] = mapped_column(String(20), index=True)
    records: Mapped[int] = mapped_column(Integer)
    # A digest of the payload, so that an evaluator's cache knows when to reload it.
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    # The period's end: the retention job deletes the row after it.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FeedScope(enum.StrEnum):
    USER = "user"  # what this person sees on the calendar
    PARTNER = "partner"  # one partner's own items, private ones included


class CalendarFeed(HubBase):
    """A secret-token iCalendar address; the token is stored hashed, shown once."""

    __tablename__ = "calendar_feeds"
    # The form posted twice (a reload of the page that shows the address) makes one feed.
    __table_args__ = (UniqueConstraint("user_id", "form_key", name="uq_calendar_feeds_form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[FeedScope] = mapped_column(_enum(FeedScope))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partner_slug: Mapped[str | None] = mapped_column(
        ForeignKey("partners.slug", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(100))
    form_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ItemSend(HubBase):
    """What an email item says, and how its sending went: counts only, never who.

    The subject and body are chosen by the owner's staff; the worker renders them for each
    recipient inside the owner's vault. The recipients themselves never reach the hub.
    """

    __tablename__ = "outreach_item_sends"

    item_id: Mapped[str] = mapped_column(
        ForeignKey("outreach_items.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set once every recipient's message is in the vault's outbox (a restart skips queueing).
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # Left out when queueing (no longer sendable between resolving and queueing).
    skipped_at_queue: Mapped[int] = mapped_column(Integer, default=0)
