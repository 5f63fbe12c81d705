"""The importer on real vaults: a messy file, merges, the ledger, re-imports, strict mode.

The web and CLI tests (``test_import_web.py``, ``test_import_cli.py``) reuse the messy file
and the vault set-up from here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consent.audit.models import VaultAuditEntry
from consent.contacts.models import Contact, Identifier
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.importing.models import BatchStatus, ImportBatch, RejectedRow
from consent.importing.report import report_csv
from consent.importing.services import Importer, ImportResult
from consent.importing.terms import check_terms
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState, CurrentConsent
from consent.purposes.models import Channel, LegalBasis
from consent.purposes.services import by_code
from consent.suppression.services import SuppressionKey, suppress
from tests.conftest import PARTNER_A, World

# The "Done when" file: a BOM, semicolons, national phone numbers with a country column,
# mixed-case emails, blank lines, a row with extra columns, an invalid email, a duplicate, a
# suppressed address, a quoted line break and a formula where a name should be.
MESSY_LINES = [
    "\ufeffE-Mail;Mobile;First name;Surname;Company;Country code;Category;Tags",  # 1
    "ada.lovelace@Example.ORG;030 1234567;Ada;Lovelace;Analytical Engines;DE;company;math",
    " GRACE.hopper@navy.example ;06 12 34 56 78;Grace;Hopper;US Navy;fr;public body;",  # 3
    "",  # 4: blank
    "alan@turing.example;;Alan;Turing;Bletchley Park;GB;;;extra;cells",  # 5: extra columns
    "not-an-email;;Bad;Row;;DE;;",  # 6: invalid email
    "ADA.LOVELACE@example.org;;Ada;Lovelace;;;;newtag",  # 7: duplicate of line 2
    "Blocked@Example.org;;Sup;Pressed;;;;",  # 8: suppressed
    '"katherine@nasa.example";"+1 757 864 1000";"Katherine";"Johnson";"NASA',  # 9
    'Langley";US;;',  # 10: the quoted line break
    ";0171 2345678;Phone;Only;;;;",  # 11: a national mobile number, partner's country
    ";;;;;;;",  # 12: blank cells only
    "=cmd|' /C calc'!A0@evil.example;;=HYPERLINK(\"http://x\");;;;;",  # 13: invalid, hostile
]
MESSY = ("\r\n".join(MESSY_LINES) + "\r\n").encode("utf-8")
MESSY_COUNTS = {"added": 3, "updated": 2, "rejected": 3, "suppressed": 1}
MESSY_REJECTED_LINES = [5, 6, 8, 13]
SUPPRESSED_EMAIL = "blocked@example.org"
KNOWN_EMAIL = "grace.hopper@navy.example"


def prepare_messy_vault(world: World, slug: str = PARTNER_A) -> int:
    """Grace is known already and Blocked is on the suppression list; returns Grace's id."""
    entry = clean(ContactInput(given_name="Grace", emails=[KNOWN_EMAIL]), "DE")
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(slug) as session:
        grace = save(session, entry, actor="test").contact.id
        key = SuppressionKey(world.settings, slug)
        suppress(session, key, [("email", SUPPRESSED_EMAIL)], reason="erased")
    return grace


