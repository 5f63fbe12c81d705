"""Sending scheduled email items: from the owner's outbox, at their time, to the audience as it
is then, over a real SMTP server on loopback; cancelling, withdrawals, the item page."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from sqlalchemy import func, select, update

from concord.audit.models import AuditEntry
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.mail.smtp import text_of
from consent.contacts.models import Contact, Identifier
from consent.ledger.models import CollectionMethod, ConsentState
from consent.ledger.services import append
from consent.outbox.models import MessageStatus, OutboxMessage
from consent.outbox.services import send_due
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from consent.suppression.services import SuppressionKey, suppress
from outreach.calendar.items import create_item, parse_item, update_item
from outreach.calendar.models import ItemSend, ItemStatus, OutreachItem
from outreach.calendar.sending import save_message, send_due_items
from tests.conftest import PARTNER_A, World, post_form
from tests.integration.test_calendar import PURPOSE, add_contacts, item_form
from tests.mailserver import MailServer

pytestmark = pytest.mark.crosses_boundary

SUBJECT = "Consultation on the energy standard"
BODY = "The draft is open for comments.\n\nTell us what you think by March."


def next_day() -> date:
    return date.today() + timedelta(days=1)


def time_passes(world: World, item_id: str) -> None:
    """The item's time comes: it was scheduled ahead (the only way), and now it is due."""
    now = utcnow()
    with world.hub.transaction() as session:
        session.execute(
            update(OutreachItem)
            .where(OutreachItem.id == item_id)
            .values(starts_at=now - timedelta(hours=1), ends_at=now)
        )


def scheduled_item(
    world: World,
    *,
    day: date | None = None,
    channel: str = "email",
    message: bool = True,
    partner: str = PARTNER_A,
) -> str:
    changes = {"status": "scheduled", "channel": channel}
    if channel == "phone":
        changes["purpose_code"] = "dpv:PublicRelations"  # a purpose with a phone channel
    fields = parse_item(item_form(day or next_day(), **changes))
    item_id = create_item(world.hub, world.directory, partner, fields, actor="user:1", form_key="")
    if day is None:
        time_passes(world, item_id)
    if message:
        save_message(world.hub, partner, item_id, SUBJECT, BODY, actor="user:1")
    return item_id


def item_row(world: World, item_id: str) -> tuple[OutreachItem, ItemSend | None]:
    with world.hub.transaction() as session:
        item = session.get_one(OutreachItem, item_id)
        row = session.get(ItemSend, item_id)
        session.expunge_all()
    return item, row


def recipients(mail_server: MailServer) -> Counter[str]:
    return Counter(r.rcpt_tos[0] for r in mail_server.received)


def contact_id_of(world: World, email: str) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        found = session.scalar(select(Identifier.contact_id).where(Identifier.value == email))
    assert found is not None
    return int(found)


def soup(response: Any) -> Any:
    return BeautifulSoup(response.text, "html.parser")


