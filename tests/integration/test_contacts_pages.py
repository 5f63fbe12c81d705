"""The contact page, adding and editing by hand, and consent recorded by staff."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup, Tag
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from consent.contacts.models import Contact, ContactChange
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from consent.suppression.services import SuppressionKey, suppress
from tests.conftest import PARTNER_A, World, post_form

BASE = f"/partners/{PARTNER_A}/contacts"
Client = Callable[[str], TestClient[Litestar]]


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text_at(node: Tag, selector: str) -> str:
    found = node.select_one(selector)
    assert found is not None, selector
    return found.get_text(strip=True)


def add(world: World, given: str, family: str, emails: list[str], phones: list[str]) -> int:
    entry = clean(
        ContactInput(given_name=given, family_name=family, emails=emails, phones=phones), "DE"
    )
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(PARTNER_A) as session:
        return save(session, entry, actor="test").contact.id


def contact_count(world: World) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        return session.scalar(select(func.count()).select_from(Contact)) or 0


def error_beside(soup: BeautifulSoup, field: str) -> str:
    """The message shown for ``field``, checked to be tied to the field it concerns."""
    control = soup.select_one(f"#f-{field}")
    assert isinstance(control, Tag), field
    assert f"e-{field}" in str(control.get("aria-describedby", "")), field
    assert control.get("aria-invalid") == "true", field
    message = soup.select_one(f"#e-{field}")
    assert message is not None, field
    return message.get_text(strip=True)


ADA = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "organisation": "Analytical Engines",
    "country": "GB",
    "language": "en",
    "category": "company",
    "tags": "board, maths",
    "emails": "Ada@Example.org\nada.l@example.org",
    "phones": "",
}


def test_adding_a_contact_leads_to_its_page(world: World, as_user: Client) -> None:
    client = as_user("comms_a")
    form = soup_of(client.get(f"{BASE}/new").text).select_one("form.contact-form")
    assert form is not None and form.select_one('input[name="_csrf_token"]') is not None
    response = post_form(client, f"{BASE}/new", ADA, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    soup = soup_of(page.text)
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Ada Lovelace"
    identifiers = [li.get_text(" ", strip=True) for li in soup.select("ul.identifiers li")]
    assert identifiers == ["email ada@example.org", "email ada.l@example.org"]
    assert [li.get_text(strip=True) for li in soup.select("ul.tags li")] == ["board", "maths"]
    facts = dict(
        zip(
            [dt.get_text(strip=True) for dt in soup.select("dl.facts dt")],
            [dd.get_text(strip=True) for dd in soup.select("dl.facts dd")],
            strict=False,
        )
    )
    assert facts["Organisation"] == "Analytical Engines"
    assert facts["Country"] == "GB"
    changes = soup.select("section[aria-labelledby=changes-heading] tbody tr")
    assert [row.select("td")[1].get_text(strip=True) for row in changes] == ["Comms A"]
    assert changes[0].select("td")[2].get_text(strip=True) == "added"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"emails": "not-an-address"}, "emails", "invalid email address"),
        ({"emails": "", "phones": ""}, "emails", "no email or phone number"),
        ({"phones": "12"}, "phones", "phone number"),
        ({"country": "XX"}, "country", "unknown country code"),
        ({"tags": "=cmd|x"}, "tags", "tags are words"),
        ({"given_name": "A" * 201}, "given_name", "longer than 200 characters"),
    ],
)
def test_the_add_form_comes_back_with_each_error_beside_its_field(
    world: World, as_user: Client, changes: dict[str, str], field: str, message: str
) -> None:
    response = post_form(as_user("comms_a"), f"{BASE}/new", {**ADA, **changes})
    assert response.status_code == 400
    soup = soup_of(response.text)
    assert message in error_beside(soup, field)
    # What was typed is still there.
    family = soup.select_one("#f-family_name")
    assert family is not None and family["value"] == "Lovelace"
    assert contact_count(world) == 0


def test_a_suppressed_address_cannot_be_added(world: World, as_user: Client) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        key = SuppressionKey(world.settings, PARTNER_A)
        suppress(session, key, [("email", "ada@example.org")], reason="erased")
    response = post_form(as_user("comms_a"), f"{BASE}/new", ADA)
    assert response.status_code == 400
    assert "suppression list" in error_beside(soup_of(response.text), "emails")
    assert contact_count(world) == 0


def test_a_suppressed_phone_cannot_be_added(world: World, as_user: Client) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        key = SuppressionKey(world.settings, PARTNER_A)
        suppress(session, key, [("phone", "+49301234567")], reason="objected")
    form = {**ADA, "country": "", "emails": "", "phones": "030 1234567"}
    response = post_form(as_user("comms_a"), f"{BASE}/new", form)
    assert response.status_code == 400
    assert "suppression list" in error_beside(soup_of(response.text), "phones")


def test_an_address_already_on_the_list_leads_to_its_contact(world: World, as_user: Client) -> None:
    existing = add(world, "Ada", "King", ["ada@example.org"], [])
    response = post_form(as_user("comms_a"), f"{BASE}/new", ADA)
    assert response.status_code == 400
    soup = soup_of(response.text)
    assert "exists already" in error_beside(soup, "emails")
    alert = soup.select_one('[role="alert"]')
    assert alert is not None
    assert alert.select_one(f'a[href="{BASE}/{existing}"]') is not None
    assert contact_count(world) == 1


@pytest.mark.parametrize(
    "form",
    [ADA, {**ADA, "emails": "", "phones": "+44 20 7946 0958"}],
    ids=["with email", "phone only"],
)
def test_sending_the_add_form_twice_makes_one_contact(
    world: World, as_user: Client, form: dict[str, str]
) -> None:
    client = as_user("comms_a")
    first = post_form(client, f"{BASE}/new", form, follow_redirects=False)
    second = post_form(client, f"{BASE}/new", form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert contact_count(world) == 1


def test_the_same_phone_with_another_name_is_a_possible_duplicate(
    world: World, as_user: Client
) -> None:
    client = as_user("comms_a")
    switchboard = "+44 20 7946 0958"
    for given in ("Ada", "Charles"):
        form = {**ADA, "given_name": given, "emails": "", "phones": switchboard}
        assert post_form(client, f"{BASE}/new", form, follow_redirects=False).status_code == 303
    assert contact_count(world) == 2
    listed = client.get(BASE, params={"duplicates": "1"})
    rows = soup_of(listed.text).select("table.contacts tbody tr")
    assert len(rows) == 2
    link = rows[0].select_one("th a")
    assert link is not None
    page = client.get(str(link["href"]))
    others = soup_of(page.text).select("section[aria-labelledby=identifiers-heading] ul a")
    assert len(others) == 1


def test_another_person_adding_the_same_phone_contact_is_told_it_exists(
    world: World, as_user: Client
) -> None:
    form = {**ADA, "emails": "", "phones": "+44 20 7946 0958"}
    assert post_form(as_user("comms_a"), f"{BASE}/new", form).status_code == 200
    response = post_form(as_user("admin_a"), f"{BASE}/new", form)
    assert response.status_code == 400
    assert "exists already" in error_beside(soup_of(response.text), "phones")
    assert contact_count(world) == 1


def test_editing_a_contact_records_the_change(world: World, as_user: Client) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    client = as_user("admin_a")
    form_page = soup_of(client.get(f"{BASE}/{contact_id}/edit").text)
    emails = form_page.select_one("#f-emails")
    assert emails is not None and emails.get_text() == "ada@example.org"
    changed = {**ADA, "family_name": "King", "emails": "ada@example.org", "phones": "020 7946 0958"}
    response = post_form(client, f"{BASE}/{contact_id}/edit", changed, follow_redirects=False)
    assert response.status_code == 303
    soup = soup_of(client.get(response.headers["location"]).text)
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Ada King"
    summaries = [
        row.select("td")[2].get_text(strip=True)
        for row in soup.select("section[aria-labelledby=changes-heading] tbody tr")
    ]
    assert summaries[0].startswith("changed ") and "family_name" in summaries[0]
    assert "added phone" in summaries[0]
    assert summaries[-1] == "added"


def test_the_edit_form_comes_back_with_its_errors_and_changes_nothing(
    world: World, as_user: Client
) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    add(world, "Charles", "Babbage", ["charles@example.org"], [])
    client = as_user("comms_a")
    cases = [
        ({"family_name": "King", "emails": "broken@"}, "emails", "invalid email address"),
        ({"family_name": "King", "emails": "charles@example.org"}, "emails", "Another contact"),
        ({"family_name": "King", "country": "ZZ"}, "country", "unknown country"),
    ]
    for changes, field, message in cases:
        response = post_form(client, f"{BASE}/{contact_id}/edit", {**ADA, **changes})
        assert response.status_code == 400
        soup = soup_of(response.text)
        assert message in error_beside(soup, field)
        family = soup.select_one("#f-family_name")
        assert family is not None and family["value"] == "King"
    with world.vaults.transaction(PARTNER_A) as session:
        contact = session.get_one(Contact, contact_id)
        assert contact.family_name == "Lovelace"
        assert contact.emails == ["ada@example.org"]
        changes_made = session.scalars(
            select(ContactChange.summary).where(ContactChange.contact_id == contact_id)
        ).all()
        assert changes_made == ["added"]


def test_an_edit_cannot_add_a_suppressed_identifier(world: World, as_user: Client) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    with world.vaults.transaction(PARTNER_A) as session:
        key = SuppressionKey(world.settings, PARTNER_A)
        suppress(session, key, [("email", "gone@example.org")], reason="erased")
    form = {**ADA, "emails": "ada@example.org\ngone@example.org"}
    response = post_form(as_user("comms_a"), f"{BASE}/{contact_id}/edit", form)
    assert response.status_code == 400
    assert "suppression list" in error_beside(soup_of(response.text), "emails")


def test_missing_contacts_are_not_found(as_user: Client) -> None:
    client = as_user("comms_a")
    assert client.get(f"{BASE}/424242").status_code == 404
    assert client.get(f"{BASE}/424242/edit").status_code == 404
    assert post_form(client, f"{BASE}/424242/edit", ADA).status_code == 404
    form = {"purpose_channel": "1:email", "state": "given"}
    assert post_form(client, f"{BASE}/424242/consent", form).status_code == 404


def _purpose_id(world: World, code: str) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, code)
        assert purpose is not None
        return purpose.id


def test_consent_recorded_by_staff_joins_the_timeline_and_the_projection(
    world: World, as_user: Client
) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    newsletter = _purpose_id(world, "dpv:DirectMarketing")
    client = as_user("comms_a")
    for state in ("given", "withdrawn"):
        form = {"purpose_channel": f"{newsletter}:email", "state": state, "source": "phone call"}
        response = post_form(client, f"{BASE}/{contact_id}/consent", form, follow_redirects=False)
        assert response.status_code == 303
    soup = soup_of(client.get(f"{BASE}/{contact_id}").text)

    entries = soup.select("ol.timeline > li")
    assert len(entries) == 2
    newest = entries[0]
    assert text_at(newest, ".state") == "withdrawn"
    details = dict(
        zip(
            [dt.get_text(strip=True) for dt in newest.select("dt")],
            [dd.get_text(strip=True) for dd in newest.select("dd")],
            strict=True,
        )
    )
    assert details["Method"] == "staff"
    assert details["Notice"] == "version 1"
    assert details["Source"] == "phone call"
    assert details["Recorded by"] == "Comms A"
    assert text_at(entries[1], ".state") == "given"
    times = [str(time["datetime"]) for entry in entries for time in entry.select("p > time")]
    assert times == sorted(times, reverse=True)

    rows = {
        (row.th.get_text(strip=True), row.select("td")[1].get_text(strip=True)): row.select("td")[
            2
        ].get_text(strip=True)
        for row in soup.select("#consent tbody tr")
        if row.th is not None
    }
    assert rows[("Newsletter and events", "email")] == "withdrawn"
    assert rows[("Stakeholder engagement", "post")] == "no record"

    with world.vaults.transaction(PARTNER_A) as session:
        now = ledger.current(session, contact_id)
        assert now[(newsletter, Channel.EMAIL)] is ConsentState.WITHDRAWN
        assert ledger.derive_current(session)[(contact_id, newsletter, Channel.EMAIL)] is (
            ConsentState.WITHDRAWN
        )
        events = ledger.history(session, contact_id)
        assert [e.method for e in events] == [CollectionMethod.STAFF] * 2
        assert all(e.actor == f"user:{world.users['comms_a']}" for e in events)


def test_recording_the_same_consent_twice_in_a_row_adds_one_entry(
    world: World, as_user: Client
) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    newsletter = _purpose_id(world, "dpv:DirectMarketing")
    client = as_user("comms_a")
    form = {"purpose_channel": f"{newsletter}:email", "state": "given"}
    for _ in range(2):
        post_form(client, f"{BASE}/{contact_id}/consent", form, follow_redirects=False)
    with world.vaults.transaction(PARTNER_A) as session:
        count = session.scalar(select(func.count()).where(ConsentEvent.contact_id == contact_id))
    assert count == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"purpose_channel": "", "state": "given"}, "purpose_channel"),
        # Newsletters go by email only: a phone channel is not one of its channels.
        ({"purpose_channel": "NEWSLETTER:phone", "state": "given"}, "purpose_channel"),
        ({"purpose_channel": "999:email", "state": "given"}, "purpose_channel"),
        ({"purpose_channel": "NEWSLETTER:email", "state": "expired"}, "state"),
        ({"purpose_channel": "NEWSLETTER:email", "state": "given", "source": "x" * 301}, "source"),
    ],
)
def test_the_consent_form_comes_back_with_its_error(
    world: World, as_user: Client, form: dict[str, str], field: str
) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    newsletter = _purpose_id(world, "dpv:DirectMarketing")
    form = {k: v.replace("NEWSLETTER", str(newsletter)) for k, v in form.items()}
    response = post_form(as_user("comms_a"), f"{BASE}/{contact_id}/consent", form)
    assert response.status_code == 400
    soup = soup_of(response.text)
    message = soup.select_one(f"#e-{field}")
    assert message is not None and message.get_text(strip=True)
    with world.vaults.transaction(PARTNER_A) as session:
        assert ledger.history(session, contact_id) == []


def test_a_later_notice_version_is_named_by_later_consent(world: World, as_user: Client) -> None:
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    newsletter = _purpose_id(world, "dpv:DirectMarketing")
    admin = as_user("admin_a")
    form = {"purpose_channel": f"{newsletter}:email", "state": "given"}
    post_form(admin, f"{BASE}/{contact_id}/consent", form)
    notice = {"notice_text": "Our newsletter, now monthly."}
    published = post_form(
        admin,
        f"/partners/{PARTNER_A}/purposes/{newsletter}/notices",
        notice,
        follow_redirects=False,
    )
    assert published.status_code == 303
    post_form(admin, f"{BASE}/{contact_id}/consent", {**form, "state": "withdrawn"})
    with world.vaults.transaction(PARTNER_A) as session:
        versions = [e.notice_version for e in ledger.history(session, contact_id)]
    assert versions == [2, 1]


def test_forms_that_can_come_back_with_errors_post_as_whole_pages(
    world: World, as_user: Client
) -> None:
    """htmx would drop a 400 answer to a boosted form, and with it the messages to show."""
    contact_id = add(world, "Ada", "Lovelace", ["ada@example.org"], [])
    purpose_id = _purpose_id(world, "dpv:DirectMarketing")
    client = as_user("admin_a")
    paths = [
        f"{BASE}/new",
        f"{BASE}/{contact_id}/edit",
        f"{BASE}/{contact_id}",
        f"/partners/{PARTNER_A}/purposes",
        f"/partners/{PARTNER_A}/purposes/{purpose_id}",
    ]
    for path in paths:
        forms = soup_of(client.get(path).text).select('main form[method="post"]')
        assert forms, path
        assert all(form.get("hx-boost") == "false" for form in forms), path