def write(tmp_path: Path, content: bytes, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def run_import(
    world: World,
    path: Path,
    *,
    slug: str = PARTNER_A,
    basis: str = "legitimate_interest",
    purpose: str = "",
    strict: bool = False,
    workers: int | None = None,
) -> ImportResult:
    importer = Importer.for_partner(world.vaults, world.host, slug)
    facts, mapping = importer.read(path)
    with world.vaults.transaction(slug) as session:
        terms, _ = check_terms(
            session, lawful_basis=basis, source="stakeholder day 2026", purpose_code=purpose
        )
    opened = importer.open(facts, mapping, file_name=path.name, terms=terms, operator="user:7")
    return importer.run(opened.batch_id, path, strict=strict, workers=workers)


def counts(result: ImportResult) -> dict[str, int]:
    c = result.counts
    return {
        "added": c.added,
        "updated": c.updated,
        "rejected": c.rejected,
        "suppressed": c.suppressed,
    }


def test_messy_file_imports_with_the_right_counts(world: World, tmp_path: Path) -> None:
    grace = prepare_messy_vault(world)
    result = run_import(world, write(tmp_path, MESSY))
    assert result.status is BatchStatus.DONE
    assert counts(result) == MESSY_COUNTS
    with world.vaults.transaction(PARTNER_A) as session:
        batch = session.get_one(ImportBatch, result.batch_id)
        assert batch.total_rows == 9
        assert batch.lawful_basis is LegalBasis.LEGITIMATE_INTEREST
        assert batch.source == "stakeholder day 2026"
        rejected = session.scalars(
            select(RejectedRow).where(RejectedRow.batch_id == batch.id).order_by(RejectedRow.line)
        ).all()
        assert [r.line for r in rejected] == MESSY_REJECTED_LINES
        reasons = {r.line: r.reason for r in rejected}
        assert "10 cells" in reasons[5]
        assert reasons[6] == "email: invalid email address"
        assert reasons[8] == "suppressed"
        # Nothing of a suppressed person is kept, not even in the report.
        assert next(r for r in rejected if r.line == 8).row == "{}"
        assert json.loads(next(r for r in rejected if r.line == 6).row)["E-Mail"] == "not-an-email"

        emails = dict(session.execute(select(Identifier.value, Identifier.contact_id)).all())
        assert SUPPRESSED_EMAIL not in emails
        assert emails[KNOWN_EMAIL] == grace
        ada = session.get_one(Contact, emails["ada.lovelace@example.org"])
        assert ada.phones == ["+49301234567"]
        assert ada.tag_list == ["math", "newtag"]
        assert ada.organisation == "Analytical Engines"
        grace_contact = session.get_one(Contact, grace)
        assert grace_contact.phones == ["+33612345678"]  # national number read as French
        assert grace_contact.organisation == "US Navy"  # an empty field filled
        katherine = session.get_one(Contact, emails["katherine@nasa.example"])
        assert katherine.organisation.split() == ["NASA", "Langley"]
        phone_only = session.scalars(
            select(Contact)
            .join(Identifier, Identifier.contact_id == Contact.id)
            .where(Identifier.value == "+491712345678")
        ).one()
        assert phone_only.given_name == "Phone"
        assert session.scalar(select(func.count()).select_from(Contact)) == 4


def test_every_imported_contact_gets_a_ledger_entry(world: World, tmp_path: Path) -> None:
    prepare_messy_vault(world)
    result = run_import(world, write(tmp_path, MESSY))
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:CommunicationManagement")
        assert purpose is not None
        events = session.scalars(
            select(ConsentEvent).where(ConsentEvent.import_batch_id == result.batch_id)
        ).all()
        contacts = session.scalars(select(Contact.id)).all()
        assert {e.contact_id for e in events} == set(contacts)
        assert len(events) == len(contacts) * len(purpose.channel_list)
        for event in events:
            assert event.method is CollectionMethod.IMPORT
            assert event.state is ConsentState.GIVEN
            assert event.legal_basis is LegalBasis.LEGITIMATE_INTEREST
            assert event.purpose_id == purpose.id
            assert event.actor == "user:7"
            assert event.source == "stakeholder day 2026"
            assert event.notice_version == 1
            assert event.at is not None
        # The projection agrees with the ledger it summarises.
        projection = {
            (row.contact_id, row.purpose_id, row.channel): row.state
            for row in session.scalars(select(CurrentConsent))
        }
        assert projection == ledger.derive_current(session)


def test_reimporting_the_same_file_creates_no_twins(world: World, tmp_path: Path) -> None:
    prepare_messy_vault(world)
    path = write(tmp_path, MESSY)
    first = run_import(world, path)
    second = run_import(world, path)
    assert second.batch_id != first.batch_id
    assert counts(second) == {"added": 0, "updated": 5, "rejected": 3, "suppressed": 1}
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 4
        values = session.scalars(select(Identifier.value)).all()
        assert len(values) == len(set(values))
        # The second import is on the ledger too, once per contact and channel.
        second_events = session.scalar(
            select(func.count())
            .select_from(ConsentEvent)
            .where(ConsentEvent.import_batch_id == second.batch_id)
        )
        assert second_events == 4 * 2


def test_one_audit_entry_per_import_with_counts_only(world: World, tmp_path: Path) -> None:
    prepare_messy_vault(world)
    result = run_import(world, write(tmp_path, MESSY))
    with world.vaults.transaction(PARTNER_A) as session:
        entries = session.scalars(
            select(VaultAuditEntry).where(VaultAuditEntry.action == "contacts.import")
        ).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == "user:7"
    assert entry.object_ref == f"partner:{PARTNER_A}/import:{result.batch_id}"
    assert entry.detail == "status=done added=3 updated=2 rejected=3 suppressed=1"
    assert "@" not in entry.detail


def test_a_shared_phone_flags_but_never_merges(world: World, tmp_path: Path) -> None:
    content = (
        b"email,phone,given_name,family_name\n"
        b"reception@acme.example,+49 30 1234567,Front,Desk\n"
        b"ceo@acme.example,+49 30 1234567,Carla,Chief\n"
        b",+49 30 1234567,Paul,Porter\n"
        b",+49 30 1234567,Paul,Porter\n"
    )
    result = run_import(world, write(tmp_path, content))
    assert counts(result) == {"added": 3, "updated": 1, "rejected": 0, "suppressed": 0}
    assert result.flagged_duplicates == 3
    with world.vaults.transaction(PARTNER_A) as session:
        flags = session.scalars(select(Contact.possible_duplicate)).all()
    assert flags == [True, True, True]


def test_an_import_never_overrides_a_withdrawal(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, b"email\nada@example.org\n")
    run_import(world, path)
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:CommunicationManagement")
        assert purpose is not None
        contact_id = session.scalars(select(Contact.id)).one()
        ledger.append(
            session,
            contact_id=contact_id,
            purpose=purpose,
            channel=Channel.EMAIL,
            state=ConsentState.WITHDRAWN,
            method=CollectionMethod.PREFERENCE_CENTRE,
            actor="stakeholder",
        )
    run_import(world, path)
    with world.vaults.transaction(PARTNER_A) as session:
        now = ledger.current(session, contact_id)
        assert now[(purpose.id, Channel.EMAIL)] is ConsentState.WITHDRAWN
        assert now[(purpose.id, Channel.POST)] is ConsentState.GIVEN


def test_a_consent_purpose_takes_only_consent_lists(world: World) -> None:
    from concord.errors import InvalidInput

    with world.vaults.transaction(PARTNER_A) as session, pytest.raises(InvalidInput) as caught:
        check_terms(
            session,
            lawful_basis="legitimate_interest",
            source="fair",
            purpose_code="dpv:DirectMarketing",
        )
    assert "lawful_basis" in caught.value.errors
    with world.vaults.transaction(PARTNER_A) as session, pytest.raises(InvalidInput) as caught:
        check_terms(session, lawful_basis="whim", source=" ", purpose_code="dpv:Nothing")
    assert set(caught.value.errors) == {"lawful_basis", "source", "purpose"}


def test_strict_imports_nothing_when_a_row_is_rejected(world: World, tmp_path: Path) -> None:
    prepare_messy_vault(world)
    path = write(tmp_path, MESSY)
    result = run_import(world, path, strict=True)
    assert result.refused
    assert result.refused_rows == 3
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1  # Grace only
        batch = session.get_one(ImportBatch, result.batch_id)
        assert batch.status is BatchStatus.FAILED
        assert "strict" in batch.error
        lines = session.scalars(
            select(RejectedRow.line).where(RejectedRow.batch_id == batch.id)
        ).all()
        assert sorted(lines) == [5, 6, 13]
    # Without --strict, the same file continues the same batch, and nothing is doubled.
    again = run_import(world, path)
    assert again.batch_id == result.batch_id
    assert counts(again) == MESSY_COUNTS
    with world.vaults.transaction(PARTNER_A) as session:
        lines = session.scalars(
            select(RejectedRow.line).where(RejectedRow.batch_id == again.batch_id)
        ).all()
        assert sorted(lines) == MESSY_REJECTED_LINES


def test_a_clean_file_passes_strict(world: World, tmp_path: Path) -> None:
    result = run_import(
        world, write(tmp_path, b"email\na@example.org\nb@example.org\n"), strict=True
    )
    assert result.status is BatchStatus.DONE
    assert result.counts.added == 2


def test_worker_processes_check_rows_as_the_importer_does(world: World, tmp_path: Path) -> None:
    """The multi-process path, forced on a small file: three copies of the messy rows."""
    prepare_messy_vault(world)
    header, _, body = MESSY.partition(b"\r\n")
    result = run_import(world, write(tmp_path, header + b"\r\n" + body * 3), workers=2)
    assert counts(result) == {"added": 3, "updated": 12, "rejected": 9, "suppressed": 3}


def test_the_report_lists_every_rejected_row_in_line_order(world: World, tmp_path: Path) -> None:
    """Long enough to be read in several pages and written in several blocks."""
    lines = ["email,given_name"] + [f"broken-{n},Name {n}" for n in range(4_500)]
    lines.insert(3000, "")  # a blank line shifts the later line numbers
    result = run_import(world, write(tmp_path, "\n".join(lines).encode()))
    assert result.counts.rejected == 4_500
    importer = Importer.for_partner(world.vaults, world.host, PARTNER_A)
    rows = list(csv.reader(io.StringIO(report_csv(lambda: importer.rejected(result.batch_id)))))
    assert rows[0] == ["line", "reason", "email", "given_name"]
    numbers = [int(row[0]) for row in rows[1:]]
    assert numbers == [*range(2, 3001), *range(3002, 4503)]
    assert rows[1][2:] == ["broken-0", "Name 0"]
