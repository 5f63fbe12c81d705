"""The issue's governance journey in a real headless Chromium, joining what the meetings and
principles journeys covered apart: the secretariat schedules the monthly meeting, sets its
agenda, records attendance and a decision taken at it (with every signatory's position, so it
can be adopted), circulates and approves the minutes; then every signatory signs a new version
of the principles that raises the suppression threshold, and the next matching round's results
page shows the new threshold.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from concord.cli.demo import demo_accounts
from concord.demo.contacts import DEMO_PARTNER_NAMES
from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
assert browser and page  # fixtures, used by name

SECRETARIAT = "secretariat@partnership.example"
TITLE = "Partnership monthly meeting (governance journey)"
DECISION = "Adopt the joint outreach charter (journey)"
NEW_THRESHOLD = "15"


def sign_out(page: Page, server: DemoServer) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server.url}/login")


def signatories() -> list[tuple[str, str]]:
    found = [(e, p) for e, role, p, _ in demo_accounts() if role.value == "signatory" and p]
    assert len(found) == 4
    return found


def test_meeting_decision_minutes_then_signed_principles_change_the_next_round(
    page: Page, browser: Browser, demo_server: DemoServer
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, demo_server, SECRETARIAT)
    # The demo's principles are signed by all four partners: no defaults banner.
    expect(page.locator(".banner-warning")).to_have_count(0)

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
    meeting_url = page.url.split("?")[0].split("#")[0]

    # The agenda.
    page.get_by_text("Add an agenda item").click()
    page.get_by_label("Item", exact=True).fill("Review of the joint charter")
    page.get_by_label("Led by").select_option(label="Sam Secretariat (secretariat)")
    page.get_by_label("Minutes it needs").fill("25")
    page.get_by_role("button", name="Add to the agenda").click()
    assert "Review of the joint charter" in page.locator("#agenda tbody tr").first.inner_text()

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

    # A decision at this meeting: the form opens with the meeting chosen.
    page.get_by_role("link", name="Record a decision for this meeting").click()
    page.wait_for_url("**/governance/decisions?meeting=*")
    assert (
        page.get_by_label("Meeting it was proposed at")
        .locator("option:checked")
        .inner_text()
        .startswith(TITLE)
    )
    page.get_by_label("Title").fill(DECISION)
    page.get_by_label("What is proposed (Markdown)").fill("The partners adopt the charter v2.0.")
    page.get_by_label("Joint document it is about").select_option(
        label="Joint outreach charter (version 2.0)"
    )
    page.get_by_role("button", name="Register the proposal").click()
    page.wait_for_url(re.compile(r".*/governance/decisions/\d+$"))
    decision_url = page.url
    expect(page.locator("a.decision-meeting")).to_have_attribute(
        "href", meeting_url.removeprefix(demo_server.url)
    )
    sign_out(page, demo_server)

    # Each partner's signatory casts its position.
    for email, _ in signatories():
        sign_in(page, demo_server, email)
        page.goto(decision_url)
        page.get_by_label("Agree", exact=True).check()
        page.get_by_role("button", name="Cast the position").click()
        expect(page.get_by_text("position was recorded")).to_be_visible()
        sign_out(page, demo_server)

    # The secretariat records the outcome, which the rules now allow.
    sign_in(page, demo_server, SECRETARIAT)
    page.goto(decision_url)
    expect(page.locator(".computed-outcome")).to_contain_text("The rules are met")
    page.get_by_label("Adopted", exact=True).check()
    page.get_by_label("Takes effect on").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".decision-status")).to_have_text("adopted")
    page.goto(meeting_url)
    expect(page.locator("#decisions")).to_contain_text(DECISION)
    expect(page.locator("#decisions")).to_contain_text("adopted")
    page.screenshot(path=str(SCREENSHOTS / "governance-meeting.png"), full_page=True)

    # Minutes: drafted, circulated, commented on by a partner, approved and locked.
    page.get_by_role("link", name="Minutes", exact=True).click()
    page.get_by_label("Draft minutes").fill(
        f"1. Review of the joint charter\nThe partners adopted: {DECISION}."
    )
    page.get_by_role("button", name="Save the draft").click()
    assert "saved" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Circulate to the partners").click()
    assert page.locator("#minutes-status").inner_text() == "Circulated for comment"
    minutes_url = page.url.split("#")[0]
    commenter = browser.new_context(viewport={"width": 1280, "height": 900})
    partner_page = commenter.new_page()
    sign_in(partner_page, demo_server, "comms@coastal.example")
    partner_page.goto(minutes_url)
    partner_page.get_by_label("Your comment for Coastal Norms Bureau").fill(
        "Please name who presented item 1."
    )
    partner_page.get_by_role("button", name="Add the comment").click()
    assert "Coastal Norms Bureau" in partner_page.locator("#comments li").first.inner_text()
    commenter.close()
    page.goto(minutes_url)
    page.get_by_role("button", name="Approve and lock the minutes").click()
    assert page.locator("#minutes-status").inner_text() == "Approved and locked"
    assert len(page.locator("#approved-hash").inner_text()) == 64

    # Printed, the agenda shows the items and leaves out the forms.
    page.goto(meeting_url)
    page.emulate_media(media="print")
    assert page.locator("#agenda table").is_visible()
    assert not page.get_by_role("button", name="Save attendance").is_visible()
    page.emulate_media(media="screen")

    # A new version of the principles raises the suppression threshold.
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
    sign_out(page, demo_server)
    for email, partner_slug in signatories():
        sign_in(page, demo_server, email)
        page.goto(version_url)
        page.get_by_role("button", name=f"Sign for {DEMO_PARTNER_NAMES[partner_slug]}").click()
        expect(page.get_by_text("signature was recorded")).to_be_visible()
        sign_out(page, demo_server)

    # In force at once: the next matching round publishes with the new threshold.
    sign_in(page, demo_server, SECRETARIAT)
    expect(page.locator(".banner-warning")).to_have_count(0)
    page.goto(version_url)
    expect(page.get_by_text("This version is in force")).to_be_visible()
    page.get_by_role("link", name="Shared stakeholders").first.click()
    page.get_by_role("button", name="Run the round").click()
    page.wait_for_url(re.compile(r".*/matching/rounds/[0-9a-f-]+$"))
    # The worker runs the round within seconds; the page polls and offers the results.
    page.get_by_role("link", name="Show the results").click(timeout=120_000)
    expect(page.locator("dl.facts")).to_contain_text(f"counts below {NEW_THRESHOLD} hidden")
    expect(page.get_by_role("table").first).not_to_contain_text("<10")
    page.screenshot(path=str(SCREENSHOTS / "round-after-new-principles.png"), full_page=True)


def test_the_calendar_shows_the_demo_meetings_and_action_items(
    page: Page, demo_server: DemoServer
) -> None:
    sign_in(page, demo_server, "comms@alpine.example")
    page.goto(f"{demo_server.url}/calendar?view=agenda")
    expect(page.locator("a.entry.governance-meeting").first).to_contain_text("Meeting 10:00")
    page.goto(f"{demo_server.url}/calendar?view=agenda&date={date.today() - timedelta(days=10)}")
    expect(page.locator("a.entry.governance-action").first).to_be_visible()
