"""The consent ledger: append-only events, after ISO/IEC TS 27560 and the Kantara receipt.

Rows are never updated or deleted, with one exception: erasure turns a row into a tombstone
that keeps the purpose, state and time but nothing personal. Database triggers (see the vault
migration) refuse any other update or delete, so the rule holds for any code, ours or not.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase
from consent.purposes.models import Channel, LegalBasis, _enum


class ConsentState(enum.StrEnum):
    GIVEN = "given"
    PENDING = "pending"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class CollectionMethod(enum.StrEnum):
    FORM = "form"
    IMPORT = "import"
    STAFF = "staff"
    PREFERENCE_CENTRE = "preference_centre"
    ONE_CLICK = "one_click"
    ERASURE = "erasure"


class ConsentEvent(VaultBase):
    """One change of a contact's consent for one purpose and channel, with its evidence."""

    __tablename__ = "consent_events"
    __table_args__ = (
        Index("ix_consent_events_contact_purpose", "contact_id", "purpose_id", "channel"),
    )

    # The integer id orders the ledger; the UUID is the record id receipts quote.
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(
        String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="RESTRICT"))
    purpose_id: Mapped[int] = mapped_column(ForeignKey("purposes.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    state: Mapped[ConsentState] = mapped_column(_enum(ConsentState))
    legal_basis: Mapped[LegalBasis] = mapped_column(_enum(LegalBasis))
    notice_version: Mapped[int | None] = mapped_column(Integer)
    # The language of the notice the person was shown ("" where none was shown to them).
    notice_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    method: Mapped[CollectionMethod] = mapped_column(_enum(CollectionMethod))
    source: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # JSON: confirmation time, hashed token, truncated address, user agent, where they apply.
    evidence: Mapped[str] = mapped_column(Text, default="{}")
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    import_batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    tombstone: Mapped[bool] = mapped_column(default=False)


class CurrentConsent(VaultBase):
    """The latest ledger event per contact, purpose and channel: a projection for fast filters.

    Written only by the ledger service in the same transaction as the event it reflects, and
    checked against the ledger by a test.
    """

    __tablename__ = "current_consents"
    __table_args__ = (
        Index("ix_current_consents_filter", "purpose_id", "channel", "state", "contact_id"),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    purpose_id: Mapped[int] = mapped_column(ForeignKey("purposes.id"), primary_key=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel), primary_key=True)
    state: Mapped[ConsentState] = mapped_column(_enum(ConsentState))
    record_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class LedgerIsAppendOnly(RuntimeError):
    """Raised when code tries to change a ledger entry other than by erasure."""


@event.listens_for(ConsentEvent, "before_update")
def _refuse_update(
    _mapper: Mapper[ConsentEvent], _connection: object, target: ConsentEvent
) -> None:
    if not target.tombstone:
        raise LedgerIsAppendOnly("consent ledger entries cannot be changed")


@event.listens_for(ConsentEvent, "before_delete")
def _refuse_delete(
    _mapper: Mapper[ConsentEvent], _connection: object, _target: ConsentEvent
) -> None:
    raise LedgerIsAppendOnly("consent ledger entries cannot be deleted")
