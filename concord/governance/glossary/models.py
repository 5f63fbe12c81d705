"""Shared terms, each partner's own wording of them, and every edit made to either."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


class GlossaryTerm(HubBase):
    """A term the partnership shares, with its shared definition (kept by the secretariat)."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(200), unique=True)
    definition: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PartnerWording(HubBase):
    """What one partner calls a shared term, and how it defines it (kept by its staff)."""

    __tablename__ = "glossary_wordings"
    __table_args__ = (UniqueConstraint("term_id", "partner_id", name="one_wording_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_terms.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    term: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class GlossaryEdit(HubBase):
    """One change to a shared term (no partner) or to a partner's wording: who, when, what."""

    __tablename__ = "glossary_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_terms.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    edited_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    before_term: Mapped[str] = mapped_column(String(200), default="")
    before_definition: Mapped[str] = mapped_column(Text, default="")
    after_term: Mapped[str] = mapped_column(String(200))
    after_definition: Mapped[str] = mapped_column(Text)
