"""Restriction of processing (GDPR Art. 18): the contact is kept but neither exported nor sent to.

Every module that sends or exports asks here: :func:`is_sendable` for one contact,
:func:`sendable` as a filter in a query.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from concord.db import utcnow
from consent.contacts.models import Contact, ContactChange


def sendable() -> ColumnElement[bool]:
    """A WHERE clause on :class:`Contact` that keeps only contacts that may be sent to."""
    return Contact.restricted.is_(False)


def is_sendable(session: Session, contact_id: int) -> bool:
    """Whether the vault holds this contact and its processing is not restricted."""
    restricted = session.scalar(select(Contact.restricted).where(Contact.id == contact_id))
    return restricted is False


def set_restricted(session: Session, contact: Contact, restricted: bool, *, actor: str) -> bool:
    """Restrict or lift the restriction; returns whether anything changed (recorded if so)."""
    if contact.restricted is restricted:
        return False
    contact.restricted = restricted
    contact.updated_at = utcnow()
    summary = "processing restricted" if restricted else "restriction lifted"
    session.add(ContactChange(contact_id=contact.id, actor=actor, summary=summary))
    session.flush()
    return True
