"""Versions of the Principles for Collaboration and the partners' signatures on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


class PrinciplesVersion(HubBase):
    """One version: Markdown text plus the settings block, frozen once anyone has signed it."""

    __tablename__ = "principles_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    # The settings as canonical JSON (see concord.partnership.settings.as_record).
    settings: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PrinciplesSignature(HubBase):
    """A partner's signature on one version, given by its signatory on the hash they were shown."""

    __tablename__ = "principles_signatures"
    __table_args__ = (UniqueConstraint("version_id", "partner_id", name="one_signature_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("principles_versions.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
