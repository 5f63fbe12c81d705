"""The suppression list: keyed hashes of identifiers that must never be imported again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase


class Suppression(VaultBase):
    """An identifier of someone erased or objecting to direct marketing, as an HMAC only."""

    __tablename__ = "suppressions"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
