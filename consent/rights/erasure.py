"""Erasing people from a vault: every row about them, in every table, found from the schema.

The tables are discovered, not listed: every vault table with a ``contact_id`` column or a
foreign key to ``contacts.id`` holds rows about a person, so a table added later (the outbox,
invitations) is covered the day it is added. Rows that depend on those rows by foreign key go
too. Three kinds of row are treated differently:

- the consent ledger is append-only: its entries become tombstones (purpose, state and time
  kept, nothing personal; see :func:`consent.ledger.services.tombstone`);
- a table marked ``info={"erasure": "detach"}`` keeps its rows as a record that outlives the
  person (data-subject requests): the contact reference is set to null and the columns named
  in ``info["erase_columns"]`` are blanked;
- rejected import rows carry no contact id but may hold the person's cells as read: those that
  mention one of their addresses, numbers or their full name are blanked to ``{}``.

On SQLite the vault runs with ``secure_delete`` on, so deleted content is overwritten in the
database pages; the caller then checkpoints the write-ahead log (:meth:`Vaults.scrub`), which
would otherwise keep the old pages. On PostgreSQL deleted tuples stay on disk until VACUUM
reclaims them (see the README).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Table, delete, or_, select, update
from sqlalchemy.orm import Session

import consent.models
from concord.identifiers import IdentifierKind
from consent.contacts.models import Contact, Identifier
from consent.importing.models import RejectedRow
from consent.ledger import services as ledger
from consent.ledger.models import ConsentEvent
from consent.suppression.services import SuppressionKey, suppress

CONTACT_COLUMN = "contact_id"
DETACH = "detach"
# Contacts are erased in groups of this many (the retention job erases thousands at a time).
CHUNK = 200


@dataclass
class Erased:
    """What an erasure removed, in counts by table (never the data)."""

    contacts: int = 0
    ledger_tombstones: int = 0
    suppressed: int = 0
    rows: Counter[str] = field(default_factory=Counter)

    def add(self, other: Erased) -> None:
        self.contacts += other.contacts
        self.ledger_tombstones += other.ledger_tombstones
        self.suppressed += other.suppressed
        self.rows.update(other.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def describe(self) -> str:
        """The same counts in words, for the request's outcome."""
        return (
            f"{self.contacts} contact(s) and {self.total_rows} related row(s) removed, "
            f"{self.ledger_tombstones} consent record(s) made anonymous, "
            f"{self.suppressed} identifier(s) kept as suppression hashes"
        )

    def summary(self) -> str:
        """A one-line account for the request's outcome and the audit chain: counts only."""
        return (
            f"contacts={self.contacts} rows={self.total_rows} "
            f"ledger_tombstones={self.ledger_tombstones} suppressed={self.suppressed}"
        )


def _tables() -> list[Table]:
    return list(consent.models.VaultBase.metadata.sorted_tables)


def _contact_reference(table: Table) -> ColumnElement[int] | None:
    """The column of ``table`` that names a contact, if any."""
    for fk in table.foreign_keys:
        if fk.column.table.name == Contact.__tablename__ and fk.column.name == "id":
            return fk.parent
    return table.c.get(CONTACT_COLUMN)


def person_tables() -> list[tuple[Table, ColumnElement[int]]]:
    """Every vault table that refers to a contact, with the referring column (not ``contacts``)."""
    found = []
    for table in _tables():
        if table.name == Contact.__tablename__:
            continue
        column = _contact_reference(table)
        if column is not None:
            found.append((table, column))
    return found


def _detach(
    session: Session, table: Table, column: ColumnElement[int], where: ColumnElement[bool]
) -> int:
    values: dict[str, object] = {str(column.key): None}
    for name in table.info.get("erase_columns", ()):
        values[name] = ""
    result = session.execute(update(table).where(where).values(values))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _delete(
    session: Session,
    table: Table,
    where: ColumnElement[bool],
    erased: Erased,
    path: tuple[str, ...],
) -> None:
    """Delete rows of ``table``, first the rows of other tables that refer to them."""
    if table.name in path:  # a cycle of foreign keys: the rows were reached already
        return
    for child in _tables():
        if child.name == ConsentEvent.__tablename__:
            continue
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            referring = fk.parent.in_(select(fk.column).where(where))
            if child.info.get("erasure") == DETACH:
                erased.rows[child.name] += _detach(session, child, fk.parent, referring)
            else:
                _delete(session, child, referring, erased, (*path, table.name))
    result = session.execute(delete(table).where(where))
    erased.rows[table.name] += int(result.rowcount)  # type: ignore[attr-defined]


