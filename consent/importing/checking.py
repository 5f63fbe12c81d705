"""Checking the rows of a contact file, by the rules every entry path shares.

Each row goes through :func:`consent.contacts.services.clean`, exactly as a contact typed into
the form does, so an import accepts what a manual add accepts and nothing else. Checking is the
costly part of an import (email syntax, phone numbering plans); :mod:`consent.importing.parallel`
runs it in worker processes for big files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from consent.contacts.services import CleanContact, ContactInput, Problems, clean, split_tags
from consent.importing.columns import FIELD_LABELS, MULTI_COLUMN, ColumnMapping

Numbered = tuple[int, list[str]]


class Accepted(NamedTuple):
    """A row that passed: its line and its checked fields.

    Flat rather than holding a :class:`CleanContact`, because every accepted row crosses
    from a worker process and a tuple of strings is the cheapest thing to unpickle.
    """

    line: int
    given_name: str
    family_name: str
    organisation: str
    country: str
    language: str
    category: str
    tags: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]

    @classmethod
    def of(cls, line: int, contact: CleanContact) -> Accepted:
        return cls(
            line,
            contact.given_name,
            contact.family_name,
            contact.organisation,
            contact.country,
            contact.language,
            contact.category,
            contact.tags,
            contact.emails,
            contact.phones,
        )


class Rejected(NamedTuple):
    """A row that failed, with the reason and the cells as read (labelled by the header)."""

    line: int
    reason: str
    cells: dict[str, str]

    def row_json(self) -> str:
        """The cells as stored in the rejected-rows table, for the downloadable report."""
        return json.dumps(self.cells, ensure_ascii=False)


Checked = Accepted | Rejected


def labelled(header: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    """The cells keyed by their column's header; repeated and missing headers get a number."""
    row: dict[str, str] = {}
    for index, value in enumerate(cells):
        name = header[index] if index < len(header) else ""
        name = name or f"column {index + 1}"
        if name in row:
            name = f"{name} (column {index + 1})"
        row[name] = value
    return row


class RowChecker:
    """Turns the cells of one row into a checked contact or a rejection; picklable."""

    def __init__(
        self,
        header: Sequence[str],
        mapping: ColumnMapping,
        default_country: str,
    ) -> None:
        self.header = tuple(header)
        self.default_country = default_country
        # Column positions worked out once: this runs for every row of the file.
        self._single = {
            field: mapping.column(field) for field in FIELD_LABELS if field not in MULTI_COLUMN
        }
        self._emails = mapping.columns("email")
        self._phones = mapping.columns("phone")

    def _cell(self, cells: Sequence[str], field: str) -> str:
        index = self._single[field]
        return cells[index] if index is not None and index < len(cells) else ""

    def check(self, line: int, cells: list[str]) -> Checked:
        width = len(cells)
        if width > len(self.header):
            # Extra cells mostly mean an unquoted delimiter inside a field: the columns after
            # it are shifted, so no cell of the row can be trusted to be what its header says.
            reason = f"the row has {width} cells but the header has {len(self.header)} columns"
            return Rejected(line, reason, labelled(self.header, cells))
        entry = ContactInput(
            given_name=self._cell(cells, "given_name"),
            family_name=self._cell(cells, "family_name"),
            organisation=self._cell(cells, "organisation"),
            country=self._cell(cells, "country"),
            language=self._cell(cells, "language"),
            category=self._cell(cells, "category"),
            tags=split_tags(self._cell(cells, "tags")),
            emails=[cells[i] for i in self._emails if i < width],
            phones=[cells[i] for i in self._phones if i < width],
        )
        result = clean(entry, self.default_country)
        if isinstance(result, Problems):
            return Rejected(line, result.summary(), labelled(self.header, cells))
        return Accepted.of(line, result)

    def check_all(self, rows: Iterable[Numbered]) -> list[Checked]:
        return [self.check(line, cells) for line, cells in rows]
