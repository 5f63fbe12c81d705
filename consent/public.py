"""What other packages may ask of a vault: tokens for a matching round (later also audiences
and overlap flags). Nothing here returns a name, an address, a phone number or a contact id.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import select

from concord.settings import Settings
from consent.contacts.models import CategoryMapping, Contact, Identifier
from consent.db import Vaults
from consent.tokens import TOKEN_BYTES, round_key, token

PSEUDONYM_BYTES = 16

__all__ = [
    "PSEUDONYM_BYTES",
    "TOKEN_BYTES",
    "RoundRecord",
    "VaultSubmission",
    "Vaults",
    "round_submission",
]


@dataclass(frozen=True)
class RoundRecord:
    """One contact, as a round sees it: a fresh pseudonym, a shared category, its tokens."""

    pseudonym: bytes
    category: str | None
    tokens: tuple[bytes, ...]


@dataclass(frozen=True)
class VaultSubmission:
    records: list[RoundRecord]
    # Identifiers carried by more than one of this vault's contacts (a switchboard, a team
    # inbox): left out of linking, and reported to the vault's own staff only.
    shared_identifiers: int


def _shared_category(
    own: str, mapping: dict[str, str], shared_categories: Collection[str]
) -> str | None:
    if own in mapping:
        return mapping[own]
    # A partner that uses the shared names as its own needs no mapping.
    lowered = own.strip().lower()
    return lowered if lowered in shared_categories else None


def round_submission(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    round_id: str,
    shared_categories: Collection[str],
    only_category: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VaultSubmission:
    """Tokenise the vault's contacts for one round; the matching secret never leaves here."""
    if not settings.matching_secret:
        raise RuntimeError(
            "no matching secret: set CONCORD_MATCHING_SECRET or CONCORD_MATCHING_SECRET_FILE"
        )
    key = round_key(settings.matching_secret.encode("utf-8"), round_id)
    with vaults.transaction(partner_slug) as session:
        mapping = {
            m.own_category: m.shared_category for m in session.scalars(select(CategoryMapping))
        }
        categories = dict(session.execute(select(Contact.id, Contact.category)).all())
        rows = session.execute(
            select(Identifier.contact_id, Identifier.kind, Identifier.value).order_by(
                Identifier.contact_id
            )
        ).all()
    carriers = Counter((kind, value) for _, kind, value in rows)
    shared = {identifier for identifier, count in carriers.items() if count > 1}
    tokens_of: dict[int, list[bytes]] = {contact_id: [] for contact_id in categories}
    for done, (contact_id, kind, value) in enumerate(rows, start=1):
        if (kind, value) not in shared:
            tokens_of[contact_id].append(token(key, kind, value))
        if progress and done % 10_000 == 0:
            progress(done)
    records = []
    for contact_id, own_category in categories.items():
        category = _shared_category(own_category, mapping, shared_categories)
        if only_category is not None and category != only_category:
            continue
        records.append(
            RoundRecord(
                secrets.token_bytes(PSEUDONYM_BYTES), category, tuple(tokens_of[contact_id])
            )
        )
    return VaultSubmission(records, len(shared))
