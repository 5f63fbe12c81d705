"""A comms user writes the message of a scheduled email item; the worker sends it and the item's
page follows the progress by itself (htmx polling) until it says sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page
from sqlalchemy import update

from concord.db import utcnow
from consent.outbox.models import OutboxMessage
from outreach.calendar.sending import send_due_items
from tests.browser.test_journeys import SCREENSHOTS, browser, page, sign_in
from tests.browser.test_selfservice_journey import Served, served
from tests.conftest import PARTNER_A, PASSWORD, World
from tests.integration.test_calendar import add_contacts
from tests.integration.test_calendar_sending import scheduled_item
from tests.mailserver import MailServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "served"]  # fixtures, imported for pytest


@dataclass
class _Login:
    url: str
    password: str = PASSWORD


def test_write_the_message_and_watch_the_item_go_out(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    add_contacts(world, PARTNER_A, ["one@x.example", "two@x.example", "three@x.example"])
    item_id = scheduled_item(world, message=False)
    sign_in(page, _Login(served.url), "comms@alpha.example")  # type: ignore[arg-type]
    page.goto(f"{served.url}/partners/{PARTNER_A}/calendar/items/{item_id}")
    assert page.locator("#message-missing").is_visible()

    page.get_by_label("Subject").fill("Have your say on the tidal standard")
    page.get_by_label("Message (plain text").fill("The draft is out.\n\nComments by May, please.")
    page.get_by_role("button", name="Save the message").click()
    page.wait_for_url("**?message_saved=1*")
    assert page.locator("#message-missing").count() == 0

    # The worker's first run finds the mail server busy: the item is sending, nothing arrived.
    mail_server.refuse_next = 1000
    send_due_items(world.hub, world.ports(served.settings))
    mail_server.refuse_next = 0
    page.reload()
    assert "Sending" in page.locator("#send-state").inner_text()
    assert page.locator("#count-waiting").inner_text() == "3"
    assert page.locator("#cancel-sending").is_visible()  # the only change left while it sends
    page.evaluate("window.__journey = 1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "calendar-item-sending.png"), full_page=True)

    # The server's back-off passes and the worker runs again, while the page stays open.
    with world.vaults.transaction(PARTNER_A) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))
    worker = threading.Thread(target=send_due_items, args=(world.hub, world.ports(served.settings)))
    worker.start()
    worker.join(timeout=60)
    page.locator("#send-state", has_text="Sent").wait_for(timeout=15_000)
    assert page.evaluate("window.__journey") == 1  # htmx swapped the part; no reload
    assert page.locator("#count-sent").inner_text() == "3"
    assert len(mail_server.received) == 3
    page.screenshot(path=str(SCREENSHOTS / "calendar-item-sent.png"), full_page=True)