def test_a_scheduled_item_goes_to_its_audience_as_it_is_at_send_time(
    world: World, mail_server: MailServer
) -> None:
    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example", "a3@x.example"])
    add_contacts(world, PARTNER_A, ["no-consent@x.example"], consent=False)
    add_contacts(world, PARTNER_A, ["restricted@x.example"], restricted=True)
    item_id = scheduled_item(world)
    # Joined after the item was planned, before its time: the audience is resolved at send time.
    add_contacts(world, PARTNER_A, ["late@x.example", "suppressed@x.example"])
    with world.vaults.transaction(PARTNER_A) as session:
        key = SuppressionKey(world.settings, PARTNER_A)
        suppress(session, key, [("email", "suppressed@x.example")], "objection")
    settings = mail_server.settings(world.settings)

    assert send_due_items(world.hub, world.ports(settings)) == 1

    assert recipients(mail_server) == Counter(
        ["a1@x.example", "a2@x.example", "a3@x.example", "late@x.example"]
    )
    message = mail_server.received[0].message
    assert message["Subject"] == SUBJECT
    assert message["From"] == "Alpha Standards Body <concord@localhost>"
    assert str(message["List-Unsubscribe"]).startswith("<https://testserver.local/u/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = text_of(message)
    assert "Tell us what you think by March." in text
    assert "https://testserver.local/p/" in text
    item, row = item_row(world, item_id)
    assert item.status is ItemStatus.SENT
    assert row is not None
    assert (row.recipients, row.sent, row.failed, row.skipped) == (4, 4, 0, 0)
    assert row.finished_at is not None
    with world.vaults.transaction(PARTNER_A) as session:
        keys = set(session.scalars(select(OutboxMessage.idempotency_key)))
    assert keys == {
        f"item:{item.uid}:{contact_id_of(world, e)}"
        for e in ["a1@x.example", "a2@x.example", "a3@x.example", "late@x.example"]
    }
    # Nothing is due any more: another run sends nobody again.
    assert send_due_items(world.hub, world.ports(settings)) == 0
    assert len(mail_server.received) == 4


def test_items_not_due_without_a_message_or_not_email_are_not_sent(
    world: World, mail_server: MailServer
) -> None:
    add_contacts(world, PARTNER_A, ["a1@x.example"])
    future = scheduled_item(world, day=date.today() + timedelta(days=3))
    no_message = scheduled_item(world, message=False)
    settings = mail_server.settings(world.settings)

    send_due_items(world.hub, world.ports(settings))

    assert mail_server.received == []
    for item_id in (future, no_message):
        assert item_row(world, item_id)[0].status is ItemStatus.SCHEDULED
    phone = scheduled_item(world, channel="phone", message=False)
    with pytest.raises(InvalidInput, match="subject"):
        save_message(world.hub, PARTNER_A, phone, SUBJECT, BODY, actor="user:1")


def _hold_in_outbox(world: World, mail_server: MailServer) -> tuple[str, Any]:
    """An item whose messages are queued but not delivered yet (the server is busy)."""
    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example", "a3@x.example"])
    item_id = scheduled_item(world)
    settings = mail_server.settings(world.settings)
    mail_server.refuse_next = 1000
    send_due_items(world.hub, world.ports(settings))
    mail_server.refuse_next = 0
    assert mail_server.received == []
    item, row = item_row(world, item_id)
    assert item.status is ItemStatus.SENDING
    assert row is not None and row.recipients == 3
    return item_id, settings


def _due_now(world: World) -> None:
    """The busy server's back-off has passed."""
    with world.vaults.transaction(PARTNER_A) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))


def test_a_withdrawal_between_queueing_and_sending_is_respected(
    world: World, mail_server: MailServer
) -> None:
    item_id, settings = _hold_in_outbox(world, mail_server)
    withdrawn = contact_id_of(world, "a2@x.example")
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, PURPOSE)
        assert purpose is not None
        append(
            session,
            contact_id=withdrawn,
            purpose=purpose,
            channel=Channel.EMAIL,
            state=ConsentState.WITHDRAWN,
            method=CollectionMethod.STAFF,
            actor="test",
        )
        # Whatever the ledger did to the queue, the send-time check alone must hold.
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.contact_id == withdrawn)
            .values(status=MessageStatus.QUEUED, last_error="")
        )
    _due_now(world)

    send_due_items(world.hub, world.ports(settings))

    assert recipients(mail_server) == Counter(["a1@x.example", "a3@x.example"])
    item, row = item_row(world, item_id)
    assert item.status is ItemStatus.SENT
    assert row is not None
    assert (row.recipients, row.sent, row.failed, row.skipped) == (3, 2, 0, 1)


