"""Stakeholder links: the vault keeps only each token's hash, its kind, whom and what it is for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase
from consent.purposes.models import Channel, _enum


class LinkKind(enum.StrEnum):
    PREFERENCES = "preferences"
    UNSUBSCRIBE = "unsubscribe"
    CONFIRM = "confirm"


class StakeholderLink(VaultBase):
    """One emailed link: a preference centre, a one-click unsubscribe or a consent to confirm."""

    __tablename__ = "stakeholder_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[LinkKind] = mapped_column(_enum(LinkKind))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # The purpose and channel an unsubscribe or confirm link acts on (none for preferences).
    purpose_id: Mapped[int | None] = mapped_column(ForeignKey("purposes.id"))
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
