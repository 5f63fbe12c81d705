"""The one outbox engine, run on both of its tables: the hub's staff mail and a vault's outbox.

Every test runs once per outbox, through the outbox's own send function, against the real
database and a real SMTP server on loopback, so the two cannot drift apart again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from concord.accounts import password_resets
from concord.db import utcnow
from concord.mail.delivery import STAFF_OUTBOX, send_staff_outbox
from concord.mail.engine import MAX_ATTEMPTS, MessageStatus, Outbox, SendReport, retry_delay
from concord.mail.models import StaffMessage
from concord.settings import Settings
from consent.outbox import services as vault_outbox
from tests.conftest import EMAILS, PARTNER_A, World
from tests.integration.stakeholders import add_contact, queue_newsletter
from tests.mailserver import MailServer

STALE_CLAIM_SECONDS = 30


@dataclass(frozen=True)
class Row:
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None
    message_id: str | None
    last_error: str


@dataclass
class Box:
    """One outbox as these tests drive it: queue a message, send what is due, read a row."""

    outbox: Outbox
    transaction: Callable[[], AbstractContextManager[Session]]
    queue: Callable[[], int]
    send: Callable[[Settings, datetime | None], SendReport]

    def row(self, row_id: int) -> Row:
        model = self.outbox.model
        columns = (model.status, model.attempts, model.next_attempt_at, model.message_id)
        with self.transaction() as session:
            found = session.execute(
                select(*columns, model.last_error).where(model.id == row_id)
            ).one()
        return Row(*found)

    def change(self, row_id: int, **values: Any) -> None:
        model = self.outbox.model
        with self.transaction() as session:
            session.execute(update(model).where(model.id == row_id).values(**values))


def _staff(world: World) -> Box:
    def queue() -> int:
        with world.hub.transaction() as session:
            password_resets.request_reset(session, world.settings, EMAILS["comms_a"])
            return int(session.scalar(select(func.max(StaffMessage.id))) or 0)

    def send(settings: Settings, now: datetime | None) -> SendReport:
        return send_staff_outbox(world.hub, settings, now=now)

    return Box(STAFF_OUTBOX, world.hub.transaction, queue, send)


def _vault(world: World) -> Box:
    contact_id = add_contact(world)

    def send(settings: Settings, now: datetime | None) -> SendReport:
        return vault_outbox.send_due(world.vaults, settings, PARTNER_A, now=now)

    return Box(
        vault_outbox.OUTBOX,
        partial(world.vaults.transaction, PARTNER_A),
        lambda: queue_newsletter(world, contact_id),
        send,
    )


@pytest.fixture(params=["staff", "vault"])
def box(request: pytest.FixtureRequest, world: World) -> Box:
    return _staff(world) if request.param == "staff" else _vault(world)


@pytest.fixture
def smtp(world: World, mail_server: MailServer) -> Settings:
    """The world's settings pointed at the loopback server, with a short stale claim."""
    return mail_server.settings(world.settings).with_changes(
        outbox_stale_claim_seconds=STALE_CLAIM_SECONDS
    )


def test_a_message_is_delivered_once_with_its_message_id(
    box: Box, smtp: Settings, mail_server: MailServer
) -> None:
    row_id = box.queue()
    assert box.send(smtp, None) == SendReport(sent=1)
    assert box.send(smtp, None) == SendReport()
    [message] = mail_server.messages()
    row = box.row(row_id)
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.SENT, 1, "")
    assert message["Message-ID"] == row.message_id


def test_a_claimed_message_is_claimed_by_one_sender_only(box: Box, smtp: Settings) -> None:
    row_id = box.queue()
    now = utcnow()
    with box.transaction() as session:
        [first] = box.outbox.claim_due(session, smtp, now, 10)
    with box.transaction() as session:
        assert box.outbox.claim_due(session, smtp, now, 10) == []
    message_id = box.row(row_id).message_id
    assert message_id

    # Once the first claim is stale another sender takes it over; the first sender, late,
    # can no longer record an outcome over the new claim's.
    later = now + timedelta(seconds=STALE_CLAIM_SECONDS + 1)
    with box.transaction() as session:
        [second] = box.outbox.claim_due(session, smtp, later, 10)
    assert (second.id, second.attempt) == (first.id, 2)
    with box.transaction() as session:
        assert not box.outbox.settle(session, first, status=MessageStatus.FAILED)
    with box.transaction() as session:
        assert box.outbox.settle(session, second, status=MessageStatus.SENT)
    row = box.row(row_id)
    assert (row.status, row.attempts, row.message_id) == (MessageStatus.SENT, 2, message_id)


