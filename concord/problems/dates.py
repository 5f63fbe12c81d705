"""Stored dates outside any window their field allows: written before the windows were
checked, or by a path that skipped them. Each is noted for staff, and forgotten once fixed.

A package names its dated fields; the composition root runs the check over all of them (the
migration that brought the windows ran it once, with the bounds of that day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from concord.db import utcnow
from concord.problems import services

SOURCE = "date check"
EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class DatedField:
    """A date column, what its rows are called, and how far ahead a stored value may lie."""

    subject: str
    column: InstrumentedAttribute[Any]
    future_days: int
    what: str
    partner: InstrumentedAttribute[Any] | None = None

    @property
    def source(self) -> str:
        return f"{SOURCE}: {self.column.key}"

    def bounds(self, today: date) -> tuple[object, object]:
        latest = today + timedelta(days=self.future_days)
        if isinstance(self.column.type, Date):
            return EARLIEST, latest
        return (
            datetime.combine(EARLIEST, time(), UTC),
            datetime.combine(latest, time.max, UTC),
        )


def check_stored_dates(session: Session, fields: Sequence[DatedField]) -> tuple[int, int]:
    """Note every row outside its field's bounds and clear the ones back inside; returns
    (noted, cleared)."""
    today = utcnow().date()
    noted = cleared = 0
    for field in fields:
        earliest, latest = field.bounds(today)
        model = field.column.class_
        ident = model.id
        columns = [ident, field.column] + ([field.partner] if field.partner is not None else [])
        outside = session.execute(
            select(*columns).where(or_(field.column < earliest, field.column > latest))
        ).all()
        found = set()
        for row in outside:
            subject_id = str(row[0])
            found.add(subject_id)
            value = row[1].date() if isinstance(row[1], datetime) else row[1]
            if services.note(
                session,
                source=field.source,
                subject=field.subject,
                subject_id=subject_id,
                reason=f"{field.what}, {value.isoformat()}, is outside the dates it can have.",
                partner=row[2] if field.partner is not None else None,
            ):
                noted += 1
        for subject_id in services.noted_ids(session, source=field.source, subject=field.subject):
            if subject_id not in found:
                services.clear(
                    session, source=field.source, subject=field.subject, subject_id=subject_id
                )
                cleared += 1
    return noted, cleared
