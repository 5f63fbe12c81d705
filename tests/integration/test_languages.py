"""Stakeholders are written to and served in their own language: a French contact gets French
mail (read back from the loopback SMTP server) and a French preference centre; a browser
asking for Spanish gets Spanish pages; ``?lang=de`` switches /u/ without a cookie; staff pages
not yet translated stay English, and say so in ``<html lang>``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient

from concord.mail.smtp import text_of
from concord.translations import translate
from consent.contacts.models import Contact
from consent.contacts.services import CleanContact, ContactInput, clean
from consent.links import services as links
from consent.links.models import LinkKind
from consent.outbox import services as outbox
from consent.purposes.models import Channel
from outreach.events import wording
from outreach.events.models import JointEvent
from tests.conftest import PARTNER_A, World, post_form
from tests.integration.stakeholders import NEWSLETTER, add_contact, purpose_id, queue_newsletter
from tests.mailserver import MailServer

PARTNER = "Alpha Standards Body"
# English texts of the preference centre that a French reader must not see.
CENTRE_TEXTS = [
    "What we may send you",
    "Your details",
    "Your rights",
    "Withdraw from everything",
    "Correct my details",
    "Object to direct marketing",
    "Skip to content",
]


def _speaking(world: World, language: str, email: str = "ada.lovelace@example.org") -> int:
    contact_id = add_contact(world, email)
    with world.vaults.transaction(PARTNER_A) as session:
        session.get_one(Contact, contact_id).language = language
    return contact_id


def _lang(page: str) -> str:
    html = BeautifulSoup(page, "html.parser").find("html")
    assert html is not None
    return str(html.get("lang"))


def _visible_text(page: str) -> str:
    return BeautifulSoup(page, "html.parser").get_text(" ", strip=True)


def test_a_french_contact_gets_french_mail_and_a_french_centre(
    world: World, mail_server: MailServer, anonymous: TestClient[Litestar]
) -> None:
    contact_id = _speaking(world, "fr")
    queue_newsletter(world, contact_id)
    assert outbox.send_due(world.vaults, mail_server.settings(world.settings), PARTNER_A).sent == 1

    [received] = mail_server.received
    text = text_of(received.message)
    assert text.startswith(translate("fr", "Dear %(name)s,", name="Ada"))
    assert translate("fr", "Choose what you receive from us:") in text
    assert "Choose what you receive" not in text
    html = received.message.get_body(preferencelist=("html",))
    assert html is not None and _lang(html.get_content()) == "fr"

    centre_url = re.search(r"https://testserver\.local(/p/\S+)", text)
    assert centre_url is not None
    page = anonymous.get(centre_url.group(1))
    assert page.status_code == 200
    assert _lang(page.text) == "fr"
    shown = _visible_text(page.text)
    assert translate("fr", "Your choices with %(partner)s", partner=PARTNER) in shown
    for english in CENTRE_TEXTS:
        assert english not in shown, english


def test_the_centre_follows_the_link_not_the_browser(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = _speaking(world, "pt")
    with world.vaults.transaction(PARTNER_A) as session:
        token = links.issue(session, LinkKind.PREFERENCES, contact_id)
    page = anonymous.get(f"/p/{token}", headers={"accept-language": "de"})
    assert _lang(page.text) == "pt"
    # The switcher is a plain link, and the choice lasts through a form and its redirect.
    switched = anonymous.get(f"/p/{token}?lang=es")
    assert _lang(switched.text) == "es"
    assert f'href="/p/{token}?lang=de"' in switched.text


def test_a_stakeholder_chooses_the_language_of_their_mail(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = _speaking(world, "en")
    with world.vaults.transaction(PARTNER_A) as session:
        token = links.issue(session, LinkKind.PREFERENCES, contact_id)
    saved = post_form(
        anonymous,
        f"/p/{token}/profile",
        {"given_name": "Ada", "family_name": "Lovelace", "organisation": "", "language": "es"},
    )
    assert saved.status_code == 200
    assert _lang(saved.text) == "es"
    assert translate("es", "Thank you: your details are corrected.") in saved.text
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.get_one(Contact, contact_id).language == "es"
    # Not a language we write in: nothing changes.
    post_form(anonymous, f"/p/{token}/profile", {"language": "klingon"})
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.get_one(Contact, contact_id).language == "es"


def test_a_spanish_browser_gets_spanish_pages(anonymous: TestClient[Litestar]) -> None:
    page = anonymous.get("/my-data", headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert _lang(page.text) == "es"
    assert translate("es", "Send me a code") in page.text
    assert "Accept-Language" in page.headers.get("vary", "")
    # A stakeholder path's error page speaks the same language, and leads to finding
    # one's data rather than to the staff sign-in.
    missing = anonymous.get("/p/no-such-link", headers={"accept-language": "es"})
    assert missing.status_code == 404
    assert _lang(missing.text) == "es"
    assert translate("es", "Page not found") in missing.text
    assert 'href="/my-data"' in missing.text and 'href="/"' not in missing.text.split("<main")[1]


def test_lang_switches_one_click_unsubscribe_without_a_cookie(world: World, app: Litestar) -> None:
    contact_id = _speaking(world, "fr")
    with world.vaults.transaction(PARTNER_A) as session:
        token = links.issue(
            session,
            LinkKind.UNSUBSCRIBE,
            contact_id,
            purpose_id=purpose_id(world, NEWSLETTER),
            channel=Channel.EMAIL,
        )
    # A fresh client with no cookie at all, as a mail client posting RFC 8058 would be.
    client = TestClient(app, base_url="https://testserver.local")
    asked = client.get(f"/u/{token}?lang=de")
    assert asked.status_code == 200
    assert _lang(asked.text) == "de"
    assert translate("de", "Unsubscribe") in asked.text
    assert "set-cookie" not in asked.headers
    done = client.post(f"/u/{token}?lang=de")
    assert done.status_code == 200
    assert _lang(done.text) == "de"
    assert translate("de", "You are unsubscribed") in done.text
    assert "set-cookie" not in done.headers
    # Without ?lang= the contact's own language answers.
    assert _lang(client.get(f"/u/{token}").text) == "fr"


def test_pages_not_yet_translated_stay_english_and_say_so(anonymous: TestClient[Litestar]) -> None:
    page = anonymous.get("/login", headers={"accept-language": "fr"})
    assert page.status_code == 200
    assert _lang(page.text) == "en"


@pytest.mark.parametrize(
    ("given", "stored"), [("fr", "fr"), ("fr-CA", "fr"), ("pt_BR", "pt"), ("", "")]
)
def test_a_contact_language_is_a_shipped_tag(given: str, stored: str) -> None:
    entry = clean(ContactInput(given_name="Ada", emails=["ada@example.org"], language=given), "DE")
    assert isinstance(entry, CleanContact)
    assert entry.language == stored


@pytest.mark.parametrize("given", ["xx", "français", "zh-Hans", "1234"])
def test_an_unknown_language_is_a_row_error(given: str) -> None:
    entry = clean(ContactInput(given_name="Ada", emails=["ada@example.org"], language=given), "DE")
    assert not isinstance(entry, CleanContact)
    assert "language" in entry.errors


def test_an_invitation_is_written_in_each_language_with_its_dates() -> None:
    event = JointEvent(
        title="Standards Day",
        description="",
        starts_at=datetime(2027, 3, 4, 9, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 4, 12, 0, tzinfo=UTC),
        registration_deadline=datetime(2027, 3, 1, 17, 0, tzinfo=UTC),
        timezone="Europe/Paris",
        venue="Salle 3",
        online_url="",
    )
    texts = wording.in_every_language(lambda language: wording.invitation(event, PARTNER, language))
    assert set(texts) == {"en", "fr", "es", "de", "pt"}
    subject, body = texts["fr"]
    assert "Standards Day" in subject and subject != texts["en"][0]
    assert "jeudi 4 mars 2027" in body  # the event's own day, in French, in its own zone
    assert "10:00" in body and "Europe/Paris" in body
    assert "Donnerstag, 4. März 2027" in texts["de"][1]
    assert "Thursday, March 4, 2027" in texts["en"][1]