def test_concurrent_senders_deliver_each_message_once(
    box: Box, smtp: Settings, mail_server: MailServer
) -> None:
    rows = [box.queue() for _ in range(12)]
    reports: list[SendReport] = []
    start = threading.Barrier(3)

    def sender() -> None:
        start.wait()
        reports.append(box.send(smtp, None))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(report.sent for report in reports) == len(rows)
    ids = [str(message["Message-ID"]) for message in mail_server.messages()]
    assert sorted(ids) == sorted(str(box.row(row_id).message_id) for row_id in rows)
    assert {box.row(row_id).attempts for row_id in rows} == {1}


def test_a_stale_claim_is_sent_again_with_the_same_message_id(
    box: Box, smtp: Settings, mail_server: MailServer
) -> None:
    """A sender killed between sending and recording: the retry keeps the Message-ID."""
    row_id = box.queue()
    assert box.send(smtp, None).sent == 1
    now = utcnow()
    box.change(row_id, status=MessageStatus.SENDING, claimed_at=now)
    # A fresh claim belongs to a sender still at work: left alone.
    assert box.send(smtp, now + timedelta(seconds=STALE_CLAIM_SECONDS - 5)) == SendReport()
    # Past Settings.outbox_stale_claim_seconds it is sent again.
    assert box.send(smtp, now + timedelta(seconds=STALE_CLAIM_SECONDS + 5)).sent == 1
    first, second = mail_server.messages()
    assert first["Message-ID"] == second["Message-ID"] == box.row(row_id).message_id
    assert box.row(row_id).status is MessageStatus.SENT


def test_a_busy_server_gets_retries_with_doubling_back_off(
    box: Box, smtp: Settings, mail_server: MailServer
) -> None:
    row_id = box.queue()
    mail_server.refuse_next = 3
    now = utcnow()
    for attempt in (1, 2, 3):
        assert box.send(smtp, now) == SendReport(retrying=1)
        row = box.row(row_id)
        assert (row.status, row.attempts) == (MessageStatus.QUEUED, attempt)
        assert row.last_error.startswith("SMTP 451")
        assert row.next_attempt_at == now + retry_delay(attempt)
        assert retry_delay(attempt) == timedelta(minutes=2 ** (attempt - 1))
        # Not due yet: nothing is tried.
        assert box.send(smtp, now) == SendReport()
        now = row.next_attempt_at
    assert mail_server.refused == 3
    assert box.send(smtp, now).sent == 1
    [message] = mail_server.messages()
    assert message["Message-ID"] == box.row(row_id).message_id


def test_the_last_try_gives_up(box: Box, smtp: Settings, mail_server: MailServer) -> None:
    row_id = box.queue()
    box.change(row_id, attempts=MAX_ATTEMPTS - 2)
    mail_server.refuse_next = 2
    now = utcnow()
    assert box.send(smtp, now) == SendReport(retrying=1)
    assert box.row(row_id).next_attempt_at == now + retry_delay(MAX_ATTEMPTS - 1)
    # Due again at once: the staff outbox would otherwise give up on the message's age first.
    box.change(row_id, next_attempt_at=now)
    assert box.send(smtp, now) == SendReport(failed=1)
    row = box.row(row_id)
    assert (row.status, row.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert box.send(smtp, now + timedelta(days=1)) == SendReport()
    assert mail_server.received == []


def test_a_permanent_refusal_gives_up_at_once(
    box: Box, smtp: Settings, mail_server: MailServer
) -> None:
    row_id = box.queue()
    mail_server.refuse_next = 1
    mail_server.refusal = "550 5.1.1 Mailbox unavailable"
    assert box.send(smtp, None) == SendReport(failed=1)
    row = box.row(row_id)
    assert (row.status, row.attempts) == (MessageStatus.FAILED, 1)
    assert row.last_error.startswith("SMTP 550")
    assert "alpha" not in row.last_error and "ada" not in row.last_error.lower()
