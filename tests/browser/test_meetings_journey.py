"""Review rounds in a real headless Chromium. The monthly meeting (agenda, attendance, a
decision, minutes) is in tests/browser/test_governance_journey.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in  # noqa: F401
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
SECRETARIAT = "secretariat@partnership.example"
TITLE = "Partnership monthly meeting (journey)"


def test_a_review_round_shows_each_partners_state_at_a_glance(
    page: Page,  # noqa: F811
    browser: Browser,  # noqa: F811
    demo_server: DemoServer,
    tmp_path: Path,
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document = tmp_path / "joint-charter.md"
    document.write_text("# Joint charter\n\nClause 4: shared events.\n", encoding="utf-8")
    sign_in(page, demo_server, SECRETARIAT)
    page.get_by_role("link", name="Reviews", exact=True).click()
    page.get_by_label("Title").fill("Joint charter (journey)")
    page.get_by_label("Version").fill("2.0")
    page.get_by_label("File: PDF", exact=False).set_input_files(str(document))
    page.get_by_role("button", name="Add the document").click()
    page.wait_for_url("**/governance/reviews/documents/*?added=1")
    page.get_by_role("link", name="All review rounds").click()
    page.get_by_label("Document", exact=True).select_option(
        label="Joint charter (journey) (version 2.0)"
    )
    page.get_by_role("button", name="Open the round").click()
    page.wait_for_url("**/governance/reviews/rounds/*")
    round_url = page.url

    partner = browser.new_context(viewport={"width": 1280, "height": 900})
    partner_page = partner.new_page()
    sign_in(partner_page, demo_server, "admin@coastal.example")
    partner_page.goto(round_url)
    partner_page.get_by_label("Coastal Norms Bureau's state").select_option("legal_review")
    partner_page.get_by_role("button", name="Save our state").click()
    assert "saved" in partner_page.get_by_role("status").inner_text()
    partner.close()

    page.get_by_role("link", name="Reviews", exact=True).click()
    row = page.locator("#open-rounds tbody tr", has_text="Joint charter (journey)")
    assert row.locator('td[data-partner="coastal"]').inner_text() == "Legal review"
    assert row.locator('td[data-partner="northmere"]').inner_text() == "Not started"
    page.screenshot(path=str(SCREENSHOTS / "review-rounds-grid.png"), full_page=True)
