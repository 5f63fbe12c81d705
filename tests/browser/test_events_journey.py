"""An invitee's journey in headless Chromium: from the invitation email to a booked place.

The app runs in a uvicorn thread on loopback and the invitation goes through a real SMTP
server on loopback, with its .ics attached.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import icalendar
import pytest
import uvicorn
from playwright.sync_api import Page

from concord.app import create_app
from concord.mail.smtp import text_of
from concord.settings import Settings
from consent.outbox import services as outbox
from tests.browser.test_journeys import SCREENSHOTS, browser, page
from tests.conftest import EMAILS, PARTNER_A, PARTNER_B, PASSWORD, World, free_port
from tests.integration.stakeholders import add_contact
from tests.integration.test_events import MATCHING_SECRET, commit, event_row, make_event
from tests.mailserver import MailServer

pytestmark = pytest.mark.browser
assert browser and page  # fixtures shared with the other journeys


@dataclass
class Served:
    url: str
    settings: Settings


@pytest.fixture
def served(world: World, mail_server: MailServer) -> Iterator[Served]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = mail_server.settings(world.settings).with_changes(
        public_url=url, matching_secret=MATCHING_SECRET
    )
    world.settings = settings
    app = create_app(settings, hub=world.hub, vaults=world.vaults, directory=world.ports(settings))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield Served(url, settings)
    server.should_exit = True
    thread.join(timeout=10)


def test_an_invitee_accepts_from_the_link_in_the_invitation_email(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    add_contact(world, "ada@example.org", partner=PARTNER_B)  # invited once, by alpha
    event_id = make_event(world, capacity=10)
    assert commit(world, event_id, PARTNER_A) == (1, 0)
    assert commit(world, event_id, PARTNER_B) == (0, 1)
    assert outbox.send_due(world.vaults, served.settings, PARTNER_A).sent == 1
    assert outbox.send_due(world.vaults, served.settings, PARTNER_B).sent == 0
    [message] = mail_server.messages()
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert icalendar.Calendar.from_ical(ics.get_content())["METHOD"] == "REQUEST"
    link = re.search(r"(http://127\.0\.0\.1:\d+/rsvp/[\w.-]+)", text_of(message))
    assert link is not None

    page.goto(link.group(1))
    assert page.get_by_role("heading", level=1).inner_text() == "Standards and society day"
    page.get_by_role("button", name="Accept").click()
    page.get_by_role("status").filter(has_text="your place is booked").wait_for()
    assert "you are coming" in page.locator("#rsvp-answer").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "event-rsvp.png"), full_page=True)
    assert event_row(world, event_id).accepted == 1

    # The inviting partner's comms staff tick off who came, on their vault's own page.
    page.goto(f"{served.url}/login")
    page.get_by_label("Email").fill(EMAILS["comms_a"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served.url}/dashboard")
    page.goto(f"{served.url}/partners/{PARTNER_A}/events/{event_id}/attendance")
    assert "Standards and society day" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Ada").check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_role("status").filter(has_text="Attendance was saved.").wait_for()
    assert page.get_by_label("Ada").is_checked()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"event-attendance-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served.url}/events/{event_id}")
    row = page.locator("table.event-hosts tbody tr[data-partner=alpha]")
    assert row.locator("td").last.inner_text() == "1"  # came, as the vault counted it
    page.context.clear_cookies()

    page.goto(link.group(1))
    page.get_by_role("button", name="Decline").click()
    page.get_by_role("status").filter(has_text="you have declined").wait_for()
    assert event_row(world, event_id).accepted == 0
