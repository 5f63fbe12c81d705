"""Contacts, their identifiers and tags, and the record of staff edits.

Contact references: the tables that hang off a contact (identifiers, tags, changes, the
consent ledger and its projection) name it by ``contact_id``. On SQLite these are foreign
keys. On PostgreSQL, vault migration vault0004 replaces them with triggers that keep the same
promises once per statement instead of once per row: per-row checks cost the server more than
the rest of an import of 250,000 contacts (SQLite's own checks are cheaper than triggers).
The ledger's and its projection's references to purposes get the same treatment there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase

# The tables whose contact_id is such a reference (the schema test knows the PostgreSQL form).
CONTACT_REFERENCES = (
    "identifiers",
    "contact_tags",
    "contact_changes",
    "current_consents",
    "consent_events",
)
# Likewise the tables whose purpose_id is checked per statement on PostgreSQL.
PURPOSE_REFERENCES = ("consent_events", "current_consents")


class Contact(VaultBase):
    """A person on the partner's list."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_sort", "sort_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    language: Mapped[str] = mapped_column(String(20), default="")
    category: Mapped[str] = mapped_column(String(100), default="", index=True)
    # Lowercased name, organisation and emails, for substring search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(400), default="")
    restricted: Mapped[bool] = mapped_column(default=False)
    possible_duplicate: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Identifier.id",
    )
    tags: Mapped[list[ContactTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ContactTag.tag"
    )

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part) or "(no name)"

    @property
    def emails(self) -> list[str]:
        return [i.value for i in self.identifiers if i.kind == "email"]

    @property
    def phones(self) -> list[str]:
        return [i.value for i in self.identifiers if i.kind == "phone"]

    @property
    def tag_list(self) -> list[str]:
        return [t.tag for t in self.tags]

    def refresh_search(self) -> None:
        """Recompute the search and sort columns from the fields they summarise."""
        parts = [self.given_name, self.family_name, self.organisation, *self.emails]
        self.search_text = " ".join(p.lower() for p in parts if p)
        self.sort_key = f"{self.family_name} {self.given_name}".strip().lower() or "~"


class Identifier(VaultBase):
    """A normalised email or phone number of a contact.

    An email belongs to one contact only (it is the merge key); a phone number may be shared,
    as a switchboard is, and then proves nothing about who is who.
    """

    __tablename__ = "identifiers"
    __table_args__ = (
        Index(
            "uq_identifiers_email",
            "value",
            unique=True,
            sqlite_where=text("kind = 'email'"),
            postgresql_where=text("kind = 'email'"),
        ),
        Index("ix_identifiers_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="identifiers")


class ContactTag(VaultBase):
    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class ContactChange(VaultBase):
    """What a member of staff changed on a contact, and when (shown on the contact page)."""

    __tablename__ = "contact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text)


class CategoryMapping(VaultBase):
    """How one of the partner's own stakeholder categories maps onto a shared category."""

    __tablename__ = "category_mappings"

    own_category: Mapped[str] = mapped_column(String(100), primary_key=True)
    shared_category: Mapped[str] = mapped_column(String(100))
