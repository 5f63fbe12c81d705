"""Retention: who is due for anonymisation and why, the preview page, the run and the job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from concord import jobs
from concord.db import utcnow
from consent.audit.models import VaultAuditEntry
from consent.contacts.models import Contact, ContactChange
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.importing.models import ImportBatch, RejectedRow
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState
from consent.purposes.models import LegalBasis
from consent.purposes.services import by_code
from consent.retention.jobs import JOBS, anonymise_past_retention
from consent.retention.services import Reason, plan
from consent.rights import requests as tracking
from consent.suppression.services import SuppressionKey, suppressed
from tests.conftest import PARTNER_A, World, post_form

Client = Callable[[str], TestClient[Litestar]]
PAGE = f"/partners/{PARTNER_A}/retention"
LONG_AGO = timedelta(days=800)  # past the newsletter's 730 days


def person(
    world: World,
    name: str,
    *,
    age: timedelta,
    consent: dict[str, timedelta] | None = None,
    restricted: bool = False,
) -> int:
    """A contact last touched ``age`` ago, with consent recorded ``consent[code]`` ago."""
    entry = clean(ContactInput(given_name=name, emails=[f"{name}@example.org"]), "DE")
    assert isinstance(entry, CleanContact)
    then = utcnow() - age
    with world.vaults.transaction(PARTNER_A) as session:
        contact = save(session, entry, actor="test").contact
        for code, ago in (consent or {}).items():
            purpose = by_code(session, code)
            assert purpose is not None
            ledger.append(
                session,
                contact_id=contact.id,
                purpose=purpose,
                channel=purpose.channel_list[0],
                state=ConsentState.GIVEN,
                method=CollectionMethod.FORM,
                actor="stakeholder",
                at=utcnow() - ago,
            )
        session.execute(
            update(Contact)
            .where(Contact.id == contact.id)
            .values(created_at=then, updated_at=then, restricted=restricted)
        )
        session.execute(
            update(ContactChange).where(ContactChange.contact_id == contact.id).values(at=then)
        )
        return contact.id


def cast(world: World) -> dict[str, int]:
    """One contact for each case the rules distinguish."""
    newsletter = "dpv:DirectMarketing"
    engagement = "dpv:CommunicationManagement"
    people = {
        "expired": person(world, "expired", age=LONG_AGO, consent={newsletter: LONG_AGO}),
        "fresh": person(world, "fresh", age=LONG_AGO, consent={newsletter: timedelta(days=10)}),
        "inactive": person(world, "inactive", age=timedelta(days=26 * 31)),
        "recent": person(world, "recent", age=timedelta(days=45)),
        # The newsletter's period is over, engagement's is not: kept for engagement.
        "mixed": person(
            world,
            "mixed",
            age=LONG_AGO,
            consent={newsletter: LONG_AGO, engagement: timedelta(days=400)},
        ),
        "restricted": person(
            world, "restricted", age=LONG_AGO, consent={newsletter: LONG_AGO}, restricted=True
        ),
        "asking": person(world, "asking", age=LONG_AGO, consent={newsletter: LONG_AGO}),
    }
    with world.vaults.transaction(PARTNER_A) as session:
        tracking.receive_request(
            session,
            contact_id=people["asking"],
            kind="access",
            verified_by="verified_email_code",
            actor="stakeholder",
        )
    return people


def test_the_plan_names_who_is_due_and_why(world: World) -> None:
    people = cast(world)
    with world.vaults.transaction(PARTNER_A) as session:
        due = plan(session, inactive_months=24)
        assert due.due[Reason.PAST_RETENTION] == [people["expired"]]
        assert due.due[Reason.INACTIVE] == [people["inactive"]]
        assert (due.kept_restricted, due.kept_open_request) == (1, 1)
        # A longer inactivity period spares the inactive one; a shorter one catches more.
        assert plan(session, inactive_months=30).count(Reason.INACTIVE) == 0
        assert set(plan(session, inactive_months=1).due[Reason.INACTIVE]) == {
            people["inactive"],
            people["recent"],
            people["mixed"],
        }
        # Nothing was changed by planning.
        assert session.get(Contact, people["expired"]) is not None


def test_the_preview_page_counts_and_runs_on_confirmation(world: World, as_user: Client) -> None:
    people = cast(world)
    with world.vaults.transaction(PARTNER_A) as session:
        for age, name in ((timedelta(days=800), "old.csv"), (timedelta(days=5), "new.csv")):
            batch = ImportBatch(
                file_name=name,
                file_sha256=name * 4,
                lawful_basis=LegalBasis.LEGITIMATE_INTEREST,
                source="fair",
                operator="user:1",
                created_at=utcnow() - age,
            )
            session.add(batch)
            session.flush()
            session.add(RejectedRow(batch_id=batch.id, line=2, reason="bad", row='{"a": "b"}'))
    admin = as_user("admin_a")
    page = BeautifulSoup(admin.get(PAGE).text, "html.parser")
    counts = {
        str(row["data-reason"]): row.select("td")[-1].get_text(strip=True)
        for row in page.select("table.retention-preview tr[data-reason]")
    }
    assert counts == {
        "past_retention": "1",
        "inactive": "1",
        "kept_restricted": "1",
        "kept_open_request": "1",
    }
    assert "expired@example.org" not in admin.get(PAGE).text  # counts, never people

    refused = post_form(admin, f"{PAGE}/run", {})
    assert refused.status_code == 400
    assert BeautifulSoup(refused.text, "html.parser").select_one("#e-confirm") is not None

    done = post_form(admin, f"{PAGE}/run", {"confirm": "anonymise"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?anonymised=2")
    again = post_form(admin, f"{PAGE}/run", {"confirm": "anonymise"}, follow_redirects=False)
    assert again.headers["location"].endswith("?anonymised=0")

    with world.vaults.transaction(PARTNER_A) as session:
        left = set(session.scalars(select(Contact.id)))
        assert left == set(people.values()) - {people["expired"], people["inactive"]}
        assert session.scalar(select(ConsentEvent.id).where(ConsentEvent.tombstone)) is not None
        # Retention is not an objection: the address may come back.
        key = SuppressionKey(world.settings, PARTNER_A)
        assert not suppressed(session, key, [("email", "expired@example.org")])
    with world.vaults.transaction(PARTNER_A) as session:
        details = list(
            session.scalars(
                select(VaultAuditEntry.detail).where(
                    VaultAuditEntry.action == "retention.anonymise"
                )
            )
        )
    assert details[0] == (
        "past_retention=1 inactive=1 kept_restricted=1 kept_open_request=1 anonymised=2 rows=4 "
        "report_rows=1"
    )
    with world.vaults.transaction(PARTNER_A) as session:
        reports = dict(
            session.execute(
                select(ImportBatch.file_name, RejectedRow.row).join(
                    RejectedRow, RejectedRow.batch_id == ImportBatch.id
                )
            ).all()
        )
    assert reports == {"old.csv": "{}", "new.csv": '{"a": "b"}'}
    assert all("example" not in d for d in details)
    assert as_user("comms_a").get(PAGE).status_code == 403


def test_the_daily_job_runs_every_vault_and_is_idempotent(world: World) -> None:
    people = cast(world)
    assert JOBS == [
        ("retention.anonymise", "consent.retention.jobs:anonymise_past_retention", 86400)
    ]
    jobs.bind(world.hub, **world.job_services())
    anonymise_past_retention()
    anonymise_past_retention()
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.get(Contact, people["expired"]) is None
        assert session.get(Contact, people["fresh"]) is not None
    entries: list[VaultAuditEntry] = []
    for slug in (PARTNER_A, "bravo"):  # each vault's own chain records its own runs
        with world.vaults.transaction(slug) as session:
            entries += session.scalars(
                select(VaultAuditEntry).where(VaultAuditEntry.action == "retention.anonymise")
            ).all()
    by_partner = [(e.object_ref, e.detail.split(" anonymised=")[1].split()[0]) for e in entries]
    assert by_partner == [
        ("partner:alpha", "2"),
        ("partner:alpha", "0"),
        ("partner:bravo", "0"),
        ("partner:bravo", "0"),
    ]
    assert {e.actor for e in entries} == {"system:retention"}
