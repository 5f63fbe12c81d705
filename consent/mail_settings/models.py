"""The vault's mail settings: one row, set by the partner's admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase


class MailSettings(VaultBase):
    """The language for contacts who have none, and who the partner's mail comes from."""

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    default_language: Mapped[str] = mapped_column(String(8), default="")
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    sender_address: Mapped[str] = mapped_column(String(254), default="")
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
