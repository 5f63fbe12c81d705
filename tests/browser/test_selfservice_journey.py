"""A stakeholder's journey in headless Chromium: from a received email to the preference centre.

The app runs in a uvicorn thread on loopback, mail goes to a real SMTP server on loopback, and
the one-click part is a plain HTTP client with no cookies, as a mail client would be.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page

from concord.app import create_app
from concord.mail.smtp import text_of
from concord.settings import Settings
from consent.contacts.models import Contact
from consent.ledger import services as ledger
from consent.ledger.models import ConsentState
from consent.outbox import services as outbox
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from tests.browser.test_journeys import SCREENSHOTS, browser, page
from tests.conftest import PARTNER_A, PARTNER_B, DemoServer, World, free_port
from tests.integration.stakeholders import NEWSLETTER, add_contact, purpose_id
from tests.mailserver import MailServer

pytestmark = pytest.mark.browser
assert browser and page  # fixtures shared with the other journeys

CONSULTATIONS = "dpv:PublicRelations"


@dataclass
class Served:
    url: str
    settings: Settings


@pytest.fixture
def served(world: World, mail_server: MailServer) -> Iterator[Served]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = mail_server.settings(world.settings).with_changes(public_url=url)
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


def _send(world: World, served: Served, contact_id: int, code: str, subject: str) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, code)
        assert purpose is not None
        outbox.queue(
            session,
            served.settings,
            partner_slug=PARTNER_A,
            partner_name="Alpha Standards Body",
            contact=session.get_one(Contact, contact_id),
            purpose=purpose,
            channel=Channel.EMAIL,
            kind="campaign",
            template="message",
            context={"subject": subject, "body": "Read all about it."},
        )
    assert outbox.send_due(world.vaults, served.settings, PARTNER_A).sent == 1


def _state(world: World, contact_id: int, code: str) -> ConsentState | None:
    wanted = purpose_id(world, code)
    with world.vaults.transaction(PARTNER_A) as session:
        return ledger.current(session, contact_id).get((wanted, Channel.EMAIL))


def test_a_stakeholder_withdraws_from_the_link_in_an_email(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    contact_id = add_contact(world, consent_to=(NEWSLETTER, CONSULTATIONS))
    _send(world, served, contact_id, NEWSLETTER, "Our newsletter")
    [message] = mail_server.messages()
    match = re.search(r"(http://127\.0\.0\.1:\d+/p/[\w.-]+)", text_of(message))
    assert match is not None

    page.goto(match.group(1))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Your choices with Alpha Standards Body"
    )
    page.get_by_role("button", name="Stop Newsletter and events by email").click()
    page.get_by_role("status").filter(has_text="no longer write").wait_for()
    row = page.get_by_role("row").filter(has_text="Newsletter and events")
    assert row.get_by_text("No", exact=True).is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "preference-centre.png"), full_page=True)
    assert _state(world, contact_id, NEWSLETTER) is ConsentState.WITHDRAWN
    assert _state(world, contact_id, CONSULTATIONS) is ConsentState.GIVEN


def test_one_click_unsubscribe_is_a_post_without_cookies(
    world: World, served: Served, mail_server: MailServer
) -> None:
    contact_id = add_contact(world, consent_to=(CONSULTATIONS,))
    _send(world, served, contact_id, CONSULTATIONS, "Have your say")
    [message] = mail_server.messages()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(message["List-Unsubscribe"]).strip().strip("<>")

    # A link scanner's GET unsubscribes nobody.
    assert httpx.get(url).status_code == 200
    assert _state(world, contact_id, CONSULTATIONS) is ConsentState.GIVEN

    response = httpx.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert _state(world, contact_id, CONSULTATIONS) is ConsentState.WITHDRAWN


def test_the_demo_worker_delivers_to_the_stakeholder_mailbox(
    page: Page, demo_server: DemoServer
) -> None:
    """The demo queues a welcome; its in-process worker sends it to the local mailbox."""
    deadline = time.monotonic() + 90
    while (
        "Welcome to our stakeholder updates"
        not in httpx.get(f"{demo_server.url}/demo/stakeholder-mail").text
    ):
        assert time.monotonic() < deadline, "the demo worker sent nothing"
        time.sleep(1)
    page.goto(f"{demo_server.url}/demo/stakeholder-mail")
    # The welcome goes out in each contact's language: open an English one.
    english = page.locator("article.mail", has_text="Welcome to our stakeholder updates").first
    english.locator("a[href*='/p/']").first.click()
    page.get_by_role("heading", level=1).filter(has_text="Your choices with").wait_for()
    page.get_by_role("button", name="Stop Stakeholder engagement by email").click()
    page.get_by_role("status").filter(has_text="no longer write").wait_for()


def test_a_person_finds_every_partner_holding_their_address(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    address = "grace.hopper@example.org"
    add_contact(world, address, partner=PARTNER_A, given_name="Grace")
    add_contact(world, address, partner=PARTNER_B, given_name="Grace")
    page.goto(f"{served.url}/my-data")
    page.get_by_label("Your email address").fill(address)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").wait_for()
    [message] = mail_server.messages()
    code = re.search(r"\b(\d{6})\b", str(message["Subject"]))
    assert code is not None
    page.get_by_label("Code").fill(code.group(1))
    page.get_by_role("button", name="Show my data").click()
    page.get_by_role("heading", name="Who holds data about you").wait_for()
    found = page.locator("ul.partners-found li strong").all_inner_texts()
    assert found == ["Alpha Standards Body", "Bravo Norms Office"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "find-my-data.png"), full_page=True)
    page.get_by_role("link", name="See and change your choices with Bravo Norms Office").click()
    page.get_by_role("heading", name="Your choices with Bravo Norms Office").wait_for()
