"""The rejected-rows report: every row an import did not take, with its line and the reason.

Staff open it in a spreadsheet, so a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return, which some spreadsheets skip before one of those) is prefixed with an
apostrophe: a hostile row cannot become a formula on the reader's machine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence

from consent.importing.models import RejectedRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIXED_COLUMNS = ("line", "reason")


def neutralise(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(row: RejectedRow) -> dict[str, str]:
    try:
        cells = json.loads(row.row)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in cells.items()} if isinstance(cells, dict) else {}


def _columns(rows: Sequence[dict[str, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for cells in rows:
        seen.update(dict.fromkeys(cells))
    return [name for name in seen if name not in FIXED_COLUMNS]


def report_lines(rows: Iterable[RejectedRow]) -> Iterator[str]:
    """The report as CSV text, line by line: line, reason, then the row's own columns."""
    materialised = list(rows)
    cells = [_cells(row) for row in materialised]
    columns = _columns(cells)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([*FIXED_COLUMNS, *(neutralise(c) for c in columns)])
    yield flush()
    for row, values in zip(materialised, cells, strict=True):
        writer.writerow(
            [row.line, neutralise(row.reason), *(neutralise(values.get(c, "")) for c in columns)]
        )
        yield flush()


def report_csv(rows: Iterable[RejectedRow]) -> str:
    return "".join(report_lines(rows))
