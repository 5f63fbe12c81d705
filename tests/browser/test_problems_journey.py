"""A comms user sees the row that needs looking at: on the dashboard and on the item's page,
which opens and says what is wrong instead of failing; then the Send now confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from concord import jobs
from concord.cli.stored_dates import check_dates
from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in
from tests.browser.test_selfservice_journey import Served, served
from tests.browser.test_sending_journey import _Login
from tests.conftest import PARTNER_A, World
from tests.integration.test_calendar import add_contacts
from tests.integration.test_calendar_sending import scheduled_item, time_passes
from tests.integration.test_data_problems import an_item_in_year_one

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "served"]  # fixtures, imported for pytest


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_stored_year_one_item_is_shown_not_failed_and_send_now_asks_first(
    page: Page, world: World, served: Served
) -> None:
    add_contacts(world, PARTNER_A, ["one@x.example", "two@x.example"])
    broken = an_item_in_year_one(world)
    jobs.bind(world.hub, **world.job_services())
    check_dates()
    sign_in(page, _Login(served.url), "comms@alpha.example")  # type: ignore[arg-type]

    page.goto(f"{served.url}/")
    card = page.locator("#noted-problems")
    assert "0001-01-01" in card.inner_text()
    shoot(page, "dashboard-noted-problems")

    page.goto(f"{served.url}/partners/{PARTNER_A}/calendar/items/{broken}")
    assert page.locator("#stored-problem").is_visible()
    shoot(page, "calendar-item-stored-problem")

    late = scheduled_item(world)  # scheduled ahead, then its time passed
    time_passes(world, late)
    page.goto(f"{served.url}/partners/{PARTNER_A}/calendar/items/{late}")
    page.locator("#send-now a").click()
    page.wait_for_url("**/send-now")
    assert "2" in page.locator("main").inner_text()
    assert page.locator("#confirm-send-now").is_visible()
    shoot(page, "calendar-item-send-now")
