"""Calendar periods: the quarter an item falls in names the key its audience is tokenised with.

Tokens of different periods cannot be linked, and the hub deletes a period's tokens once it has
ended. The rules therefore see across partners within one quarter only: an item in the last
days of a quarter is not linked with one in the first days of the next (a documented limit).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def period_of(day: date) -> str:
    """The period id of a day, such as ``2027Q1``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def period_bounds(period_id: str) -> tuple[date, date]:
    """The first and last day of a period."""
    year, quarter = int(period_id[:4]), int(period_id[5:])
    first = date(year, 3 * (quarter - 1) + 1, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, following - timedelta(days=1)


def period_end(period_id: str) -> datetime:
    """The moment a period's tokens may go: the start of the day after its last day (UTC)."""
    last = period_bounds(period_id)[1]
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
