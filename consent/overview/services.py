"""What partner staff see first about their own vault: its state and a few counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent.categories.services import own_categories
from consent.contacts.models import Contact
from consent.db import Vaults
from consent.purposes.models import Purpose
from consent.vault_info import VaultInfo


@dataclass(frozen=True)
class VaultSummary:
    """The vault's state, and counts of what it holds (exact: only the partner sees them)."""

    partner: str
    created_at: datetime | None
    schema_current: bool
    contacts: int
    possible_duplicates: int
    restricted: int
    purposes: int
    unmapped_categories: int


def _contact_counts(session: Session) -> tuple[int, int, int]:
    # One pass over the table for all three counts; the home page is opened far less often
    # than the list, which never counts.
    row = session.execute(
        select(
            func.count(),
            func.count().filter(Contact.possible_duplicate.is_(True)),
            func.count().filter(Contact.restricted.is_(True)),
        ).select_from(Contact)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def summary(vaults: Vaults, partner_slug: str) -> VaultSummary:
    with vaults.transaction(partner_slug) as session:
        info = session.scalar(select(VaultInfo))
        contacts, duplicates, restricted = _contact_counts(session)
        purposes = session.scalar(select(func.count()).select_from(Purpose)) or 0
        unmapped = sum(1 for c in own_categories(session) if c.shared is None and c.contacts)
    return VaultSummary(
        partner=partner_slug,
        created_at=info.created_at if info else None,
        schema_current=vaults.is_current(partner_slug),
        contacts=contacts,
        possible_duplicates=duplicates,
        restricted=restricted,
        purposes=purposes,
        unmapped_categories=unmapped,
    )
