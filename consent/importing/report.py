"""The rejected-rows report: every row an import did not take, with its line and the reason.

Staff open it in a spreadsheet, so a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return, which some spreadsheets skip before one of those) is prefixed with an
apostrophe: a hostile row cannot become a formula on the reader's machine.

A file of a quarter of a million bad rows makes a big report, so it is written a block at a
time from rows read a page at a time, never held whole in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIXED_COLUMNS = ("line", "reason")
ROWS_PER_BLOCK = 1_000

# (line, reason, the row as read in JSON), as the rejected-rows table holds them.
RejectedEntry = tuple[int, str, str]


def neutralise(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(row: str) -> dict[str, str]:
    try:
        cells = json.loads(row)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in cells.items()} if isinstance(cells, dict) else {}


def _columns(entries: Iterable[RejectedEntry]) -> list[str]:
    """The columns of the rows, in the order they first appear (the file's header order)."""
    seen: dict[str, None] = {}
    for _, _, row in entries:
        seen.update(dict.fromkeys(_cells(row)))
    return [name for name in seen if name not in FIXED_COLUMNS]


def report_blocks(entries: Callable[[], Iterable[RejectedEntry]]) -> Iterator[str]:
    """The report as CSV text, a block of rows at a time: line, reason, the row's own columns.

    ``entries`` is called twice: once to find the columns, once to write the rows.
    """
    columns = _columns(entries())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*FIXED_COLUMNS, *(neutralise(c) for c in columns)])
    for count, (line, reason, row) in enumerate(entries(), start=1):
        cells = _cells(row)
        writer.writerow(
            [line, neutralise(reason), *(neutralise(cells.get(c, "")) for c in columns)]
        )
        if count % ROWS_PER_BLOCK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def report_csv(entries: Callable[[], Iterable[RejectedEntry]]) -> str:
    return "".join(report_blocks(entries))
