"""Erasure, objection, restriction, rectification and the copy of a person's data.

Erasure is tested the way the issue states it: afterwards, the vault's database file and its
write-ahead log hold no trace of the person's email address, phone number or name, and a
re-import of the address reports it as suppressed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Column, ForeignKey, Integer, String, Table, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from consent.audit.models import VaultAuditEntry
from consent.contacts.models import Contact, ContactChange, Identifier
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.db import VaultBase
from consent.importing.models import RejectedRow
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState, CurrentConsent
from consent.purposes.models import Channel, Purpose
from consent.purposes.services import by_code
from consent.rights import requests as tracking
from consent.rights.erasure import erase
from consent.rights.models import RequestStatus, RightsRequest
from consent.rights.restriction import is_sendable, set_restricted
from consent.rights.services import object_now
from consent.suppression.models import Suppression
from consent.suppression.services import SuppressionKey, suppressed
from tests.conftest import PARTNER_A, World, post_form
from tests.integration.test_import import run_import, write

Client = Callable[[str], TestClient[Litestar]]
CONTACTS = f"/partners/{PARTNER_A}/contacts"

EMAIL = "zebedee.quux@example.org"
PHONE = "+49309876543"
GIVEN, FAMILY = "Zebedee", "Quuxington"
FILE = (
    "E-Mail;Mobile;First name;Surname;Country code\r\n"
    f"{EMAIL};030 9876543;{GIVEN};{FAMILY};DE\r\n"
    # Rejected (the phone cannot be read), so kept as read in the import report.
    f"{EMAIL.upper()};no phone;{GIVEN};{FAMILY};DE\r\n"
    "someone.else@example.org;;Other;Person;DE\r\n"
).encode()


def person_id(world: World, email: str = EMAIL) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        found = session.scalar(select(Identifier.contact_id).where(Identifier.value == email))
    assert found is not None
    return found


@pytest.fixture
def later_tables(world: World) -> Iterator[tuple[Table, Table, Table]]:
    """Tables another feature might add later (an outbox and its attempts, invitations).

    They exist for this test only: added to the vault metadata and database, then removed.
    """
    metadata = VaultBase.metadata
    outbox = Table(
        "later_outbox",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer, ForeignKey("contacts.id")),
        Column("to_address", String(300)),
    )
    attempts = Table(
        "later_outbox_attempts",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("message_id", Integer, ForeignKey("later_outbox.id")),
        Column("transcript", String(300)),
    )
    invitations = Table(
        "later_invitations",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("contact_id", Integer),  # no foreign key at all
        Column("greeting", String(300)),
    )
    tables = (outbox, attempts, invitations)
    engine = world.vaults.engine(PARTNER_A)
    try:
        for table in tables:
            table.create(engine)
        yield tables
    finally:
        for table in reversed(tables):
            table.drop(engine, checkfirst=True)
            metadata.remove(table)


def vault_files(world: World) -> list[Path]:
    database = make_url(world.settings.vault_database_url(PARTNER_A)).database
    assert database
    path = Path(database)
    return [path, path.with_name(path.name + "-wal")]


def test_erasure_leaves_no_trace_in_the_vault_file(
    world: World,
    as_user: Client,
    tmp_path: Path,
    later_tables: tuple[Table, Table, Table],
) -> None:
    outbox, attempts, invitations = later_tables
    result = run_import(world, write(tmp_path, FILE))
    assert (result.counts.added, result.counts.rejected) == (2, 1)
    person = person_id(world)
    other = person_id(world, "someone.else@example.org")
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:DirectMarketing")
        assert purpose is not None
        ledger.append(
            session,
            contact_id=person,
            purpose=purpose,
            channel=Channel.EMAIL,
            state=ConsentState.GIVEN,
            method=CollectionMethod.FORM,
            actor="stakeholder",
            source=f"signup form of {GIVEN} {FAMILY}",
            evidence={"address": EMAIL},
        )
        session.add(ContactChange(contact_id=person, actor="user:1", summary="changed tags"))
        message = session.execute(
            insert(outbox).values(contact_id=person, to_address=EMAIL).returning(outbox.c.id)
        ).scalar_one()
        session.execute(insert(attempts).values(message_id=message, transcript=f"250 {EMAIL}"))
        session.execute(insert(invitations).values(contact_id=person, greeting=f"Dear {FAMILY}"))
        session.execute(insert(invitations).values(contact_id=other, greeting="Dear Person"))
        request_id = tracking.receive_request(
            session,
            contact_id=person,
            kind="erasure",
            verified_by="staff_by_letter",
            actor="user:1",
            note=f"letter signed {GIVEN} {FAMILY}",
        ).id
        pending_access = tracking.receive_request(
            session, contact_id=person, kind="access", verified_by="verified_email_code", actor="x"
        ).id
        ledger_entries = session.scalar(
            select(func.count()).select_from(ConsentEvent).where(ConsentEvent.contact_id == person)
        )
    assert ledger_entries and ledger_entries >= 2  # the import's and the form's

    admin = as_user("admin_a")
    url = f"/partners/{PARTNER_A}/requests/{request_id}"
    unconfirmed = post_form(admin, f"{url}/complete", {})
    assert unconfirmed.status_code == 400
    assert BeautifulSoup(unconfirmed.text, "html.parser").select_one("#e-confirm") is not None
    assert person_id(world) == person  # nothing erased yet

    done = post_form(admin, f"{url}/complete", {"confirm": "erase"}, follow_redirects=False)
    assert done.status_code == 303

    with world.vaults.transaction(PARTNER_A) as session:
        assert session.get(Contact, person) is None
        assert session.get(Contact, other) is not None
        for table in (outbox, attempts):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        assert session.scalars(select(invitations.c.contact_id)).all() == [other]
        tombstones = session.scalars(select(ConsentEvent).where(ConsentEvent.tombstone)).all()
        assert len(tombstones) == ledger_entries
        assert all(
            e.contact_id is None and e.evidence == "{}" and e.source == "" for e in tombstones
        )
        assert {e.actor for e in tombstones} == {"user:7", "erased"}  # the importer, the person
        assert (
            session.scalar(
                select(func.count())
                .select_from(CurrentConsent)
                .where(CurrentConsent.contact_id == person)
            )
            == 0
        )
        request = session.get_one(RightsRequest, request_id)
        assert request.status is RequestStatus.DONE
        assert request.contact_id is None and request.verification_note == ""
        assert request.outcome.startswith("erased: 1 contact(s) and ")
        access = session.get_one(RightsRequest, pending_access)
        assert access.status is RequestStatus.DONE and access.contact_id is None
        assert access.outcome == f"answered by erasure (request #{request_id})"
        assert {r.row for r in session.scalars(select(RejectedRow))} == {"{}"}
        key = SuppressionKey(world.settings, PARTNER_A)
        assert suppressed(session, key, [("email", EMAIL)])
        assert suppressed(session, key, [("phone", PHONE)])
        assert {s.reason for s in session.scalars(select(Suppression))} == {"erased"}

    with world.vaults.transaction(PARTNER_A) as session:
        entry = session.scalars(
            select(VaultAuditEntry).where(VaultAuditEntry.action == "rights.complete")
        ).one()
    assert entry.detail.startswith(f"request={request_id} kind=erasure contacts=1")

    if world.settings.vault_url_template is None:  # the files exist on SQLite only
        for path in vault_files(world):
            content = path.read_bytes() if path.exists() else b""
            for trace in (EMAIL, PHONE, PHONE[3:], GIVEN, FAMILY):
                found = trace.lower().encode() in content.lower()
                assert not found, f"{trace} is still in {path.name}"

    # The same address imported again is turned away as suppressed; so is the phone number.
    again = run_import(
        world,
        write(
            tmp_path,
            f"Email;Phone;Country\r\n{EMAIL};;DE\r\n;030 9876543;DE\r\n"
            f"{EMAIL};not a phone;DE\r\n".encode(),
            "again.csv",
        ),
    )
    assert again.counts.suppressed == 2
    assert again.counts.added == 0
    # A row rejected for another reason keeps its line and reason, but not the erased address.
    assert again.counts.rejected == 1
    if world.settings.vault_url_template is None:
        for path in vault_files(world):
            content = path.read_bytes() if path.exists() else b""
            assert EMAIL.lower().encode() not in content.lower(), path.name


def test_a_shared_phone_number_is_not_suppressed_for_the_others(world: World) -> None:
    entries = [
        clean(
            ContactInput(given_name=name, emails=[f"{name}@example.org"], phones=["030 1112223"]),
            "DE",
        )
        for name in ("ines", "jakob")
    ]
    with world.vaults.transaction(PARTNER_A) as session:
        ids = [
            save(session, e, actor="test").contact.id
            for e in entries
            if isinstance(e, CleanContact)
        ]
    key = SuppressionKey(world.settings, PARTNER_A)
    with world.vaults.transaction(PARTNER_A) as session:
        erased = erase(session, [ids[0]], key=key)
        assert erased.suppressed == 1
        assert suppressed(session, key, [("email", "ines@example.org")])
        assert not suppressed(session, key, [("phone", "+49301112223")])


def add_person(world: World, given: str = "Mira", family: str = "Okafor", **extra: object) -> int:
    entry = clean(
        ContactInput(
            given_name=given,
            family_name=family,
            emails=[f"{given.lower()}@example.org"],
            **extra,  # type: ignore[arg-type]
        ),
        "DE",
    )
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(PARTNER_A) as session:
        return save(session, entry, actor="test").contact.id


def give_consent(world: World, contact_id: int, code: str) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, code)
        assert purpose is not None
        for channel in purpose.channel_list:
            ledger.append(
                session,
                contact_id=contact_id,
                purpose=purpose,
                channel=channel,
                state=ConsentState.GIVEN,
                method=CollectionMethod.FORM,
                actor="stakeholder",
            )


def complete(world: World, as_user: Client, contact_id: int, kind: str) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        request_id = tracking.receive_request(
            session,
            contact_id=contact_id,
            kind=kind,
            verified_by="preference_centre_link",
            actor="stakeholder",
        ).id
    url = f"/partners/{PARTNER_A}/requests/{request_id}/complete"
    response = post_form(as_user("admin_a"), url, {}, follow_redirects=False)
    assert response.status_code == 303


def test_objection_suppresses_and_withdraws_direct_marketing_only(
    world: World, as_user: Client
) -> None:
    person = add_person(world)
    give_consent(world, person, "dpv:DirectMarketing")
    give_consent(world, person, "dpv:PublicRelations")
    complete(world, as_user, person, "objection")
    with world.vaults.transaction(PARTNER_A) as session:
        now = current_by_code(session, person)
        assert now[("dpv:DirectMarketing", Channel.EMAIL)] is ConsentState.WITHDRAWN
        assert now[("dpv:PublicRelations", Channel.EMAIL)] is ConsentState.GIVEN
        latest = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == person)
            .order_by(ConsentEvent.id.desc())
        ).first()
        assert latest is not None and latest.method is CollectionMethod.PREFERENCE_CENTRE
        assert latest.source == "objection to direct marketing"
        key = SuppressionKey(world.settings, PARTNER_A)
        assert suppressed(session, key, [("email", "mira@example.org")])
        assert session.get(Contact, person) is not None  # objecting is not erasure


def current_by_code(session: Session, contact_id: int) -> dict[tuple[str, Channel], ConsentState]:
    codes = {p.id: p.code for p in session.scalars(select(Purpose))}
    return {
        (codes[purpose_id], channel): state
        for (purpose_id, channel), state in ledger.current(session, contact_id).items()
    }


def test_restriction_keeps_the_contact_out_of_exports_and_sends(
    world: World, as_user: Client
) -> None:
    kept = add_person(world, "Jonas", "Berg")
    person = add_person(world)
    complete(world, as_user, person, "restriction")
    with world.vaults.transaction(PARTNER_A) as session:
        assert not is_sendable(session, person)
        assert is_sendable(session, kept)
        assert not is_sendable(session, 999_999)
    admin = as_user("admin_a")
    exported = admin.get(f"{CONTACTS}/export.csv").text
    assert "jonas@example.org" in exported and "mira@example.org" not in exported
    page = BeautifulSoup(admin.get(f"{CONTACTS}/{person}").text, "html.parser")
    state = page.select_one("#rights .restriction")
    assert state is not None and "restricted" in state.get_text()
    assert "not restricted" not in state.get_text()

    # The admin lifts it from the contact page; comms staff cannot.
    lift = {"restricted": "0"}
    comms = as_user("comms_a")
    assert post_form(comms, f"{CONTACTS}/{person}/restriction", lift).status_code == 403
    assert (
        post_form(
            admin, f"{CONTACTS}/{person}/restriction", lift, follow_redirects=False
        ).status_code
        == 303
    )
    with world.vaults.transaction(PARTNER_A) as session:
        assert is_sendable(session, person)
        changes = session.scalars(
            select(ContactChange.summary).where(ContactChange.contact_id == person)
        ).all()
        assert {"processing restricted", "restriction lifted"} <= set(changes)
    with world.vaults.transaction(PARTNER_A) as session:
        actions = set(session.scalars(select(VaultAuditEntry.action)))
    assert {"rights.complete", "rights.lift_restriction"} <= actions


def test_rectification_by_staff_is_recorded_and_audited(world: World, as_user: Client) -> None:
    person = add_person(world)
    admin = as_user("admin_a")
    form = {
        "given_name": "Mira",
        "family_name": "Okafor-Lind",
        "organisation": "",
        "country": "DE",
        "language": "",
        "category": "",
        "tags": "",
        "emails": "mira@example.org",
        "phones": "",
    }
    response = post_form(admin, f"{CONTACTS}/{person}/edit", form, follow_redirects=False)
    assert response.status_code == 303
    with world.vaults.transaction(PARTNER_A) as session:
        entry = session.scalars(
            select(VaultAuditEntry).where(VaultAuditEntry.action == "contacts.edit")
        ).one()
    assert entry.detail == "changed family_name, country"
    assert "Okafor" not in entry.detail and entry.object_ref == f"partner:{PARTNER_A}"


HOSTILE = '=HYPERLINK("http://x")'


def test_the_copy_of_the_data_holds_everything_in_three_formats(
    world: World, as_user: Client, later_tables: tuple[Table, Table, Table]
) -> None:
    outbox, _, invitations = later_tables
    person = add_person(world, "Ada", HOSTILE, phones=["030 1234567"], tags=["board"])
    give_consent(world, person, "dpv:DirectMarketing")
    with world.vaults.transaction(PARTNER_A) as session:
        session.execute(insert(outbox).values(contact_id=person, to_address="ada@example.org"))
        session.execute(insert(invitations).values(contact_id=person, greeting="Dear Ada"))
        tracking.receive_request(
            session, contact_id=person, kind="access", verified_by="verified_email_code", actor="x"
        )
    admin = as_user("admin_a")
    base = f"{CONTACTS}/{person}/data"

    document = admin.get(f"{base}.json")
    assert document.status_code == 200
    assert document.headers["cache-control"] == "no-store"
    assert "attachment" in document.headers["content-disposition"]
    sections = document.json()["sections"]
    assert sections["profile"]["records"][0]["family_name"] == HOSTILE
    assert {r["value"] for r in sections["identifiers"]["records"]} == {
        "ada@example.org",
        "+49301234567",
    }
    assert sections["tags"]["records"] == [{"tag": "board"}]
    history = sections["consent_history"]["records"]
    assert history[0]["purpose"] == "dpv:DirectMarketing" and history[0]["notice_version"] == "1"
    assert sections["notices"]["records"][0]["text"].startswith("With your consent")
    assert sections["purposes"]["records"][0]["legal_basis"] == "consent"
    assert sections["requests"]["records"][0]["identity_checked_by"] == "verified email code"
    # Tables found from the schema, not listed anywhere.
    assert sections["later_outbox"]["records"][0]["to_address"] == "ada@example.org"
    assert sections["later_invitations"]["records"][0]["greeting"] == "Dear Ada"
    rules = {r["purpose"]: r for r in sections["retention"]["records"]}
    assert "730 days" in rules["dpv:DirectMarketing"]["rule"]
    assert "24 months" in rules["(any)"]["rule"]

    rows = list(csv.reader(io.StringIO(admin.get(f"{base}.csv").text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "record", "field", "value"]
    values = {(r[0], r[2]): r[3] for r in rows[1:]}
    assert values[("profile", "family_name")] == "'" + HOSTILE
    assert values[("later_outbox", "to_address")] == "ada@example.org"

    page = BeautifulSoup(admin.get(base).text, "html.parser")
    shown = {str(s["data-section"]) for s in page.select("section[data-section]")}
    assert {"profile", "identifiers", "consent_history", "later_outbox", "retention"} <= shown
    assert as_user("comms_a").get(f"{base}.json").status_code == 403
    assert as_user("admin_b").get(f"{base}.json").status_code == 404
    with world.vaults.transaction(PARTNER_A) as session:
        details = list(
            session.scalars(
                select(VaultAuditEntry.detail).where(VaultAuditEntry.action == "rights.access_copy")
            )
        )
    assert len(details) == 3
    assert all(d.startswith("format=") and "Ada" not in d and "example" not in d for d in details)
    assert json.loads(document.text)["format"] == "concord-subject-data/1"


def test_an_objection_in_the_preference_centre_takes_effect_at_once(world: World) -> None:
    person = add_person(world)
    give_consent(world, person, "dpv:DirectMarketing")
    key = SuppressionKey(world.settings, PARTNER_A)
    with world.vaults.transaction(PARTNER_A) as session:
        request = object_now(
            session,
            contact_id=person,
            key=key,
            verified_by="preference_centre_link",
            actor="stakeholder",
        )
        assert request.status is RequestStatus.DONE and request.handled_by is None
        assert current_by_code(session, person)[("dpv:DirectMarketing", Channel.EMAIL)] is (
            ConsentState.WITHDRAWN
        )
        assert suppressed(session, key, [("email", "mira@example.org")])


def test_a_restricted_contact_is_left_out_of_matching_rounds(world: World) -> None:
    kept = add_person(world, "Jonas", "Berg")
    person = add_person(world)
    settings = world.settings.with_changes(matching_secret="m" * 40)
    with world.vaults.transaction(PARTNER_A) as session:
        set_restricted(session, session.get_one(Contact, person), True, actor="user:1")
    submission = world.ports(settings).vault(PARTNER_A).round_submission("r1", shared_categories=())
    assert len(submission.records) == 1
    assert kept != person
