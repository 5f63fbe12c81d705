"""Due dates of data-subject requests: calendar months, as GDPR Art. 12(3) counts them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consent.rights.requests import add_months


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (datetime(2026, 3, 15, 9, 30, tzinfo=UTC), 1, datetime(2026, 4, 15, 9, 30, tzinfo=UTC)),
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 1, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 12, 10, tzinfo=UTC), 1, datetime(2027, 1, 10, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), 3, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), 24, datetime(2028, 5, 31, tzinfo=UTC)),
    ],
)
def test_a_month_is_a_calendar_month(start: datetime, months: int, due: datetime) -> None:
    assert add_months(start, months) == due