def test_cancelling_an_item_stops_its_unsent_messages(
    world: World, mail_server: MailServer, as_user: Any
) -> None:
    item_id, settings = _hold_in_outbox(world, mail_server)
    comms = as_user("comms_a")
    page = soup(comms.get(f"/partners/{PARTNER_A}/calendar/items/{item_id}"))
    version = page.find("input", attrs={"name": "version"})["value"]
    # While it sends, only cancelling is allowed.
    refused = post_form(
        comms,
        f"/partners/{PARTNER_A}/calendar/items/{item_id}",
        {**item_form(next_day(), status="planned"), "version": version},
    )
    assert refused.status_code == 400
    # The page offers cancelling only, in a form of its own.
    page = soup(comms.get(f"/partners/{PARTNER_A}/calendar/items/{item_id}"))
    assert page.find("form", class_="item-form") is None
    cancel_form = {
        field["name"]: field["value"]
        for field in page.find(id="cancel-sending").find_all("input")
        if field["name"] != "_csrf_token"
    }
    assert cancel_form["status"] == "cancelled"
    cancelled = post_form(
        comms,
        f"/partners/{PARTNER_A}/calendar/items/{item_id}",
        cancel_form,
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    with world.vaults.transaction(PARTNER_A) as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
    assert statuses == {MessageStatus.CANCELLED}
    _due_now(world)

    send_due_items(world.hub, world.ports(settings))

    assert mail_server.received == []
    item, _ = item_row(world, item_id)
    assert item.status is ItemStatus.CANCELLED


def test_the_item_page_chooses_the_message_and_shows_progress(
    world: World, mail_server: MailServer, as_user: Any, app: Litestar
) -> None:
    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example"])
    item_id = scheduled_item(world, message=False)
    comms = as_user("comms_a")
    path = f"/partners/{PARTNER_A}/calendar/items/{item_id}"
    page = soup(comms.get(path))
    assert page.find(id="message-missing") is not None

    empty = post_form(comms, f"{path}/message", {"subject": "", "body": ""})
    assert empty.status_code == 400
    errors = soup(empty)
    assert errors.find(id="e-m-subject") is not None
    assert errors.find(id="e-m-body") is not None
    for _ in range(2):  # posted twice: the same message, saved once
        saved = post_form(
            comms, f"{path}/message", {"subject": SUBJECT, "body": BODY}, follow_redirects=False
        )
        assert saved.status_code == 303
    page = soup(comms.get(path))
    assert page.find(id="message-missing") is None
    assert page.find(id="m-subject")["value"] == SUBJECT

    send_due_items(world.hub, world.ports(mail_server.settings(world.settings)))

    page = soup(comms.get(path))
    assert page.find(id="count-sent").get_text() == "2"
    assert page.find(id="count-recipients").get_text() == "2"
    assert "Sent" in page.find(id="send-state").get_text()
    # Sent: no polling, and the message is final.
    assert page.find(id="send-progress").get("hx-trigger") is None
    assert page.find(id="m-subject") is None
    assert page.find(id="message-subject").get_text() == SUBJECT
    fragment = comms.get(f"{path}/sending", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert soup(fragment).find(id="count-sent").get_text() == "2"
    # Another partner's staff: the item does not exist for them.
    assert as_user("comms_b").get(f"{path}/sending").status_code in (403, 404)


def test_a_sending_item_page_polls_and_says_when_it_is_not_sent_by_the_platform(
    world: World, mail_server: MailServer, as_user: Any
) -> None:
    item_id, _ = _hold_in_outbox(world, mail_server)
    comms = as_user("comms_a")
    progress = soup(comms.get(f"/partners/{PARTNER_A}/calendar/items/{item_id}")).find(
        id="send-progress"
    )
    assert progress["hx-trigger"].startswith("every")
    assert progress["hx-get"].endswith(f"/items/{item_id}/sending")
    assert progress.find(id="count-waiting").get_text() == "3"

    phone = scheduled_item(world, channel="phone", message=False)
    page = soup(comms.get(f"/partners/{PARTNER_A}/calendar/items/{phone}"))
    assert "not sent by the platform" in page.find(id="not-sent-by-platform").get_text()
    assert page.find(id="m-subject") is None


def test_restricted_after_queueing_is_left_out_too(world: World, mail_server: MailServer) -> None:
    item_id, settings = _hold_in_outbox(world, mail_server)
    with world.vaults.transaction(PARTNER_A) as session:
        contact = session.get_one(Contact, contact_id_of(world, "a3@x.example"))
        contact.restricted = True
    _due_now(world)
    send_due_items(world.hub, world.ports(settings))
    assert recipients(mail_server) == Counter(["a1@x.example", "a2@x.example"])
    assert item_row(world, item_id)[1] is not None


def test_a_stale_claim_of_a_cancelled_item_is_stopped(
    world: World, mail_server: MailServer
) -> None:
    """A worker died holding claims; the item is cancelled before the claims go stale."""
    item_id, settings = _hold_in_outbox(world, mail_server)
    long_ago = utcnow() - timedelta(seconds=world.settings.outbox_stale_claim_seconds + 60)
    with world.vaults.transaction(PARTNER_A) as session:
        session.execute(
            update(OutboxMessage).values(status=MessageStatus.SENDING, claimed_at=long_ago)
        )
    item, _ = item_row(world, item_id)
    fields = parse_item(item_form(next_day(), status="cancelled"))
    update_item(
        world.hub,
        world.directory,
        PARTNER_A,
        item_id,
        fields,
        expected_version=item.version,
        actor="user:1",
    )
    send_due_items(world.hub, world.ports(settings))
    assert send_due(world.vaults, settings, PARTNER_A).sent == 0
    assert mail_server.received == []


def test_two_workers_at_once_send_each_message_once(world: World, mail_server: MailServer) -> None:
    add_contacts(world, PARTNER_A, [f"p{n}@x.example" for n in range(40)])
    item_id = scheduled_item(world)
    settings = mail_server.settings(world.settings)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            send_due_items(world.hub, world.ports(settings))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    send_due_items(world.hub, world.ports(settings))

    assert errors == []
    assert set(recipients(mail_server).values()) == {1}
    assert len(recipients(mail_server)) == 40
    assert item_row(world, item_id)[0].status is ItemStatus.SENT
    with world.hub.transaction() as session:
        started = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "calendar.item.sending")
        )
    assert started == 1
