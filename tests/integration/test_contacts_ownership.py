"""Nobody but partner A's comms staff and admins sees, searches, exports or guesses A's contacts.

Partner B's staff, the secretariat and A's own signatory are tried by page, by search, by
export and by API, with A's real contact id and with guesses.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord.accounts import api_tokens
from concord.accounts.models import User
from consent.contacts.models import Contact
from consent.contacts.services import CleanContact, ContactInput, clean, save
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form

Client = Callable[[str], TestClient[Litestar]]
SECRET_NAME = "Zenobia"
SECRET_EMAIL = "zenobia.quill@alpha-stakeholder.example"
OUTSIDERS = ["comms_b", "admin_b", "secretariat", "signatory_a"]


def add(world: World, slug: str, given: str, email: str) -> int:
    entry = clean(ContactInput(given_name=given, family_name="Quill", emails=[email]), "DE")
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(slug) as session:
        return save(session, entry, actor="test").contact.id


def bearer(world: World, key: str) -> dict[str, str]:
    with world.hub.transaction() as session:
        _, clear = api_tokens.issue(session, session.get_one(User, world.users[key]), "test")
    return {"authorization": f"Bearer {clear}"}


@pytest.fixture
def secret(world: World) -> int:
    return add(world, PARTNER_A, SECRET_NAME, SECRET_EMAIL)


def leaks(text: str) -> bool:
    return SECRET_NAME.lower() in text.lower() or SECRET_EMAIL in text.lower()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_reach_a_contacts_by_page_search_or_export(
    as_user: Client, secret: int, who: str
) -> None:
    client = as_user(who)
    base = f"/partners/{PARTNER_A}/contacts"
    paths = [
        base,
        f"{base}?q={SECRET_NAME}",
        f"{base}/{secret}",
        f"{base}/{secret}/edit",
        f"{base}/export.csv",
        f"{base}/new",
        f"/partners/{PARTNER_A}/vault",
        f"/partners/{PARTNER_A}/categories",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in {403, 404}, (who, path)
        assert not leaks(response.text), (who, path)
    for path, form in [
        (f"{base}/{secret}/edit", {"given_name": "Hacked", "emails": SECRET_EMAIL}),
        (f"{base}/{secret}/consent", {"purpose_channel": "1:email", "state": "withdrawn"}),
        (f"{base}/new", {"given_name": "Planted", "emails": "planted@example.org"}),
    ]:
        assert post_form(client, path, form).status_code in {403, 404}, (who, path)


@pytest.mark.parametrize("who", ["comms_b", "admin_b"])
def test_partner_b_finds_nothing_of_a_in_its_own_vault(
    world: World, as_user: Client, secret: int, who: str
) -> None:
    client = as_user(who)
    base = f"/partners/{PARTNER_B}/contacts"
    # Ids are per vault: A's id, and any guess, finds nothing in B's empty vault.
    for guess in (secret, secret + 1, 1, 2, 999999):
        assert client.get(f"{base}/{guess}").status_code == 404, guess
    for query in (SECRET_NAME, SECRET_EMAIL, "quill", "alpha-stakeholder"):
        response = client.get(base, params={"q": query})
        assert response.status_code == 200
        # The search box shows what was typed; the results must hold nothing of A.
        results = BeautifulSoup(response.text, "html.parser").select_one("#contact-results")
        assert results is not None and not leaks(results.get_text())
        assert results.select("table.contacts tr") == []
    export = client.get(f"{base}/export.csv")
    assert export.status_code == 200 and not leaks(export.text)


def test_the_same_id_in_b_shows_bs_own_contact(world: World, as_user: Client, secret: int) -> None:
    own = add(world, PARTNER_B, "Bertrand", "bertrand@bravo-stakeholder.example")
    assert own == secret
    response = as_user("comms_b").get(f"/partners/{PARTNER_B}/contacts/{own}")
    assert response.status_code == 200
    heading = BeautifulSoup(response.text, "html.parser").select_one("h1")
    assert heading is not None and "Bertrand" in heading.get_text()
    assert not leaks(response.text)


def test_an_edit_in_b_never_touches_a(world: World, as_user: Client, secret: int) -> None:
    own = add(world, PARTNER_B, "Bertrand", "bertrand@bravo-stakeholder.example")
    form = {"given_name": "Changed", "emails": "bertrand@bravo-stakeholder.example"}
    response = post_form(
        as_user("comms_b"),
        f"/partners/{PARTNER_B}/contacts/{own}/edit",
        form,
        follow_redirects=False,
    )
    assert response.status_code == 303
    with world.vaults.transaction(PARTNER_A) as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.given_name == SECRET_NAME


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_reach_a_contacts_by_api(
    world: World, anonymous: TestClient[Litestar], secret: int, who: str
) -> None:
    headers = bearer(world, who)
    base = f"/api/v1/partners/{PARTNER_A}/contacts"
    for path in (base, f"{base}?q={SECRET_NAME}", f"{base}/{secret}"):
        response = anonymous.get(path, headers=headers)
        assert response.status_code in {403, 404}, (who, path)
        assert not leaks(response.text)
    if who in {"comms_b", "admin_b"}:
        own = f"/api/v1/partners/{PARTNER_B}/contacts"
        listed = anonymous.get(own, params={"q": SECRET_NAME}, headers=headers)
        assert listed.status_code == 200 and listed.json()["contacts"] == []
        assert anonymous.get(f"{own}/{secret}", headers=headers).status_code == 404


def test_a_staff_reach_their_contacts_by_api(
    world: World, anonymous: TestClient[Litestar], secret: int
) -> None:
    headers = bearer(world, "comms_a")
    base = f"/api/v1/partners/{PARTNER_A}/contacts"
    listed = anonymous.get(base, params={"q": "quill"}, headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert [c["emails"] for c in body["contacts"]] == [[SECRET_EMAIL]]
    assert body["next_after"] is None
    detail = anonymous.get(f"{base}/{secret}", headers=headers)
    assert detail.status_code == 200
    assert detail.json()["contact"]["given_name"] == SECRET_NAME
    assert {c["purpose"] for c in detail.json()["consent"]} >= {"dpv:DirectMarketing"}


def test_the_api_pages_with_after(world: World, anonymous: TestClient[Litestar]) -> None:
    for i in range(60):
        add(world, PARTNER_A, f"P{i:02d}", f"p{i}@example.org")
    headers = bearer(world, "admin_a")
    base = f"/api/v1/partners/{PARTNER_A}/contacts"
    first = anonymous.get(base, headers=headers).json()
    assert len(first["contacts"]) == 50 and first["next_after"] is not None
    second = anonymous.get(base, params={"after": first["next_after"]}, headers=headers).json()
    assert len(second["contacts"]) == 10 and second["next_after"] is None
    names = [c["given_name"] for c in first["contacts"] + second["contacts"]]
    assert names == [f"P{i:02d}" for i in range(60)]


def test_the_api_refuses_the_session_cookie(as_user: Client, secret: int) -> None:
    response = as_user("comms_a").get(f"/api/v1/partners/{PARTNER_A}/contacts/{secret}")
    assert response.status_code == 401
    assert not leaks(response.text)
