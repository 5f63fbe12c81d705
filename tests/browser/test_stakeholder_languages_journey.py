"""A French-speaking stakeholder's journey in headless Chromium, with the keyboard alone: from
the email to the preference centre, a changed consent, the copy of their data, one-click
unsubscribe, find my data and an event's RSVP, never meeting an English word of ours. axe-core
checks each page (see ``tests/browser/accessibility.py``), in French and in English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from concord.mail.smtp import text_of
from concord.translations import translate
from consent.contacts.models import Contact
from consent.outbox import services as outbox
from tests.browser import accessibility
from tests.browser.test_events_journey import Served, served
from tests.browser.test_journeys import SCREENSHOTS, browser, page
from tests.browser.test_selfservice_journey import _send
from tests.conftest import PARTNER_A, World
from tests.integration.stakeholders import NEWSLETTER, add_contact
from tests.integration.test_events import commit, make_event
from tests.integration.test_languages import CENTRE_TEXTS
from tests.mailserver import MailServer

pytestmark = pytest.mark.browser
assert browser and page and served  # fixtures shared with the other journeys


def fr(text: str, **values: str) -> str:
    return translate("fr", text, **values)


def _french(world: World, email: str = "camille.durand@example.org") -> int:
    contact_id = add_contact(world, email, given_name="Camille")
    with world.vaults.transaction(PARTNER_A) as session:
        session.get_one(Contact, contact_id).language = "fr"
    return contact_id


def tab_to(page: Page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element is named ``name``; its focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              const shown = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
              return {name: (el.getAttribute("aria-label") || el.textContent || "").trim(),
                      visible: shown || style.boxShadow !== "none"};
            }"""
        )
        if focused["name"] == name:
            assert focused["visible"], f"the focus on {name!r} is not visible"
            return
    raise AssertionError(f"Tab never reached {name!r}")


def _no_english(page: Page) -> None:
    shown = page.locator("body").inner_text()
    for english in CENTRE_TEXTS:
        assert english not in shown, english


def test_a_french_stakeholder_goes_from_the_email_to_their_choices_by_keyboard(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    contact_id = _french(world)
    _send(world, served, contact_id, NEWSLETTER, "Notre lettre")  # type: ignore[arg-type]
    [message] = mail_server.messages()
    assert text_of(message).startswith(fr("Dear %(name)s,", name="Camille"))
    link = re.search(r"(http://127\.0\.0\.1:\d+/p/[\w.-]+)", text_of(message))
    assert link is not None

    page.goto(link.group(1))
    assert page.locator("html").get_attribute("lang") == "fr"
    heading = fr("Your choices with %(partner)s", partner="Alpha Standards Body")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    _no_english(page)
    # The skip link comes first, and works.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == fr("Skip to content")
    stop = page.locator("table.choices button").filter(has_text=fr("Stop")).first
    tab_to(page, str(stop.get_attribute("aria-label")))
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(
        has_text=fr("Done: we will no longer write to you for that.")
    ).wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "preference-centre-fr.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "preference-centre-fr-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    tab_to(page, fr("See and download everything we hold about you"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).filter(
        has_text=fr("Everything %(partner)s holds about you", partner="Alpha Standards Body")
    ).wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"
    accessibility.check(page)

    # The same pages in English, switched with the visible language links.
    page.goto(link.group(1))
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", level=1).filter(has_text="Your choices with").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{link.group(1)}/data?lang=en")
    accessibility.check(page)
    page.goto(f"{served.url}/p/no-such-link?lang=fr")
    assert page.get_by_role("heading", level=1).inner_text() == fr("Page not found")


def test_one_click_unsubscribe_in_french_and_english(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    contact_id = _french(world)
    _send(world, served, contact_id, NEWSLETTER, "Notre lettre")  # type: ignore[arg-type]
    [message] = mail_server.messages()
    url = str(message["List-Unsubscribe"]).strip().strip("<>")
    page.goto(f"{url}?lang=en")
    assert page.get_by_role("heading", level=1).inner_text() == "Unsubscribe"
    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == fr("Unsubscribe")
    tab_to(page, fr("Unsubscribe"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).filter(has_text=fr("You are unsubscribed")).wait_for()
    page.screenshot(path=str(SCREENSHOTS / "unsubscribed-fr.png"), full_page=True)


def test_find_my_data_in_french_by_keyboard(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    address = "camille.durand@example.org"
    _french(world, address)
    page.goto(f"{served.url}/my-data?lang=fr")
    assert page.get_by_role("heading", level=1).inner_text() == fr("Find my data")
    page.get_by_label(fr("Your email address")).focus()
    page.keyboard.type(address)
    tab_to(page, fr("Send me a code"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).filter(has_text=fr("Enter your code")).wait_for()
    accessibility.check(page)
    [message] = mail_server.messages()
    code = re.search(r"\b(\d{6})\b", str(message["Subject"]))
    assert code is not None
    page.get_by_label(fr("Code")).focus()
    page.keyboard.type(code.group(1))
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).filter(has_text=fr("Who holds data about you")).wait_for()
    accessibility.check(page)
    page.screenshot(path=str(SCREENSHOTS / "find-my-data-fr.png"), full_page=True)
    page.goto(f"{served.url}/my-data/found?lang=en")


def test_an_invitee_answers_in_french_by_keyboard(
    page: Page, world: World, served: Served, mail_server: MailServer
) -> None:
    _french(world, "camille.durand@example.org")
    event_id = make_event(world, capacity=10)
    assert commit(world, event_id, PARTNER_A) == (1, 0)
    assert outbox.send_due(world.vaults, served.settings, PARTNER_A).sent == 1
    [message] = mail_server.messages()
    text = text_of(message)
    assert fr("Will you come? Answer here:") in text
    link = re.search(r"(http://127\.0\.0\.1:\d+/rsvp/[\w.-]+)", text)
    assert link is not None
    page.goto(link.group(1))
    assert page.locator("html").get_attribute("lang") == "fr"
    tab_to(page, fr("Accept"))
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(
        has_text=fr("Thank you: your place is booked. We look forward to seeing you.")
    ).wait_for()
    page.screenshot(path=str(SCREENSHOTS / "rsvp-fr.png"), full_page=True)
    page.goto(f"{link.group(1)}?lang=en")
