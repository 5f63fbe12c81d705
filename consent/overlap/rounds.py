"""A vault's part in a matching round: its records under the round's key, and the flags back.

The matching secret never leaves the vault; what leaves is, per contact, a fresh pseudonym, a
shared category and keyed tokens. With ``keep_pseudonyms`` the vault remembers which
pseudonym is which contact until the round's flags come back or the round is forgotten.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Collection, Iterable

from sqlalchemy import delete, insert, select

from concord.settings import Settings
from consent.contacts.models import CategoryMapping, Contact
from consent.db import Vaults
from consent.overlap import blind_rounds
from consent.overlap.models import OverlapFlag, RoundPseudonym
from consent.overlap.tokenising import collector_paused, points_by_contact, tokens_by_contact
from consent.public import PSEUDONYM_BYTES, RoundRecord, VaultSubmission
from consent.tokens import matching_key


def _shared_category(
    own: str, mapping: dict[str, str], shared_categories: Collection[str]
) -> str | None:
    if own in mapping:
        return mapping[own]
    # A partner that uses the shared names as its own ("Public body" for public-body) needs
    # no mapping.
    slug = re.sub(r"[^a-z0-9]+", "-", own.strip().lower()).strip("-")
    return slug if slug in shared_categories else None


def round_submission(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    round_id: str,
    shared_categories: Collection[str],
    only_category: str | None = None,
    keep_pseudonyms: bool = False,
    blinded: bool = False,
    progress: Callable[[int], None] | None = None,
) -> VaultSubmission:
    """Tokenise the vault's contacts for one round; the matching secret never leaves here.

    With ``blinded`` (a federated round) the tokens are the identifiers' group elements
    under a scalar drawn now and kept in memory for the round (``blind_rounds``)."""
    scalar = blind_rounds.start(partner_slug, round_id) if blinded else None
    key = None if blinded else matching_key(settings, round_id)
    with collector_paused():
        with vaults.transaction(partner_slug) as session:
            mapping = {
                m.own_category: m.shared_category for m in session.scalars(select(CategoryMapping))
            }
            # Core rows rather than ORM rows: a vault holds hundreds of thousands of contacts
            # and identifiers, and the ORM's per-row bookkeeping would double the read time.
            connection = session.connection()
            # Restricted contacts may only be stored (GDPR Art. 18(2)), so no round sees them.
            categories = dict(
                connection.execute(
                    select(Contact.id, Contact.category).where(Contact.restricted.is_(False))
                ).all()
            )
            if scalar is not None:
                tokens_of, shared_identifiers = points_by_contact(connection, scalar)
            else:
                assert key is not None
                tokens_of, shared_identifiers = tokens_by_contact(connection, key, progress)
        # A vault uses a handful of own categories: map each once, not once per contact.
        shared_category = {
            own: _shared_category(own, mapping, shared_categories)
            for own in set(categories.values())
        }
        # One draw from the operating system's CSPRNG, cut into pseudonyms: as random as a
        # draw per contact, without a system call per contact.
        pseudonyms = secrets.token_bytes(PSEUDONYM_BYTES * len(categories))
        records = []
        kept: list[dict[str, object]] = []
        for number, (contact_id, own_category) in enumerate(categories.items()):
            category = shared_category[own_category]
            if only_category is not None and category != only_category:
                continue
            start = number * PSEUDONYM_BYTES
            pseudonym = pseudonyms[start : start + PSEUDONYM_BYTES]
            records.append(RoundRecord(pseudonym, category, tokens_of.get(contact_id, ())))
            if keep_pseudonyms:
                kept.append(
                    {"round_id": round_id, "pseudonym": pseudonym, "contact_id": contact_id}
                )
    if kept:
        with vaults.transaction(partner_slug) as session:
            session.execute(insert(RoundPseudonym), kept)
    return VaultSubmission(records, shared_identifiers)


def apply_overlap_flags(
    vaults: Vaults, partner_slug: str, round_id: str, flags: Iterable[tuple[bytes, int]]
) -> int:
    """Replace the vault's "also held by N other partners" flags with this round's.

    ``flags`` pairs a pseudonym of this round with how many other partners hold that person;
    the pseudonym map is forgotten afterwards. Returns how many contacts are flagged.
    """
    with vaults.transaction(partner_slug) as session:
        contact_of = dict(
            session.execute(
                select(RoundPseudonym.pseudonym, RoundPseudonym.contact_id).where(
                    RoundPseudonym.round_id == round_id
                )
            ).all()
        )
        rows = [
            {"contact_id": contact_of[pseudonym], "other_partners": others, "round_id": round_id}
            for pseudonym, others in flags
            if others > 0 and pseudonym in contact_of
        ]
        session.execute(delete(OverlapFlag))
        if rows:
            session.execute(insert(OverlapFlag), rows)
        session.execute(delete(RoundPseudonym).where(RoundPseudonym.round_id == round_id))
    return len(rows)


def forget_round(vaults: Vaults, partner_slug: str, round_id: str | None = None) -> None:
    """Drop a round's pseudonym map (every round's, when ``round_id`` is None)."""
    with vaults.transaction(partner_slug) as session:
        query = delete(RoundPseudonym)
        if round_id is not None:
            query = query.where(RoundPseudonym.round_id == round_id)
        session.execute(query)
    blind_rounds.forget(partner_slug, round_id)
