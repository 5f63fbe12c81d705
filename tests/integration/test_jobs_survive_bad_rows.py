"""Every background job meets a bad row, notes it for staff and goes on with the others.

The bad rows are real: a partner registered in the hub whose vault was never made, a meeting
series whose rule no longer parses, and, on SQLite (which stores whatever it is given), a
timestamp column holding text that no longer reads as a time.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text, update

from concord import jobs
from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.governance.actions.jobs import remind_owners
from concord.governance.actions.models import ActionItem
from concord.governance.actions.services import add_action
from concord.governance.meetings import services as meetings
from concord.governance.meetings.jobs import materialise_series
from concord.governance.meetings.models import Meeting, MeetingSeries
from concord.mail.models import StaffMessage
from concord.partners.services import add_partner
from concord.problems import services as problems
from concord.problems.models import DataProblem
from concord.problems.rows import each_row
from concord.settings import Settings
from consent.audit.models import VaultAuditEntry
from consent.outbox.jobs import forget_expired_links, send_outboxes
from consent.retention.jobs import anonymise_past_retention
from outreach.calendar.evaluation import reevaluate_stale
from outreach.calendar.items import create_item, parse_item
from outreach.calendar.jobs import refresh_clashes, send_items
from outreach.calendar.models import ItemStatus, OutreachItem
from outreach.matching.jobs import run_queued_rounds
from outreach.matching.models import MatchingRound, RoundStatus
from outreach.matching.rounds import open_round
from tests.conftest import PARTNER_A, World
from tests.integration.test_calendar import MATCHING_SECRET, add_contacts, item_form
from tests.integration.test_calendar_sending import next_day, scheduled_item
from tests.mailserver import MailServer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(matching_secret=MATCHING_SECRET)


# Sorts before every other partner, so that the jobs meet it first.
NO_VAULT = "aardvark"


@pytest.fixture
def bound(world: World) -> World:
    jobs.bind(world.hub, **world.job_services())
    return world


def only_on_sqlite(world: World) -> None:
    if world.hub.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses text in a timestamp column: the bad row cannot exist")


def corrupt(world: World, table: str, column: str, row_id: object) -> None:
    """Store text where a timestamp belongs, as a damaged or hand-edited database might."""
    with world.hub.transaction() as session:
        session.execute(
            text(f"UPDATE {table} SET {column} = 'not a time' WHERE id = :id"), {"id": row_id}
        )


def open_problems(world: World, subject: str) -> dict[str, DataProblem]:
    with world.hub.transaction() as session:
        found = {p.subject_id: p for p in problems.open_problems(session) if p.subject == subject}
        session.expunge_all()
    return found


def a_partner_without_a_vault(world: World) -> None:
    with world.hub.transaction() as session:
        add_partner(
            session,
            slug=NO_VAULT,
            name="Aardvark Institute",
            country="NL",
            timezone="Europe/Amsterdam",
            actor="test",
        )


def secretariat(world: World) -> Viewer:
    with world.hub.transaction() as session:
        return Viewer.of(session.get_one(User, world.users["secretariat"]))


def test_a_failing_row_is_noted_once_logged_without_its_message_and_cleared_when_it_works(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    done: list[int] = []
    broken = {2}

    def work(row: int) -> bool:
        if row in broken:
            raise ValueError("secret@alpha.example cannot be parsed")
        done.append(row)
        return True

    caplog.set_level(logging.DEBUG, logger="concord.problems")
    with world.hub.transaction() as session:
        report = each_row(session, "test.job", "test row", [1, 2, 3], work, ident=str)
    assert (report.done, report.failed, done) == (2, 1, [1, 3])
    with world.hub.transaction() as session:
        each_row(session, "test.job", "test row", [2], work, ident=str)
    [problem] = open_problems(world, "test row").values()
    assert (problem.subject_id, problem.occurrences) == ("2", 2)
    assert problem.reason == "The job stopped on this row (ValueError)."
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # the second failure of the same row is not news
    assert "test row 2 skipped after ValueError" in warnings[0].getMessage()
    assert "secret@alpha.example" not in caplog.text

    broken.clear()
    with world.hub.transaction() as session:
        each_row(session, "test.job", "test row", [2], work, ident=str)
    assert open_problems(world, "test row") == {}


def test_a_savepoint_undoes_only_the_failed_rows_writes(world: World) -> None:
    def work(name: str) -> bool:
        session.add(StaffMessage(to_address=name, subject="s", text_body="t", html_body=""))
        session.flush()
        if name == "bad@x.example":
            raise RuntimeError("stop")
        return True

    with world.hub.transaction() as session:
        each_row(session, "test.job", "test row", ["a@x.example", "bad@x.example"], work, ident=str)
    with world.hub.transaction() as session:
        kept = set(session.scalars(select(StaffMessage.to_address)))
    assert kept == {"a@x.example"}


def test_a_series_whose_rule_no_longer_parses_does_not_stop_the_others(bound: World) -> None:
    world = bound
    viewer = secretariat(world)
    with world.hub.transaction() as session:
        ids = [
            meetings.add_series(
                session,
                viewer,
                title=title,
                rrule_text="FREQ=MONTHLY;BYDAY=1TU",
                first_date=(date.today() + timedelta(days=3)).isoformat(),
                start_time="10:00",
                duration="60",
                timezone="Europe/Brussels",
            ).id
            for title in ("Broken", "Steering group")
        ]
        session.execute(
            update(MeetingSeries).where(MeetingSeries.id == ids[0]).values(rrule="FREQ=NEVER")
        )
        # The steering group's later meetings are not rows yet: the job adds them.
        later = select(Meeting).where(
            Meeting.series_id == ids[1], Meeting.occurrence_date > date.today() + timedelta(60)
        )
        for meeting in session.scalars(later):
            session.delete(meeting)
        before = len(session.scalars(select(Meeting).filter_by(series_id=ids[1])).all())

    materialise_series()

    with world.hub.transaction() as session:
        after = len(session.scalars(select(Meeting).filter_by(series_id=ids[1])).all())
    assert after > before
    assert set(open_problems(world, "meeting series")) == {str(ids[0])}


def test_the_vault_jobs_go_on_to_the_next_partner_when_one_vault_fails(
    bound: World, mail_server: MailServer
) -> None:
    world = bound
    a_partner_without_a_vault(world)
    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example"])
    scheduled_item(world)
    settings = mail_server.settings(world.settings)
    jobs.bind(type(world.hub)(settings), **world.job_services(settings))
    send_items()  # the item's messages wait in partner A's outbox

    send_outboxes()
    forget_expired_links()
    anonymise_past_retention()

    assert sorted(r.rcpt_tos[0] for r in mail_server.received) == ["a1@x.example", "a2@x.example"]
    noted = open_problems(world, "partner vault")
    assert set(noted) == {NO_VAULT}
    assert noted[NO_VAULT].partner_slug == NO_VAULT
    with world.hub.transaction() as session:
        sources = set(session.scalars(select(DataProblem.source)))
    retained = set()
    for slug in (PARTNER_A, "bravo"):  # each vault's own chain records its own run
        with world.vaults.transaction(slug) as session:
            retained |= set(
                session.scalars(
                    select(VaultAuditEntry.object_ref).where(
                        VaultAuditEntry.action == "retention.anonymise"
                    )
                )
            )
    assert {"outbox.send", "links.expire", "retention.anonymise"} <= sources
    assert retained == {f"partner:{PARTNER_A}", "partner:bravo"}


def test_an_item_that_cannot_be_read_does_not_stop_the_calendar_jobs(
    bound: World, mail_server: MailServer
) -> None:
    world = bound
    only_on_sqlite(world)
    add_contacts(world, PARTNER_A, ["a1@x.example"])
    fields = parse_item(item_form(next_day()))
    # Months apart, so that evaluating the one never reads the other.
    later = parse_item(item_form(next_day() + timedelta(days=120)))
    broken = create_item(world.hub, world.directory, PARTNER_A, later, actor="user:1", form_key="")
    fine = create_item(world.hub, world.directory, PARTNER_A, fields, actor="user:1", form_key="")
    to_send = scheduled_item(world)
    with world.hub.transaction() as session:
        session.execute(update(OutreachItem).values(clashes_stale=True))
        session.execute(
            update(OutreachItem).where(OutreachItem.id == broken).values(status=ItemStatus.SENDING)
        )
    corrupt(world, "outreach_items", "ends_at", broken)
    settings = mail_server.settings(world.settings)
    jobs.bind(type(world.hub)(settings), **world.job_services(settings))

    refresh_clashes()
    send_items()
    send_outboxes()

    with world.hub.transaction() as session:
        query = select(OutreachItem.id, OutreachItem.clashes_stale)
        stale = dict(session.execute(query).all())
        sent = session.scalar(select(OutreachItem.status).where(OutreachItem.id == to_send))
    assert stale[fine] is False and stale[broken] is True
    assert sent is ItemStatus.SENT
    noted = open_problems(world, "outreach item")
    assert set(noted) == {broken}
    assert noted[broken].partner_slug == PARTNER_A
    with world.hub.transaction() as session:
        sources = set(session.scalars(select(DataProblem.source)))
    assert {"calendar.refresh_clashes", "calendar.send_items"} <= sources
    assert reevaluate_stale(world.hub) == 0  # still noted, still skipped, nothing raised


def test_an_owner_row_that_cannot_be_read_does_not_stop_the_reminders(bound: World) -> None:
    world = bound
    only_on_sqlite(world)
    soon = date.today() + timedelta(days=2)
    viewer = secretariat(world)
    with world.hub.transaction() as session:
        broken, fine = (
            add_action(
                session,
                viewer,
                title=f"Item for {owner}",
                owner=str(world.users[owner]),
                due_on=soon.isoformat(),
            ).id
            for owner in ("comms_b", "comms_a")
        )
    corrupt(world, "users", "created_at", world.users["comms_b"])

    remind_owners()

    with world.hub.transaction() as session:
        query = select(ActionItem.id, ActionItem.reminded_for)
        reminded = dict(session.execute(query).all())
        to = set(session.scalars(select(StaffMessage.to_address)))
    assert reminded[fine] == soon and reminded[broken] is None
    assert "comms@alpha.example" in to and "comms@bravo.example" not in to
    assert set(open_problems(world, "action item")) == {str(broken)}


def test_a_round_that_cannot_be_read_does_not_stop_the_queued_rounds(bound: World) -> None:
    world = bound
    only_on_sqlite(world)
    broken = open_round(world.hub, scope="all", actor="test")
    fine = open_round(world.hub, scope="all", actor="test")
    corrupt(world, "matching_rounds", "opened_at", broken)

    run_queued_rounds()

    with world.hub.transaction() as session:
        status = session.scalar(select(MatchingRound.status).where(MatchingRound.id == fine))
    assert status is RoundStatus.DONE
    assert set(open_problems(world, "matching round")) == {broken}
