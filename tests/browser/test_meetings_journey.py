"""The secretariat's meeting journey in a real headless Chromium: schedule the monthly series,
set the agenda, record attendance, circulate the minutes, take a partner's comment, approve.

Recording a decision at the meeting belongs to the decision register's journey; the lead joins
the two.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in  # noqa: F401
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
SECRETARIAT = "secretariat@partnership.example"
TITLE = "Partnership monthly meeting (journey)"


def test_the_secretariat_runs_a_monthly_meeting_from_agenda_to_approved_minutes(
    page: Page,  # noqa: F811
    browser: Browser,  # noqa: F811
    demo_server: DemoServer,
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, demo_server, SECRETARIAT)

    # The monthly series, second Tuesday at 10:00 Brussels time.
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("link", name="Schedule a recurring series").click()
    page.get_by_label("Title").fill(TITLE)
    assert page.get_by_label("Recurrence rule (RRULE)").input_value() == "FREQ=MONTHLY;BYDAY=2TU"
    page.get_by_label("First possible date").fill((date.today() + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Schedule the series").click()
    page.wait_for_url("**/governance/meetings?series=*")
    assert "next twelve months" in page.get_by_role("status").inner_text()
    links = page.locator("table.meetings").first.get_by_role("link", name=TITLE)
    assert 11 <= links.count() <= 13
    links.first.click()
    page.wait_for_url("**/governance/meetings/*")

    # The agenda.
    page.get_by_text("Add an agenda item").click()
    page.get_by_label("Item", exact=True).fill("Review of the joint charter")
    page.get_by_label("Led by").select_option(label="Sam Secretariat (secretariat)")
    page.get_by_label("Minutes it needs").fill("25")
    page.get_by_role("button", name="Add to the agenda").click()
    agenda = page.locator("#agenda tbody tr").first
    assert "Review of the joint charter" in agenda.inner_text()

    # Attendance: three of the four organisations make the quorum of three.
    for name in (
        "Northmere Standards Institute",
        "Coastal Norms Bureau",
        "Alpine Quality Council",
    ):
        page.get_by_label(f"Attendance of {name}").select_option("present")
    page.get_by_label("Attendance of Riverbend Technical Standards Association").select_option(
        "apologies"
    )
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url("**#attendance")
    assert page.locator("#quorum").inner_text() == (
        "3 of 4 organisations present; 3 needed: quorate"
    )
    page.screenshot(path=str(SCREENSHOTS / "meeting-agenda-attendance.png"), full_page=True)
    meeting_url = page.url.split("?")[0]

    # Minutes: drafted, circulated.
    page.get_by_role("link", name="Minutes", exact=True).click()
    page.get_by_label("Draft minutes").fill(
        "1. Review of the joint charter\nThe partners discussed clause 4."
    )
    page.get_by_role("button", name="Save the draft").click()
    assert "saved" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Circulate to the partners").click()
    assert page.locator("#minutes-status").inner_text() == "Circulated for comment"
    minutes_url = page.url.split("#")[0]

    # A partner comments, for its own organisation.
    partner = browser.new_context(viewport={"width": 1280, "height": 900})
    partner_page = partner.new_page()
    sign_in(partner_page, demo_server, "comms@coastal.example")
    partner_page.goto(minutes_url)
    assert "clause 4" in partner_page.locator("#minutes-text").inner_text()
    partner_page.get_by_label("Your comment for Coastal Norms Bureau").fill(
        "Please name who presented item 1."
    )
    partner_page.get_by_role("button", name="Add the comment").click()
    assert "Coastal Norms Bureau" in partner_page.locator("#comments li").first.inner_text()
    partner.close()

    # The secretariat approves: the text is locked and its hash shown.
    page.goto(minutes_url)
    assert "Please name who presented" in page.locator("#comments").inner_text()
    page.get_by_role("button", name="Approve and lock the minutes").click()
    assert page.locator("#minutes-status").inner_text() == "Approved and locked"
    assert len(page.locator("#approved-hash").inner_text()) == 64
    assert page.get_by_label("Draft minutes").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "minutes-approved.png"), full_page=True)

    # Printed, the agenda and the minutes leave out navigation and forms.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert page.locator("#minutes-text").is_visible()
    assert not page.get_by_text("Propose an amendment").is_visible()
    page.goto(meeting_url)
    assert page.locator("#agenda table").is_visible()
    assert not page.get_by_role("button", name="Save attendance").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "meeting-agenda-print.png"), full_page=True)


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
