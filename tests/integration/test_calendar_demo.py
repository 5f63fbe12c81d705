"""The demo starts with a populated quarter on the shared calendar, clashes included."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from bs4 import BeautifulSoup

from concord.cli.demo import SECRETARIAT_EMAIL
from outreach.calendar.views import shift_month
from tests.conftest import DemoServer
from tests.integration.test_demo import _sign_in


def test_demo_calendar_shows_a_populated_quarter_with_clashes(demo_server: DemoServer) -> None:
    response = _sign_in(demo_server, SECRETARIAT_EMAIL, demo_server.password)
    assert response.status_code == 303
    cookie = next(
        value.split(";")[0]
        for key, value in response.headers.multi_items()
        if key == "set-cookie" and value.startswith("concord_session=")
    )
    entries: list[Any] = []
    first = date.today().replace(day=1)
    for month in (shift_month(first, -1), first, shift_month(first, 1), shift_month(first, 2)):
        page = httpx.get(
            f"{demo_server.url}/calendar",
            params={"view": "month", "date": month.isoformat()},
            headers={"cookie": cookie},
        )
        assert page.status_code == 200
        # Days of the neighbouring months repeat at a grid's edges: count in-month days only.
        # Outreach items only: the partnership's meetings and action items are entries too.
        entries += BeautifulSoup(page.text, "html.parser").select(
            "td.in-month a.entry:not(.governance)"
        )
    assert len(entries) >= 15
    assert any(entry.select_one(".badge.clash") for entry in entries)
    partners = {entry.select_one(".who").text for entry in entries}
    assert len(partners) == 4
