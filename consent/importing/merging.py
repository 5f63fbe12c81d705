"""Deciding what each row of a chunk does: add a contact, merge into one, or be skipped.

The rules are those of :func:`consent.contacts.services.save`, applied to a chunk at once:

- a row whose normalised email is already known merges into that contact: it fills empty
  fields, adds new identifiers and tags, and never overwrites what the vault holds;
- a row without an email merges into a contact that has one of its phone numbers *and* the
  same name, so that importing a file twice creates no twins. A shared phone number alone
  never merges two people (a switchboard is shared); :mod:`consent.importing.writing` flags
  both contacts as possible duplicates instead;
- a row with any identifier on the suppression list is skipped, keeping only its line number
  and the reason ``suppressed``: the person asked not to be held at all;
- a row whose emails belong to two different contacts is rejected rather than guessed at.

Rows are taken in file order, so a duplicate later in the file merges into the contact an
earlier row added, exactly as if the rows had been typed in one by one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Connection, Table, exists, select

from concord.identifiers import (
    IdentifierKind,
    InvalidIdentifier,
    normalise_email,
    normalise_phone,
)
from consent.contacts.models import Contact, ContactTag, Identifier
from consent.importing.bulk import is_any_of
from consent.importing.checking import Accepted, Checked, Rejected
from consent.suppression.models import Suppression
from consent.suppression.services import SuppressionKey

CONTACTS = cast(Table, Contact.__table__)
IDENTIFIERS = cast(Table, Identifier.__table__)
TAGS = cast(Table, ContactTag.__table__)
SUPPRESSIONS = cast(Table, Suppression.__table__)

EMAIL = IdentifierKind.EMAIL.value
PHONE = IdentifierKind.PHONE.value
SUPPRESSED = "suppressed"
EMAILS_OF_TWO_CONTACTS = "email: the addresses belong to two different contacts"
# In this order in Draft.values. A merge fills them when empty and never overwrites them.
FIELDS = ("given_name", "family_name", "organisation", "country", "language", "category")
GIVEN, FAMILY, ORGANISATION = 0, 1, 2

NameKey = tuple[str, str]


@dataclass
class ChunkCounts:
    """What rows did, in the words of the import summary; every row counts exactly once."""

    added: int = 0
    updated: int = 0
    rejected: int = 0
    suppressed: int = 0

    def __iadd__(self, other: ChunkCounts) -> ChunkCounts:
        self.added += other.added
        self.updated += other.updated
        self.rejected += other.rejected
        self.suppressed += other.suppressed
        return self

    @property
    def rows(self) -> int:
        return self.added + self.updated + self.rejected + self.suppressed


def _name_key(given: str, family: str) -> NameKey:
    return given.casefold(), family.casefold()


class Draft:
    """A contact as the chunk will leave it: loaded from the vault, or about to be added."""

    __slots__ = (
        "created",
        "emails",
        "filled",
        "id",
        "identifiers",
        "line",
        "new_identifiers",
        "new_tags",
        "tags",
        "values",
    )

    def __init__(self, contact_id: int | None, values: list[str], line: int) -> None:
        self.id = contact_id
        self.values = values
        self.line = line
        self.created = contact_id is None
        self.emails: list[str] = []
        self.identifiers: set[tuple[str, str]] = set()
        self.tags: set[str] = set()
        self.new_identifiers: list[tuple[str, str]] = []
        self.new_tags: list[str] = []
        self.filled: list[str] = []

    @classmethod
    def new(cls, line: int, entry: Accepted) -> Draft:
        values = [
            entry.given_name,
            entry.family_name,
            entry.organisation,
            entry.country,
            entry.language,
            entry.category,
        ]
        draft = cls(None, values, line)
        draft._add_identifiers(entry)
        draft.tags.update(entry.tags)
        draft.new_tags.extend(entry.tags)
        return draft

    def _add_identifiers(self, entry: Accepted) -> None:
        for email in entry.emails:
            if (EMAIL, email) not in self.identifiers:
                self.identifiers.add((EMAIL, email))
                self.new_identifiers.append((EMAIL, email))
                self.emails.append(email)
        for phone in entry.phones:
            if (PHONE, phone) not in self.identifiers:
                self.identifiers.add((PHONE, phone))
                self.new_identifiers.append((PHONE, phone))

    def merge(self, line: int, entry: Accepted) -> None:
        self.line = line
        for index, name in enumerate(FIELDS):
            value = getattr(entry, name)
            if value and not self.values[index]:
                self.values[index] = value
                self.filled.append(name)
        self._add_identifiers(entry)
        for tag in entry.tags:
            if tag not in self.tags:
                self.tags.add(tag)
                self.new_tags.append(tag)

    @property
    def name_key(self) -> NameKey:
        return _name_key(self.values[GIVEN], self.values[FAMILY])

    @property
    def phones(self) -> list[str]:
        return [value for kind, value in self.identifiers if kind == PHONE]

    @property
    def changed(self) -> bool:
        return bool(self.filled or self.new_identifiers or self.new_tags)

    def change_summary(self) -> str:
        kinds = sorted({kind for kind, _ in self.new_identifiers})
        parts = [*kinds, *(["tags"] if self.new_tags else []), *self.filled]
        return "import added " + ", ".join(parts)

    def search_text(self) -> str:
        """As :meth:`Contact.refresh_search` computes it (a test keeps the two in step)."""
        parts = [self.values[GIVEN], self.values[FAMILY], self.values[ORGANISATION], *self.emails]
        return " ".join(p.lower() for p in parts if p)

    def sort_key(self) -> str:
        return f"{self.values[FAMILY]} {self.values[GIVEN]}".strip().lower() or "~"


@dataclass
class ChunkPlan:
    """A chunk merged in memory: the contacts it touches and the rows it turns away."""

    counts: ChunkCounts = field(default_factory=ChunkCounts)
    drafts: list[Draft] = field(default_factory=list)
    turned_away: list[Rejected] = field(default_factory=list)

    def turn_away(self, row: Rejected, *, suppressed: bool = False) -> None:
        self.turned_away.append(row)
        if suppressed:
            self.counts.suppressed += 1
        else:
            self.counts.rejected += 1


def _suppressed(conn: Connection, hashes: set[str]) -> set[str]:
    query = select(SUPPRESSIONS.c.hash).where(is_any_of(conn, SUPPRESSIONS.c.hash, hashes))
    return set(conn.scalars(query))


def _email_owners(conn: Connection, emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    query = select(IDENTIFIERS.c.value, IDENTIFIERS.c.contact_id).where(
        IDENTIFIERS.c.kind == EMAIL, is_any_of(conn, IDENTIFIERS.c.value, emails)
    )
    return dict(conn.execute(query).all())


def _phone_owners(conn: Connection, phones: set[str]) -> dict[tuple[str, NameKey], int]:
    """(phone, name) -> the oldest contact with that phone number and that name."""
    if not phones:
        return {}
    query = (
        select(IDENTIFIERS.c.value, CONTACTS.c.id, CONTACTS.c.given_name, CONTACTS.c.family_name)
        .join(CONTACTS, CONTACTS.c.id == IDENTIFIERS.c.contact_id)
        .where(IDENTIFIERS.c.kind == PHONE, is_any_of(conn, IDENTIFIERS.c.value, phones))
        # Newest first, so that the oldest contact is the one left in the dict.
        .order_by(CONTACTS.c.id.desc())
    )
    return {
        (value, _name_key(given, family)): contact_id
        for value, contact_id, given, family in conn.execute(query)
    }


def _load(conn: Connection, ids: set[int]) -> dict[int, Draft]:
    if not ids:
        return {}
    columns = [CONTACTS.c[name] for name in FIELDS]
    query = select(CONTACTS.c.id, *columns).where(is_any_of(conn, CONTACTS.c.id, ids))
    drafts = {row[0]: Draft(row[0], list(row[1:]), 0) for row in conn.execute(query)}
    query = (
        select(IDENTIFIERS.c.contact_id, IDENTIFIERS.c.kind, IDENTIFIERS.c.value)
        .where(is_any_of(conn, IDENTIFIERS.c.contact_id, ids))
        .order_by(IDENTIFIERS.c.id)
    )
    for contact_id, kind, value in conn.execute(query):
        drafts[contact_id].identifiers.add((kind, value))
        if kind == EMAIL:
            drafts[contact_id].emails.append(value)
    tags = select(TAGS.c.contact_id, TAGS.c.tag).where(is_any_of(conn, TAGS.c.contact_id, ids))
    for contact_id, tag in conn.execute(tags):
        drafts[contact_id].tags.add(tag)
    return drafts


def _without_suppressed(
    conn: Connection, plan: ChunkPlan, rows: list[Accepted], key: SuppressionKey
) -> list[Accepted]:
    # Most vaults suppress nobody yet: then no row needs hashing at all.
    if not rows or not conn.scalar(select(exists().select_from(SUPPRESSIONS))):
        return rows
    hashed = [
        (row, {key.hash(EMAIL, e) for e in row.emails} | {key.hash(PHONE, p) for p in row.phones})
        for row in rows
    ]
    blocked = _suppressed(conn, {h for _, hashes in hashed for h in hashes})
    kept = []
    for row, hashes in hashed:
        if blocked.isdisjoint(hashes):
            kept.append(row)
        else:
            plan.turn_away(Rejected(row.line, SUPPRESSED, {}), suppressed=True)
    return kept


def _identifier_hashes(cells: dict[str, str], key: SuppressionKey) -> set[str]:
    """Keyed hashes of whatever in a rejected row's cells reads as an email or phone number.

    A rejected row was not checked as a whole, so any cell may hold an address; phone numbers
    count only in international form, since the row's country may be what was wrong with it.
    """
    hashes: set[str] = set()
    for value in cells.values():
        for kind, normalise in ((EMAIL, normalise_email), (PHONE, _international_phone)):
            if (kind == EMAIL) != ("@" in value):
                continue
            with contextlib.suppress(InvalidIdentifier):
                hashes.add(key.hash(kind, normalise(value)))
    return hashes


def _international_phone(raw: str) -> str:
    return normalise_phone(raw, None)


def _scrub_suppressed(
    conn: Connection, rejected: list[Rejected], key: SuppressionKey
) -> list[Rejected]:
    """Rejected rows naming a suppressed person keep their line and reason, not their cells.

    The report keeps a rejected row's cells so that staff can fix them; for a person who
    objected or was erased, that would put their address back into the vault.
    """
    if not rejected or not conn.scalar(select(exists().select_from(SUPPRESSIONS))):
        return rejected
    hashed = [(row, _identifier_hashes(row.cells, key)) for row in rejected]
    blocked = _suppressed(conn, {h for _, hashes in hashed for h in hashes})
    return [
        row if blocked.isdisjoint(hashes) else Rejected(row.line, row.reason, {})
        for row, hashes in hashed
    ]


def _as_cells(entry: Accepted) -> dict[str, str]:
    # The raw cells stay in the worker that checked them; the checked values say as much.
    cells = {name: getattr(entry, name) for name in FIELDS}
    return cells | {"email": " ".join(entry.emails), "phone": " ".join(entry.phones)}


def plan_chunk(
    conn: Connection, checked: Sequence[Checked], suppression_key: SuppressionKey
) -> ChunkPlan:
    """Decide, row by row and in file order, what each row does; nothing is written yet."""
    plan = ChunkPlan()
    accepted = [row for row in checked if not isinstance(row, Rejected)]
    rejected = [row for row in checked if isinstance(row, Rejected)]
    for row in _scrub_suppressed(conn, rejected, suppression_key):
        plan.turn_away(row)
    accepted = _without_suppressed(conn, plan, accepted, suppression_key)

    email_owners = _email_owners(conn, {e for row in accepted for e in row.emails})
    phone_owners = _phone_owners(
        conn, {p for row in accepted if not row.emails for p in row.phones}
    )
    loaded = _load(conn, set(email_owners.values()) | set(phone_owners.values()))
    by_email = {email: loaded[contact_id] for email, contact_id in email_owners.items()}
    by_phone = {key: loaded[contact_id] for key, contact_id in phone_owners.items()}
    touched: dict[int, Draft] = {}

    for entry in accepted:
        owners = {id(by_email[e]): by_email[e] for e in entry.emails if e in by_email}
        if len(owners) > 1:
            plan.turn_away(Rejected(entry.line, EMAILS_OF_TWO_CONTACTS, _as_cells(entry)))
            continue
        target = next(iter(owners.values()), None)
        if target is None and not entry.emails:
            key = _name_key(entry.given_name, entry.family_name)
            target = next((by_phone[(p, key)] for p in entry.phones if (p, key) in by_phone), None)
        if target is None:
            target = Draft.new(entry.line, entry)
            plan.counts.added += 1
        else:
            target.merge(entry.line, entry)
            plan.counts.updated += 1
        for email in entry.emails:
            by_email[email] = target
        name_key = target.name_key
        for phone in target.phones:
            by_phone.setdefault((phone, name_key), target)
        touched[id(target)] = target
    plan.drafts = list(touched.values())
    return plan
