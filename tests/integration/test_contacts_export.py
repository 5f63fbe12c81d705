"""The CSV export: the partner's own contacts, safe in a spreadsheet, and audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from consent.audit import chain as vault_chain
from consent.audit.models import VaultAuditEntry
from consent.contacts.export import HEADER, neutralise
from consent.contacts.models import Contact
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from tests.conftest import PARTNER_A, World

EXPORT = f"/partners/{PARTNER_A}/contacts/export.csv"
Client = Callable[[str], TestClient[Litestar]]


def add(world: World, **fields: Any) -> int:
    entry = clean(ContactInput(**fields), "DE")
    assert isinstance(entry, CleanContact), entry
    with world.vaults.transaction(PARTNER_A) as session:
        return save(session, entry, actor="test").contact.id


def rows_of(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+49301234567", "'+49301234567"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe


def test_the_export_holds_the_partners_contacts_with_formulas_neutralised(
    world: World, as_user: Client
) -> None:
    evil = add(
        world,
        given_name="@SUM(1+1)",
        family_name="-Lovelace",
        organisation='=HYPERLINK("https://evil.example","x")',
        category="+company",
        emails=["ada@example.org"],
        phones=["030 1234567"],
        tags=["board"],
    )
    add(world, given_name="Grace", family_name="Hopper", emails=["grace@example.org"])
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:DirectMarketing")
        assert purpose is not None
        ledger.append(
            session,
            contact_id=evil,
            purpose=purpose,
            channel=Channel.EMAIL,
            state=ConsentState.GIVEN,
            method=CollectionMethod.STAFF,
            actor="test",
        )
    response = as_user("comms_a").get(EXPORT)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    rows = rows_of(response.text)
    assert list(rows[0]) == list(HEADER)
    by_email = {row["emails"]: row for row in rows}
    row = by_email["ada@example.org"]
    assert row["given_name"] == "'@SUM(1+1)"
    assert row["family_name"] == "'-Lovelace"
    assert row["organisation"] == '\'=HYPERLINK("https://evil.example","x")'
    assert row["category"] == "'+company"
    assert row["phones"] == "'+49301234567"
    assert row["tags"] == "board"
    assert row["consent"] == "dpv:DirectMarketing email: given"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert by_email["grace@example.org"]["consent"] == ""


def test_restricted_contacts_are_left_out(world: World, as_user: Client) -> None:
    kept = add(world, given_name="Grace", emails=["grace@example.org"])
    hidden = add(world, given_name="Ada", emails=["ada@example.org"])
    with world.vaults.transaction(PARTNER_A) as session:
        session.get_one(Contact, hidden).restricted = True
    rows = rows_of(as_user("comms_a").get(EXPORT).text)
    assert [row["emails"] for row in rows] == ["grace@example.org"]
    assert kept != hidden


def test_the_export_applies_the_lists_filters(world: World, as_user: Client) -> None:
    add(world, given_name="Ada", emails=["ada@example.org"], category="company")
    add(world, given_name="Grace", emails=["grace@example.org"], category="ngo")
    client = as_user("comms_a")
    assert [r["emails"] for r in rows_of(client.get(EXPORT, params={"category": "ngo"}).text)] == [
        "grace@example.org"
    ]
    assert [r["emails"] for r in rows_of(client.get(EXPORT, params={"q": "ada"}).text)] == [
        "ada@example.org"
    ]


def test_a_large_export_streams_every_row_in_name_order(world: World, as_user: Client) -> None:
    for i in range(1203):
        add(world, given_name=f"P{i:04d}", family_name="Same", emails=[f"p{i}@example.org"])
    rows = rows_of(as_user("comms_a").get(EXPORT).text)
    assert [r["given_name"] for r in rows] == [f"P{i:04d}" for i in range(1203)]


def test_every_export_is_recorded_in_the_audit_chain_with_its_row_count_only(
    world: World, as_user: Client
) -> None:
    add(world, given_name="Ada", family_name="Lovelace", emails=["ada@example.org"])
    add(world, given_name="Grace", family_name="Hopper", emails=["grace@example.org"])
    client = as_user("admin_a")
    client.get(EXPORT)
    client.get(EXPORT, params={"q": "lovelace"})
    with world.vaults.transaction(PARTNER_A) as session:
        entries = session.scalars(
            select(VaultAuditEntry)
            .where(VaultAuditEntry.action == "contacts.export")
            .order_by(VaultAuditEntry.seq)
        ).all()
        assert vault_chain.verify(session).ok
    assert [(e.actor, e.object_ref, e.detail) for e in entries] == [
        (f"user:{world.users['admin_a']}", f"partner:{PARTNER_A}", "rows=2"),
        (f"user:{world.users['admin_a']}", f"partner:{PARTNER_A}", "rows=1"),
    ]
    for entry in entries:
        recorded = f"{entry.actor} {entry.object_ref} {entry.detail}".lower()
        assert "lovelace" not in recorded and "@" not in recorded
