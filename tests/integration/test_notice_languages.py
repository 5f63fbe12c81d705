"""A purpose's notice has a text per language within each version: stakeholders read it in
their language where it exists, and the consent ledger records which language they were shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from markupsafe import escape
from sqlalchemy import select

from concord.errors import InvalidInput
from consent.contacts.models import Contact
from consent.importing.services import Importer
from consent.importing.terms import check_terms
from consent.ledger.models import ConsentEvent
from consent.links import services as links
from consent.links.models import LinkKind
from consent.purposes.models import Purpose
from consent.purposes.services import STARTER_TRANSLATIONS, by_code, shown
from tests.conftest import PARTNER_A, World, post_form
from tests.integration.stakeholders import NEWSLETTER, add_contact, purpose_id

CONSULTATIONS = "dpv:PublicRelations"


def _centre(world: World, language: str) -> tuple[int, str]:
    contact_id = add_contact(world, consent_to=(NEWSLETTER,))
    with world.vaults.transaction(PARTNER_A) as session:
        session.get_one(Contact, contact_id).language = language
        return contact_id, links.issue(session, LinkKind.PREFERENCES, contact_id)


def _last_event(world: World, contact_id: int) -> ConsentEvent:
    with world.vaults.transaction(PARTNER_A) as session:
        event = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == contact_id)
            .order_by(ConsentEvent.id.desc())
        ).first()
        assert event is not None
        session.expunge(event)
        return event


def test_a_french_stakeholder_reads_the_french_notice_and_the_ledger_says_so(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id, token = _centre(world, "fr")
    name, text = STARTER_TRANSLATIONS[NEWSLETTER]["fr"]
    page = anonymous.get(f"/p/{token}")
    assert str(escape(name)) in page.text and str(escape(text)) in page.text
    withdrawn = post_form(
        anonymous,
        f"/p/{token}/consent",
        {"purpose": str(purpose_id(world, NEWSLETTER)), "channel": "email", "choice": "withdraw"},
    )
    assert withdrawn.status_code == 200
    event = _last_event(world, contact_id)
    assert (event.notice_version, event.notice_language) == (1, "fr")


def test_without_a_translation_the_notice_shows_in_its_own_language_and_is_recorded_so(
    world: World, anonymous: TestClient[Litestar], as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    admin = as_user("admin_a")
    purpose = purpose_id(world, NEWSLETTER)
    published = post_form(
        admin,
        f"/partners/{PARTNER_A}/purposes/{purpose}/notices",
        {"notice_text": "Our newsletter, now monthly. Withdraw with one click."},
    )
    assert published.status_code == 200
    contact_id, token = _centre(world, "de")
    page = anonymous.get(f"/p/{token}")
    assert 'lang="en">Our newsletter, now monthly.' in page.text  # marked as English
    post_form(
        anonymous,
        f"/p/{token}/consent",
        {"purpose": str(purpose), "channel": "email", "choice": "withdraw"},
    )
    event = _last_event(world, contact_id)
    assert (event.notice_version, event.notice_language) == (2, "en")

    # The admin adds the German text to version 2; the next German reader sees it.
    added = post_form(
        admin,
        f"/partners/{PARTNER_A}/purposes/{purpose}/notices/translations",
        {
            "translation_language": "de",
            "translation_name": "Newsletter",
            "translation_text": "Unser Newsletter, jetzt monatlich.",
        },
    )
    assert added.status_code == 200 and "translation was added" in added.text
    with world.vaults.transaction(PARTNER_A) as session:
        found = session.get_one(Purpose, purpose)
        assert shown(found, "de").text == "Unser Newsletter, jetzt monatlich."
        assert shown(found, "de").version == 2
        assert shown(found, "pt").language == "en"


def test_a_translation_is_refused_beside_its_fields_and_never_replaced(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    admin = as_user("admin_a")
    purpose = purpose_id(world, CONSULTATIONS)
    post_form(
        admin,
        f"/partners/{PARTNER_A}/purposes/{purpose}/notices",
        {"notice_text": "With your consent we invite you to consultations, surveys and panels."},
    )
    url = f"/partners/{PARTNER_A}/purposes/{purpose}/notices/translations"
    refused = post_form(
        admin, url, {"translation_language": "xx", "translation_name": "", "translation_text": ""}
    )
    assert refused.status_code == 400
    for field in ("translation_language", "translation_name", "translation_text"):
        assert f'id="e-{field}"' in refused.text, field
    french = {"translation_language": "fr", "translation_name": "Consultations"}
    added = post_form(admin, url, {**french, "translation_text": "Consultations et panels."})
    assert added.status_code == 200
    # French exists now: it cannot be replaced in this version.
    again = post_form(admin, url, {**french, "translation_text": "Autre chose."})
    assert again.status_code == 400 and "publish a new version" in again.text
    with world.vaults.transaction(PARTNER_A) as session:
        consultations = by_code(session, CONSULTATIONS)
        assert consultations is not None
        assert shown(consultations, "fr").text == "Consultations et panels."
    assert as_user("comms_a").post(url, data={}).status_code in (403, 404)


@pytest.mark.parametrize(
    ("basis", "given", "recorded"),
    [("consent", "fr", "fr"), ("consent", "", "en"), ("legitimate_interest", "fr", "")],
)
def test_an_import_records_the_language_its_source_showed_the_notice_in(
    world: World, tmp_path: Path, basis: str, given: str, recorded: str
) -> None:
    code = NEWSLETTER if basis == "consent" else "dpv:CommunicationManagement"
    csv = tmp_path / "list.csv"
    csv.write_text("email,given_name\nines@example.org,Inès\n", encoding="utf-8")
    with world.vaults.transaction(PARTNER_A) as session:
        terms, _ = check_terms(
            session,
            lawful_basis=basis,
            source="Forum 2026",
            purpose_code=code,
            notice_language=given,
        )
    result = Importer.for_partner(world.vaults, world.host, PARTNER_A).import_once(
        csv, terms=terms, operator="user:1"
    )
    assert result is not None
    with world.vaults.transaction(PARTNER_A) as session:
        events = session.scalars(
            select(ConsentEvent).where(ConsentEvent.source == "Forum 2026")
        ).all()
        assert events and {e.notice_language for e in events} == {recorded}


def test_an_import_refuses_an_unknown_notice_language(world: World) -> None:
    with world.vaults.transaction(PARTNER_A) as session, pytest.raises(InvalidInput) as refused:
        check_terms(
            session,
            lawful_basis="consent",
            source="Forum",
            purpose_code=NEWSLETTER,
            notice_language="klingon",
        )
    assert "notice_language" in refused.value.errors
