"""A comms user plans an item, sees it clash with another partner's, moves it to the date the
calendar suggests, and the clash is gone; the item's feed entry keeps its UID and raises its
SEQUENCE."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import Page

from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "page"]  # fixtures, imported for pytest

# Far beyond the demo's own items, so that only this journey's items meet there.
THEIR_DAY = date.today() + timedelta(days=100)
OUR_DAY = THEIR_DAY + timedelta(days=2)
TOPIC = "tidal-power"


def plan(page: Page, server: DemoServer, partner: str, title: str, day: date) -> str:
    page.goto(f"{server.url}/partners/{partner}/calendar/items/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind").select_option("consultation")
    page.get_by_label("Starts (local time)").fill(f"{day.isoformat()}T10:00")
    page.get_by_label("Ends (local time)").fill(f"{day.isoformat()}T11:00")
    page.get_by_label("Topics").fill(TOPIC)
    page.get_by_label("Purpose").select_option("dpv:CommunicationManagement")
    # The audience size arrives by htmx while the form is being filled in.
    page.locator("#audience-size strong").wait_for()
    page.get_by_role("button", name="Save the item").click()
    page.wait_for_url(f"{server.url}/partners/{partner}/calendar/items/*")
    return page.url.rsplit("/", 1)[1]


def sequence_of(feed_url: str, uid: str) -> int:
    calendar = Calendar.from_ical(httpx.get(feed_url).content)
    event = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == uid)
    return int(str(event["sequence"]))


def test_plan_see_the_clash_move_to_the_suggested_date(page: Page, demo_server: DemoServer) -> None:
    sign_in(page, demo_server, "comms@coastal.example")
    plan(page, demo_server, "coastal", "Tidal energy consultation", THEIR_DAY)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, demo_server, "comms@northmere.example")
    page.goto(f"{demo_server.url}/calendar/feeds")
    page.get_by_role("button", name="Create feed").click()
    feed_url = page.locator("#new-feed code").inner_text().strip()

    item_id = plan(page, demo_server, "northmere", "Tidal power survey", OUR_DAY)
    clashes = page.locator("#clashes")
    assert "Same topic (tidal-power)" in clashes.inner_text()
    assert "Tidal energy consultation" in clashes.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "calendar-item-clash.png"), full_page=True)
    uid = f"{item_id}@concord"
    assert sequence_of(feed_url, uid) == 0

    suggestion = page.locator(".suggestions button").first
    target = date.fromisoformat(suggestion.inner_text().removeprefix("Move to "))
    assert abs((target - THEIR_DAY).days) >= 7
    suggestion.click()
    page.wait_for_url("**?moved=1")
    assert page.locator("#no-clashes").is_visible()
    assert page.locator("#clashes").count() == 0
    assert sequence_of(feed_url, uid) == 1

    # The month grid shows the item on its new day, navigated with htmx (no full reload).
    page.goto(f"{demo_server.url}/calendar?view=month&date={target.isoformat()}")
    marker = page.evaluate("window.__journey = 1")
    del marker
    following = (target.replace(day=1) + timedelta(days=32)).replace(day=1)
    page.get_by_role("link", name="Next month").click()
    page.wait_for_selector(f"caption:has-text('{following:%B %Y}')")
    # The change is announced from a live region outside the swapped part.
    announced = page.locator("#calendar-announce")
    assert announced.get_attribute("aria-live") == "polite"
    assert f"{following:%B %Y}" in announced.inner_text()
    page.get_by_role("link", name="Previous month").click()
    page.wait_for_selector(f"caption:has-text('{target:%B %Y}')")
    page.wait_for_selector(f"td[data-day='{target.isoformat()}'] a.entry")
    assert page.evaluate("window.__journey") == 1  # the same document: htmx swapped a part
    cell = page.locator(f"td[data-day='{target.isoformat()}']")
    assert "Tidal power survey" in cell.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "calendar-month.png"), full_page=True)


def test_the_demo_quarter_at_a_glance(page: Page, demo_server: DemoServer) -> None:
    """The secretariat's month view of the demo quarter, badges and all, for a person to see."""
    sign_in(page, demo_server, "secretariat@partnership.example")
    page.goto(f"{demo_server.url}/calendar?view=month&date={date.today().isoformat()}")
    assert page.locator("a.entry").count() > 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "calendar-demo-month.png"), full_page=True)
    page.get_by_role("link", name="Agenda").click()
    page.wait_for_selector(".agenda")
    page.screenshot(path=str(SCREENSHOTS / "calendar-demo-agenda.png"), full_page=True)
    sign_in(page, demo_server, "comms@northmere.example")
    page.goto(f"{demo_server.url}/partners/northmere/calendar/items")
    page.locator("tbody a").first.click()
    page.wait_for_selector(".rules-report")
    page.screenshot(path=str(SCREENSHOTS / "calendar-demo-item.png"), full_page=True)
