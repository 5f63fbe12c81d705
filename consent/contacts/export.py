"""The CSV export of a partner's own contacts, safe to open in a spreadsheet.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some read past) as a formula, so every such cell gets a leading apostrophe. Phone
numbers in E.164 begin with ``+`` and are neutralised too: the apostrophe is what keeps a
spreadsheet from turning them into numbers.

Contacts whose processing is restricted are never exported. The rows to export are fixed when
the export starts (that count is what the audit chain records), then read a chunk at a time in
short transactions, so that a large export neither holds the vault nor fills the memory.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.identifiers import IdentifierKind
from consent.contacts.models import Contact, ContactTag, Identifier
from consent.contacts.queries import ContactFilters, matching_ids
from consent.db import Vaults
from consent.ledger.models import CurrentConsent
from consent.purposes.models import Purpose

HEADER = (
    "given_name",
    "family_name",
    "organisation",
    "country",
    "language",
    "category",
    "tags",
    "emails",
    "phones",
    "consent",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def rows_to_export(session: Session, filters: ContactFilters, *, default_country: str) -> list[int]:
    """The ids of the contacts an export with these filters holds, in name order."""
    return matching_ids(session, filters, default_country=default_country, include_restricted=False)


def file_name(partner_slug: str, today: date) -> str:
    return f"{partner_slug}-contacts-{today.isoformat()}.csv"


def _consent_summaries(
    session: Session, contact_ids: Sequence[int], codes: dict[int, str]
) -> dict[int, list[str]]:
    rows = session.execute(
        select(
            CurrentConsent.contact_id,
            CurrentConsent.purpose_id,
            CurrentConsent.channel,
            CurrentConsent.state,
        )
        .where(CurrentConsent.contact_id.in_(contact_ids))
        .order_by(CurrentConsent.contact_id, CurrentConsent.purpose_id, CurrentConsent.channel)
    )
    parts: dict[int, list[str]] = defaultdict(list)
    for contact_id, purpose_id, channel, state in rows:
        parts[contact_id].append(
            f"{codes.get(purpose_id, purpose_id)} {channel.value}: {state.value}"
        )
    return parts


def _identifiers(session: Session, contact_ids: Sequence[int]) -> dict[tuple[int, str], list[str]]:
    rows = session.execute(
        select(Identifier.contact_id, Identifier.kind, Identifier.value)
        .where(Identifier.contact_id.in_(contact_ids))
        .order_by(Identifier.id)
    )
    held: dict[tuple[int, str], list[str]] = defaultdict(list)
    for contact_id, kind, value in rows:
        held[(contact_id, kind)].append(value)
    return held


def _tags(session: Session, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(ContactTag.contact_id, ContactTag.tag)
        .where(ContactTag.contact_id.in_(contact_ids))
        .order_by(ContactTag.tag)
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for contact_id, tag in rows:
        tags[contact_id].append(tag)
    return tags


def _chunk_rows(
    session: Session, contact_ids: Sequence[int], codes: dict[int, str]
) -> list[list[str]]:
    # Plain rows rather than ORM objects: an export reads every contact once, and loading
    # 250,000 objects with their relationships would cost several times as long.
    contacts = session.execute(
        select(
            Contact.id,
            Contact.given_name,
            Contact.family_name,
            Contact.organisation,
            Contact.country,
            Contact.language,
            Contact.category,
        )
        # Restricted again: a contact restricted since the export began stays out.
        .where(Contact.id.in_(contact_ids), Contact.restricted.is_(False))
        .order_by(Contact.sort_key, Contact.id)
    ).all()
    identifiers = _identifiers(session, contact_ids)
    tags = _tags(session, contact_ids)
    consent = _consent_summaries(session, contact_ids, codes)
    email, phone = IdentifierKind.EMAIL.value, IdentifierKind.PHONE.value
    return [
        [
            neutralise(cell)
            for cell in (
                *row[1:],
                "; ".join(tags.get(row.id, ())),
                "; ".join(identifiers.get((row.id, email), ())),
                "; ".join(identifiers.get((row.id, phone), ())),
                "; ".join(consent.get(row.id, ())),
            )
        ]
        for row in contacts
    ]


def _lines(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_chunks(vaults: Vaults, partner_slug: str, contact_ids: Sequence[int]) -> Iterator[str]:
    """The export file, piece by piece: a header, then the contacts ``contact_ids`` name."""
    # The byte-order mark makes spreadsheets read the file as UTF-8.
    yield "\ufeff" + _lines([HEADER])
    with vaults.transaction(partner_slug) as session:
        codes = {p.id: p.code for p in session.scalars(select(Purpose))}
    for start in range(0, len(contact_ids), CHUNK):
        with vaults.transaction(partner_slug) as session:
            rows = _chunk_rows(session, contact_ids[start : start + CHUNK], codes)
        yield _lines(rows)
