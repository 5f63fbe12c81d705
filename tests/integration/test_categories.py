"""Shared stakeholder categories (secretariat, hub) and each partner's mapping onto them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord.audit import chain
from concord.audit.models import AuditEntry
from concord.categories.services import all_categories, ensure_shared_categories
from consent.audit.models import VaultAuditEntry
from consent.categories.services import mappings
from consent.contacts.services import CleanContact, ContactInput, clean, save
from tests.conftest import PARTNER_A, World, post_form

SECRETARIAT = "/secretariat/categories"
MAPPING = f"/partners/{PARTNER_A}/categories"
Client = Callable[[str], TestClient[Litestar]]


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def add(world: World, email: str, category: str) -> None:
    entry = clean(ContactInput(given_name="X", emails=[email], category=category), "DE")
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(PARTNER_A) as session:
        save(session, entry, actor="test")


@pytest.fixture
def seeded(world: World) -> None:
    with world.hub.transaction() as session:
        ensure_shared_categories(session)


def test_the_starter_categories_are_seeded_once(world: World) -> None:
    for _ in range(2):
        with world.hub.transaction() as session:
            ensure_shared_categories(session)
    with world.hub.transaction() as session:
        slugs = sorted(c.slug for c in all_categories(session))
        assert chain.verify(session).ok
        seeded = session.scalars(select(AuditEntry).where(AuditEntry.action == "categories.add"))
        assert len(seeded.all()) == 5
    assert slugs == ["community", "company", "ngo", "public-body", "union"]


def test_the_secretariat_lists_and_adds_shared_categories(
    world: World, as_user: Client, seeded: None
) -> None:
    client = as_user("secretariat")
    names = [
        th.get_text(strip=True) for th in soup_of(client.get(SECRETARIAT).text).select("tbody th")
    ]
    assert names == ["Community", "Company", "NGO", "Public body", "Trade union"]
    form = {"name": "Academia", "slug": "academia", "description": "Universities"}
    response = post_form(client, SECRETARIAT, form, follow_redirects=False)
    assert response.status_code == 303
    names = [
        th.get_text(strip=True) for th in soup_of(client.get(SECRETARIAT).text).select("tbody th")
    ]
    assert "Academia" in names
    with world.hub.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.object_ref == "category:academia")
        ).one()
    assert entry.actor == f"user:{world.users['secretariat']}"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "Academia", "slug": "Academia!"}, "slug"),
        ({"name": "Other company", "slug": "company"}, "slug"),
        ({"name": "", "slug": "academia"}, "name"),
        ({"name": "NGO", "slug": "ngo-2"}, "name"),
    ],
)
def test_the_category_form_comes_back_with_its_error_beside_the_field(
    as_user: Client, seeded: None, form: dict[str, str], field: str
) -> None:
    response = post_form(as_user("secretariat"), SECRETARIAT, form)
    assert response.status_code == 400
    soup = soup_of(response.text)
    control = soup.select_one(f"#f-{field}")
    assert control is not None and control["aria-describedby"] == f"e-{field}"
    message = soup.select_one(f"#e-{field}")
    assert message is not None and message.get_text(strip=True)
    slug = soup.select_one("#f-slug")
    assert slug is not None and slug["value"] == form["slug"]


@pytest.mark.parametrize("who", ["comms_a", "admin_a", "signatory_a", "comms_b"])
def test_partner_staff_cannot_change_the_shared_list(as_user: Client, who: str) -> None:
    client = as_user(who)
    assert client.get(SECRETARIAT).status_code == 403
    assert post_form(client, SECRETARIAT, {"name": "X", "slug": "xx"}).status_code == 403


def test_an_admin_maps_the_partners_own_categories(
    world: World, as_user: Client, seeded: None
) -> None:
    add(world, "a@example.org", "Firms")
    add(world, "b@example.org", "Firms")
    add(world, "c@example.org", "Charities")
    client = as_user("admin_a")
    soup = soup_of(client.get(MAPPING).text)
    rows = {
        row.th.get_text(strip=True): row.select("td")[0].get_text(strip=True)
        for row in soup.select("tbody tr")
        if row.th is not None
    }
    assert rows == {"Charities": "1", "Firms": "2"}
    form = soup.select_one(f'form[action="{MAPPING}"]')
    assert form is not None
    fields = {str(i["name"]): str(i["value"]) for i in form.select('input[type="hidden"]')}
    by_name = {
        value: name.removeprefix("own-")
        for name, value in fields.items()
        if name.startswith("own-")
    }
    for select_ in form.select("select"):
        assert soup.select_one(f'label[for="{select_["id"]}"]') is not None
    chosen = {
        f"own-{by_name['Firms']}": "Firms",
        f"shared-{by_name['Firms']}": "company",
        f"own-{by_name['Charities']}": "Charities",
        f"shared-{by_name['Charities']}": "ngo",
    }
    response = post_form(client, MAPPING, chosen, follow_redirects=False)
    assert response.status_code == 303
    with world.vaults.transaction(PARTNER_A) as session:
        assert mappings(session) == {"Firms": "company", "Charities": "ngo"}
    with world.vaults.transaction(PARTNER_A) as session:
        entry = session.scalars(
            select(VaultAuditEntry).where(VaultAuditEntry.action == "categories.map")
        ).one()
    assert (entry.object_ref, entry.detail) == (f"partner:{PARTNER_A}", "changed=2")

    # Unmapping one, and a slug that is not on the shared list.
    unmap = {**chosen, f"shared-{by_name['Charities']}": ""}
    post_form(client, MAPPING, unmap)
    with world.vaults.transaction(PARTNER_A) as session:
        assert mappings(session) == {"Firms": "company"}
    bad = {**chosen, f"shared-{by_name['Firms']}": "no-such-category"}
    response = post_form(client, MAPPING, bad)
    assert response.status_code == 400
    message = soup_of(response.text).select_one(f"#e-shared-{by_name['Firms']}")
    assert message is not None and message.get_text(strip=True)
    with world.vaults.transaction(PARTNER_A) as session:
        assert mappings(session) == {"Firms": "company"}


def test_comms_staff_read_the_mapping_but_cannot_change_it(
    world: World, as_user: Client, seeded: None
) -> None:
    add(world, "a@example.org", "Firms")
    client = as_user("comms_a")
    soup = soup_of(client.get(MAPPING).text)
    assert soup.select_one("form select") is None
    assert [td.get_text(strip=True) for td in soup.select("tbody td")] == ["1", "not mapped"]
    response = post_form(client, MAPPING, {"own-1": "Firms", "shared-1": "company"})
    assert response.status_code == 403


def test_the_vault_home_counts_what_needs_attention(
    world: World, as_user: Client, seeded: None
) -> None:
    add(world, "a@example.org", "Firms")
    add(world, "b@example.org", "")
    soup = soup_of(as_user("comms_a").get(f"/partners/{PARTNER_A}/vault").text)
    cards = {
        card.h2.get_text(strip=True): card.get_text(" ", strip=True)
        for card in soup.select(".card")
        if card.h2
    }
    assert "2 contacts" in cards["Contacts"]
    assert "1 category not mapped" in cards["To check"]
    assert soup.select_one(f'a[href="/partners/{PARTNER_A}/contacts"]') is not None


def test_a_category_with_a_shared_name_is_suggested_but_not_saved(
    world: World, as_user: Client, seeded: None
) -> None:
    add(world, "a@example.org", "Public Body")
    add(world, "b@example.org", "Firms")
    soup = soup_of(as_user("admin_a").get(MAPPING).text)
    chosen = {
        row.th.get_text(strip=True): [o["value"] for o in row.select("option[selected]")]
        for row in soup.select("tbody tr")
        if row.th is not None
    }
    assert chosen == {"Firms": [], "Public Body": ["public-body"]}
    with world.vaults.transaction(PARTNER_A) as session:
        assert mappings(session) == {}


def test_without_shared_categories_there_is_nothing_to_map(world: World, as_user: Client) -> None:
    add(world, "a@example.org", "Firms")
    soup = soup_of(as_user("admin_a").get(MAPPING).text)
    assert soup.select_one("form select") is None
    status = soup.select_one('[role="status"]')
    assert status is not None and "not set up" in status.get_text()
