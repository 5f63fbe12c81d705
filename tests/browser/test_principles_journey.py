"""Journey: every signatory signs a new version of the principles that raises the suppression
threshold, and the next matching round's results page shows the new threshold."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from concord.cli.demo import demo_accounts
from concord.demo.contacts import DEMO_PARTNER_NAMES
from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
assert browser and page  # fixtures, used by name

SECRETARIAT = "secretariat@partnership.example"
NEW_THRESHOLD = "15"


def sign_out(page: Page, server: DemoServer) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server.url}/login")


def test_signed_principles_raise_the_threshold_of_the_next_round(
    page: Page, demo_server: DemoServer
) -> None:
    sign_in(page, demo_server, SECRETARIAT)
    expect(page.locator(".banner-warning").first).to_be_visible()
    page.get_by_role("link", name="Principles").first.click()
    page.get_by_role("button", name="Draft a new version").click()
    page.wait_for_url(re.compile(r".*/governance/principles/\d+/edit$"))
    version_url = page.url.removesuffix("/edit")
    page.get_by_label("Suppression threshold (hide counts below this)").fill(NEW_THRESHOLD)
    page.get_by_label("Text (Markdown", exact=False).fill(
        "# Principles for Collaboration\n\nWe hide any count below fifteen."
    )
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(re.compile(r".*\?saved=1$"))
    expect(page.locator("dl.settings-block")).to_contain_text(f"counts below {NEW_THRESHOLD}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "principles-draft.png"), full_page=True)
    sign_out(page, demo_server)

    signatories = [(e, p) for e, role, p, _ in demo_accounts() if role.value == "signatory"]
    assert len(signatories) == 4
    for email, partner in signatories:
        assert partner is not None
        sign_in(page, demo_server, email)
        page.goto(version_url)
        page.get_by_role("button", name=f"Sign for {DEMO_PARTNER_NAMES[partner]}").click()
        expect(page.get_by_text("signature was recorded")).to_be_visible()
        sign_out(page, demo_server)

    sign_in(page, demo_server, SECRETARIAT)
    expect(page.locator(".banner-warning")).to_have_count(0)
    page.goto(version_url)
    expect(page.get_by_text("This version is in force")).to_be_visible()
    page.get_by_role("link", name="Shared stakeholders").first.click()
    page.get_by_role("button", name="Run the round").click()
    page.wait_for_url(re.compile(r".*/matching/rounds/[0-9a-f-]+$"))
    # The worker runs the round within seconds; the page polls and offers the results.
    page.get_by_role("link", name="Show the results").click(timeout=120_000)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"counts below {NEW_THRESHOLD} hidden")
    expect(page.get_by_role("table").first).not_to_contain_text("<10")
    page.screenshot(path=str(SCREENSHOTS / "round-after-new-principles.png"), full_page=True)
