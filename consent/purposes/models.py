"""A partner's catalogue of processing purposes and the notices shown to stakeholders."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class LegalBasis(enum.StrEnum):
    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Channel(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POST = "post"


class Purpose(VaultBase):
    """Why the partner processes contacts, with its legal basis, channels and retention."""

    __tablename__ = "purposes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)  # a DPV code, dpv:DirectMarketing
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[LegalBasis] = mapped_column(_enum(LegalBasis))
    # Space-separated Channel values; few and fixed, so no join table.
    channels: Mapped[str] = mapped_column(String(50))
    retention_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    notices: Mapped[list[Notice]] = relationship(
        back_populates="purpose", order_by="Notice.version", lazy="selectin"
    )

    @property
    def channel_list(self) -> list[Channel]:
        return [Channel(value) for value in self.channels.split()]

    @property
    def current_notice(self) -> Notice | None:
        return self.notices[-1] if self.notices else None


class Notice(VaultBase):
    """One version of the wording shown to stakeholders for a purpose; never edited."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("purpose_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("purposes.id"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # The language of ``text`` (and of the purpose's name); others are in ``translations``.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    purpose: Mapped[Purpose] = relationship(back_populates="notices")
    translations: Mapped[list[NoticeText]] = relationship(
        back_populates="notice", order_by="NoticeText.language", lazy="selectin"
    )


class NoticeText(VaultBase):
    """A notice version in another language, with the purpose's name in it; never edited."""

    __tablename__ = "notice_texts"
    __table_args__ = (UniqueConstraint("notice_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="translations")
