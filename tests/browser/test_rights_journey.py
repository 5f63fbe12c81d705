"""Staff answer an erasure request in a real browser: log it, erase, and the person is gone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "page"]  # fixtures, re-exported for pytest


def test_an_admin_logs_and_completes_an_erasure_request(
    page: Page, demo_server: DemoServer
) -> None:
    sign_in(page, demo_server, "admin@alpine.example")
    page.goto(f"{demo_server.url}/partners/alpine/contacts")
    first = page.locator("table.contacts tbody th a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r".*/contacts/\d+$"))
    contact_url = page.url
    page.get_by_role("link", name="Log a request from this person").click()
    page.get_by_label(re.compile("asks for")).select_option("erasure")
    page.get_by_label("How you checked who they are").select_option("staff_by_letter")
    page.get_by_role("button", name="Log the request").click()
    page.wait_for_url(re.compile(r".*/requests/\d+$"))
    assert name in page.locator("dl.facts").inner_text()

    # Without the confirmation nothing happens, and the page says why.
    page.get_by_role("button", name="Erase and mark done").click()
    assert "cannot be undone" in page.locator("#e-confirm").inner_text()
    page.get_by_label(re.compile("erase this person now")).check()
    page.get_by_role("button", name="Erase and mark done").click()
    page.wait_for_url(re.compile(r".*/requests/\d+\?done=1$"))
    assert page.locator("dd.status").inner_text() == "done"
    assert "no longer held" in page.locator("dl.facts").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "erasure-request-done.png"), full_page=True)

    gone = page.goto(contact_url)
    assert gone is not None and gone.status == 404

    # The demo's requests: one of them overdue, and highlighted.
    page.get_by_role("link", name="Requests").first.click()
    page.wait_for_url("**/partners/alpine/requests")
    assert page.locator("table.requests tr.overdue").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "requests-list.png"), full_page=True)
