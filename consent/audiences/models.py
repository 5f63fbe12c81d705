"""What a vault remembers about its outreach audiences, where the principles allow per-contact
answers: the pseudonyms it gave an item's audience, and the contacts its staff left out of an
item (those the fatigue cap would catch)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase


class AudiencePseudonym(VaultBase):
    """Which contact a pseudonym of an item's latest audience submission stands for."""

    __tablename__ = "audience_pseudonyms"

    item_ref: Mapped[str] = mapped_column(String(36), primary_key=True)
    pseudonym: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AudienceExclusion(VaultBase):
    """A contact left out of one item's audience."""

    __tablename__ = "audience_exclusions"

    item_ref: Mapped[str] = mapped_column(String(36), primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