def _json_fragment(text: str) -> str:
    """How ``text`` appears inside a rejected row's JSON, lowercased for a LIKE."""
    return json.dumps(text.lower())[1:-1]


def _scrub_rejected_rows(
    session: Session, identifiers: Iterable[tuple[str, str]], names: Iterable[tuple[str, str]]
) -> int:
    terms: list[ColumnElement[bool]] = []
    text = RejectedRow.row
    for kind, value in identifiers:
        if kind == IdentifierKind.PHONE.value:
            # Rows hold numbers as typed; the last nine digits of the E.164 form are in most.
            value = value.lstrip("+")[-9:]
        terms.append(text.ilike(f"%{_json_fragment(value)}%"))
    for given, family in names:
        if given and family:
            terms.append(
                text.ilike(f"%{_json_fragment(given)}%") & text.ilike(f"%{_json_fragment(family)}%")
            )
    if not terms:
        return 0
    result = session.execute(
        update(RejectedRow).where(RejectedRow.row != "{}", or_(*terms)).values(row="{}")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _erase_chunk(
    session: Session,
    contact_ids: Sequence[int],
    key: SuppressionKey | None,
    reason: str,
    scrub_reports: bool,
) -> Erased:
    erased = Erased()
    identifiers = [
        (kind, value)
        for kind, value in session.execute(
            select(Identifier.kind, Identifier.value).where(Identifier.contact_id.in_(contact_ids))
        )
    ]
    names = [
        (given, family)
        for given, family in session.execute(
            select(Contact.given_name, Contact.family_name).where(Contact.id.in_(contact_ids))
        )
    ]
    if key is not None and identifiers:
        # A phone number other contacts also carry (a switchboard) is theirs too: suppressing
        # it would turn their rows away at the next import.
        shared = {
            (kind, value)
            for kind, value in session.execute(
                select(Identifier.kind, Identifier.value).where(
                    Identifier.kind == IdentifierKind.PHONE.value,
                    Identifier.value.in_([v for k, v in identifiers if k == "phone"]),
                    Identifier.contact_id.not_in(contact_ids),
                )
            )
        }
        own = [pair for pair in identifiers if pair not in shared]
        suppress(session, key, own, reason=reason)
        erased.suppressed = len(own)
    erased.ledger_tombstones = ledger.tombstone_all(session, contact_ids)
    if scrub_reports:
        erased.rows[RejectedRow.__tablename__] += _scrub_rejected_rows(session, identifiers, names)
    # Tables that name a contact without a foreign key (the foreign-key ones are reached from
    # the contacts table below).
    for table, column in person_tables():
        if table.name == ConsentEvent.__tablename__ or column.foreign_keys:
            continue
        where = column.in_(contact_ids)
        if table.info.get("erasure") == DETACH:
            erased.rows[table.name] += _detach(session, table, column, where)
        else:
            _delete(session, table, where, erased, ())
    contacts = Contact.__table__
    assert isinstance(contacts, Table)
    _delete(session, contacts, contacts.c.id.in_(contact_ids), erased, ())
    erased.contacts = erased.rows.pop(Contact.__tablename__, 0)
    return erased


def erase(
    session: Session,
    contact_ids: Sequence[int],
    *,
    key: SuppressionKey | None,
    reason: str = "erased",
    scrub_reports: bool = True,
) -> Erased:
    """Remove the contacts and everything about them; suppress their identifiers if ``key``.

    Erasure on request keeps the suppression hash of each identifier, so the person is never
    imported again; anonymisation at the end of retention passes ``key=None`` (see
    :mod:`consent.retention.services`). ``scrub_reports`` searches the import reports for the
    people's cells: a scan of every rejected row, fine for one person, too slow for thousands
    (retention clears old reports by age instead). Runs in the caller's transaction.
    """
    erased = Erased()
    for start in range(0, len(contact_ids), CHUNK):
        chunk = contact_ids[start : start + CHUNK]
        erased.add(_erase_chunk(session, chunk, key, reason, scrub_reports))
    # Objects the session loaded for these contacts describe rows that are gone.
    session.expire_all()
    return erased
