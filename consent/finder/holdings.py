"""A vault's answers to "find my data", for the person who proved they own an address."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.identifiers import IdentifierKind
from consent.contacts.models import Identifier
from consent.ledger.models import CollectionMethod
from consent.links import services as links
from consent.links.models import LinkKind
from consent.preferences.services import Evidence, withdraw_everything
from consent.public import Evidence as WireEvidence


def _contact_in(session: Session, address: str) -> int | None:
    return session.scalar(
        select(Identifier.contact_id).where(
            Identifier.kind == IdentifierKind.EMAIL.value, Identifier.value == address
        )
    )


def holding_link(session: Session, address: str) -> str | None:
    """A fresh preference-centre path for the contact with this (normalised) address."""
    contact_id = _contact_in(session, address)
    if contact_id is None:
        return None
    return f"/p/{links.issue(session, LinkKind.PREFERENCES, contact_id)}"


def withdraw_all_consent(session: Session, address: str, evidence: WireEvidence) -> int:
    """Withdraw every consent of the contact with this address; returns how many changed."""
    contact_id = _contact_in(session, address)
    if contact_id is None:
        return 0
    return withdraw_everything(
        session,
        contact_id,
        method=CollectionMethod.PREFERENCE_CENTRE,
        evidence=Evidence(evidence.token, evidence.client_address, evidence.user_agent),
    )
