"""The record of processing activities (GDPR Art. 30): generated from each partner's data."""

from __future__ import annotations

from collections.abc import Callable

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient

from concord.categories.services import ensure_shared_categories
from consent.categories.services import set_mappings
from consent.contacts.services import CleanContact, ContactInput, clean, save
from tests.conftest import PARTNER_A, PARTNER_B, World

Client = Callable[[str], TestClient[Litestar]]
PAGE = f"/partners/{PARTNER_A}/records-of-processing"


def test_the_record_is_built_from_the_partners_own_data(world: World, as_user: Client) -> None:
    with world.hub.transaction() as session:
        ensure_shared_categories(session)
    client = as_user("signatory_a")
    before = client.get(f"{PAGE}.json").json()
    names = {c["name"]: c["items"] for c in before["personal_data"]}
    assert "Identifiers" not in names  # nothing held yet, so nothing claimed

    entry = clean(
        ContactInput(
            given_name="Ada",
            organisation="Engines Ltd",
            category="Industry",
            emails=["ada@example.org"],
            phones=["030 1234567"],
        ),
        "DE",
    )
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(PARTNER_A) as session:
        save(session, entry, actor="test")
        set_mappings(session, {"Industry": "company"}, {"company"})

    document = client.get(f"{PAGE}.json").json()
    assert document["format"] == "concord-records-of-processing/1"
    assert document["controller"] == {
        "name": "Alpha Standards Body",
        "slug": "alpha",
        "country": "DE",
    }
    purposes = {p["code"]: p for p in document["purposes"]}
    assert purposes["dpv:DirectMarketing"]["legal_basis"] == "Consent"
    assert purposes["dpv:DirectMarketing"]["retention_days"] == 730
    assert document["legal_bases"] == ["Consent", "Legitimate interest"]
    assert document["data_subjects"] == [{"own": "Industry", "shared": "Company"}]
    data = {c["name"]: c["items"] for c in document["personal_data"]}
    assert data["Identifiers"] == ["email addresses", "phone numbers"]
    assert "organisation" in data["Profile"] and "family name" not in data["Profile"]
    assert document["transfers"] == []
    assert document["recipients"][0]["name"].startswith("The partnership hub")
    assert any("24 months" in r["rule"] for r in document["retention"])
    # From the running configuration: the tests' cheap argon2 parameters, https public URL.
    security = " ".join(document["security"])
    assert "argon2id (time cost 1, 8 KiB memory, 1 lanes)" in security
    assert "served over https" in security
    # Nothing about any person.
    assert "ada@example.org" not in client.get(f"{PAGE}.json").text

    other = as_user("comms_b").get(f"/partners/{PARTNER_B}/records-of-processing.json").json()
    assert other["controller"]["name"] == "Bravo Norms Office"
    assert other["data_subjects"] == []


def test_the_printable_page_and_who_may_read_it(world: World, as_user: Client) -> None:
    page = BeautifulSoup(as_user("comms_a").get(PAGE).text, "html.parser")
    sections = {str(s["data-section"]) for s in page.select("section[data-section]")}
    assert sections == {
        "controller",
        "purposes",
        "data_subjects",
        "personal_data",
        "recipients",
        "transfers",
        "retention",
        "security",
    }
    assert "Alpha Standards Body" in page.get_text()
    assert "None configured." in page.get_text()
    assert as_user("secretariat").get(PAGE).status_code == 404  # not its space
    assert as_user("admin_b").get(PAGE).status_code == 404
