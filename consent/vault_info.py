"""What a vault knows about itself: whose it is and when it was created."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase


class VaultInfo(VaultBase):
    """A single row naming the partner that owns this vault, checked on every open."""

    __tablename__ = "vault_info"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_slug: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


def claim(session: Session, partner_slug: str) -> VaultInfo:
    """Mark the vault as this partner's; refuse if it belongs to another partner."""
    info = session.scalar(select(VaultInfo))
    if info is None:
        info = VaultInfo(partner_slug=partner_slug)
        session.add(info)
        session.flush()
    elif info.partner_slug != partner_slug:
        raise RuntimeError("this vault database belongs to another partner")
    return info
