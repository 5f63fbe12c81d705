"""What people type, checked once: row ids, whole numbers, text and dates within their windows.

Controllers, services, the CLI and the API all parse through these helpers, so a value that
cannot be stored (an id past the 64-bit range, a NUL, a year-1 date) becomes a field error or
a 404 where it enters, never an exception from the database driver later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from concord.errors import InvalidInput

# The largest id a database row can have (a signed 64-bit integer).
MAX_ROW_ID = 2**63 - 1
# The most any single form field may carry; fields have their own, smaller limits on top.
MAX_FIELD_CHARS = 200_000
DIGITS = re.compile(r"[0-9]{1,19}")


def count_of(raw: object) -> int | None:
    """A count carried in a link or a hidden field (0 or more), or None if it is not one."""
    if isinstance(raw, str) and raw.strip() == "0":
        return 0
    return row_id(raw)


def row_id(raw: object) -> int | None:
    """The id a form or path names, or None when it cannot be the id of any row."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 1 <= raw <= MAX_ROW_ID else None
    if not isinstance(raw, str) or not DIGITS.fullmatch(raw.strip()):
        return None
    value = int(raw.strip())
    return value if 1 <= value <= MAX_ROW_ID else None


Row = TypeVar("Row")


def chosen_row(session: Session, model: type[Row], raw: object) -> Row | None:
    """The row a select list (or a hidden field) names by its id, or None if it names none."""
    ident = row_id(raw)
    return None if ident is None else session.get(model, ident)


def whole_number(raw: str, field: str, *, low: int, high: int, message: str | None = None) -> int:
    """A whole number from ``low`` to ``high`` typed into ``field``, or :class:`InvalidInput`."""
    text = raw.strip()
    sign = text[:1] == "-"
    digits = text[1:] if sign else text
    if not DIGITS.fullmatch(digits):
        raise InvalidInput.one(field, message or f"Give a whole number from {low} to {high}.")
    value = -int(digits) if sign else int(digits)
    if not low <= value <= high:
        raise InvalidInput.one(field, message or f"Give a whole number from {low} to {high}.")
    return value


def text(raw: str, field: str, *, limit: int, required: str | None = None) -> str:
    """Trimmed text of at most ``limit`` characters, with no NUL; ``required`` is the message
    for an empty value where one is needed."""
    value = raw.strip()
    if "\x00" in value:
        raise InvalidInput.one(field, "Remove the NUL character: it cannot be stored.")
    if required and not value:
        raise InvalidInput.one(field, required)
    if len(value) > limit:
        raise InvalidInput.one(field, f"Keep this under {limit:,} characters.")
    return value


@dataclass(frozen=True)
class Window:
    """The dates a field may hold, relative to today: ``past`` days back, ``future`` ahead.

    ``past=None`` means any date since 1900. Services check their fields' windows, so the
    form, the CLI, the API and the jobs all get the same rule.
    """

    what: str
    past: int | None
    future: int

    def bounds(self, today: date) -> tuple[date, date]:
        earliest = date(1900, 1, 1) if self.past is None else today - timedelta(days=self.past)
        return earliest, today + timedelta(days=self.future)

    def explain(self, day: date, *, today: date | None = None) -> str | None:
        """Why ``day`` is outside the window, or None when it is inside."""
        earliest, latest = self.bounds(today or datetime.now(UTC).date())
        if day < earliest:
            if self.past == 0:
                return f"{self.what} cannot be in the past."
            return f"{self.what} cannot be before {earliest.isoformat()}."
        if day > latest:
            return f"{self.what} can be at most {self._ahead()} ahead."
        return None

    def contains(self, day: date, *, today: date | None = None) -> bool:
        return self.explain(day, today=today) is None

    def check_day(self, day: date, field: str, *, today: date | None = None) -> date:
        problem = self.explain(day, today=today)
        if problem:
            raise InvalidInput.one(field, problem)
        return day

    def check_moment(
        self, moment: datetime, field: str, *, now: datetime | None = None
    ) -> datetime:
        """A date and time inside the window; with ``past=0``, not before ``now`` either."""
        now = now or datetime.now(UTC)
        if self.past == 0 and moment < now:
            raise InvalidInput.one(field, f"{self.what} cannot be in the past.")
        self.check_day(moment.astimezone(UTC).date(), field, today=now.astimezone(UTC).date())
        return moment

    def _ahead(self) -> str:
        years, days = divmod(self.future, 365)
        if days == 0:
            return f"{years} year{'s' if years != 1 else ''}"
        return f"{self.future} days"


def local_moment(
    raw: str, zone: ZoneInfo, field: str, window: Window, *, fmt: str | None = None
) -> datetime:
    """A date and time typed in ``zone`` (ISO, or ``fmt``), inside ``window``, made aware.

    The window is checked on the typed date before the zone is attached: year 1 or 9999 has
    no UTC instant to compare with, and would fail wherever it was compared later.
    """
    try:
        typed = raw.strip()
        naive = datetime.strptime(typed, fmt) if fmt else datetime.fromisoformat(typed)
    except ValueError:
        raise InvalidInput.one(field, "Give a date and time as YYYY-MM-DD HH:MM.") from None
    if naive.tzinfo is not None:
        raise InvalidInput.one(field, "Give the local date and time, without an offset.")
    window.check_day(naive.date(), field)
    return naive.replace(tzinfo=zone)


def parse_day(raw: str, field: str, window: Window, *, today: date | None = None) -> date:
    """A date typed as YYYY-MM-DD, inside ``window``, or :class:`InvalidInput`."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput.one(field, "Give a date as YYYY-MM-DD.") from None
    return window.check_day(day, field, today=today)
