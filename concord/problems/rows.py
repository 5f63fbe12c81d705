"""Run a job's work row by row, so that one bad row is noted for staff and skipped, and the
others are still processed.

The log line names the job, the kind of row, its id, the exception's type and where it was
raised: never the exception's message, which can carry a value from the row.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from concord.hub import Hub
from concord.problems import services

log = logging.getLogger("concord.problems")
R = TypeVar("R")


@dataclass
class RowReport:
    """How many rows did something (their work returned a true value), and how many failed."""

    done: int = 0
    failed: int = 0


def each_row(
    where: Hub | Session,
    source: str,
    subject: str,
    rows: Iterable[R],
    work: Callable[[R], object],
    *,
    ident: Callable[[R], object],
    partner: Callable[[R], str | None] = lambda _row: None,
) -> RowReport:
    """Call ``work`` on every row; a row that raises is noted as a problem and skipped.

    Given the job's session, each row's work runs in a savepoint of it, so a failed row's
    writes are undone and the others' kept. Given the hub, ``work`` manages its own
    transactions and the problem is noted in a transaction of its own.
    """
    hub, session = (None, where) if isinstance(where, Session) else (where, None)
    rows = list(rows)
    report = RowReport()
    if not rows:
        return report
    with _writing(hub, session) as writer:
        noted = services.noted_ids(writer, source=source, subject=subject)
    for row in rows:
        row_id = str(ident(row))
        try:
            if session is not None:
                with session.begin_nested():
                    result = work(row)
            else:
                result = work(row)
        except Exception as exc:  # one row's trouble must not hold up the others
            report.failed += 1
            with _writing(hub, session) as writer:
                new = services.note(
                    writer,
                    source=source,
                    subject=subject,
                    subject_id=row_id,
                    reason=f"The job stopped on this row ({type(exc).__name__}).",
                    partner=partner(row),
                )
            log.log(
                logging.WARNING if new else logging.DEBUG,
                "%s: %s %s skipped after %s at %s; noted for staff",
                source,
                subject,
                row_id,
                type(exc).__name__,
                _where(exc),
            )
            continue
        report.done += 1 if result else 0
        if row_id in noted:
            with _writing(hub, session) as writer:
                services.clear(writer, source=source, subject=subject, subject_id=row_id)
            log.info("%s: %s %s processed again; its problem is cleared", source, subject, row_id)
    return report


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


@contextmanager
def _writing(hub: Hub | None, session: Session | None) -> Iterator[Session]:
    """The session to note problems in: the job's own, or a new hub transaction."""
    if session is not None:
        yield session
        return
    assert hub is not None
    with hub.transaction() as own:
        yield own
