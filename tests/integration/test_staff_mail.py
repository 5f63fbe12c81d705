"""Staff mail (password resets) goes out over SMTP from the worker once SMTP is configured."""

from __future__ import annotations

from datetime import timedelta

from concord.accounts import password_resets
from concord.db import utcnow
from concord.mail.delivery import send_staff_outbox
from concord.mail.models import StaffMessage
from tests.conftest import EMAILS, World
from tests.mailserver import MailServer


def _request_reset(world: World) -> None:
    with world.hub.transaction() as session:
        password_resets.request_reset(session, world.settings, EMAILS["comms_a"])


def test_a_reset_mail_is_delivered_once_with_a_stable_message_id(
    world: World, mail_server: MailServer
) -> None:
    _request_reset(world)
    settings = mail_server.settings(world.settings)
    assert send_staff_outbox(world.hub, settings) == 1
    assert send_staff_outbox(world.hub, settings) == 0
    [message] = mail_server.messages()
    assert message["To"] == EMAILS["comms_a"]
    assert "/password-reset/" in str(message.get_body(preferencelist=("plain",)))
    with world.hub.transaction() as session:
        row = session.query(StaffMessage).one()
        assert (row.status, row.message_id) == ("sent", message["Message-ID"])


def test_a_busy_server_is_retried_and_old_mail_is_not_sent(
    world: World, mail_server: MailServer
) -> None:
    _request_reset(world)
    settings = mail_server.settings(world.settings)
    mail_server.refuse_next = 1
    now = utcnow()
    assert send_staff_outbox(world.hub, settings, now=now) == 0
    assert send_staff_outbox(world.hub, settings, now=now + timedelta(minutes=2)) == 1
    assert len(mail_server.received) == 1
    _request_reset(world)
    assert send_staff_outbox(world.hub, settings, now=utcnow() + timedelta(hours=2)) == 0
    with world.hub.transaction() as session:
        statuses = sorted(row.status for row in session.query(StaffMessage))
    assert statuses == ["failed", "sent"]


def test_the_demo_and_an_unconfigured_server_send_nothing(
    world: World, mail_server: MailServer
) -> None:
    _request_reset(world)
    assert send_staff_outbox(world.hub, world.settings) == 0
    demo = mail_server.settings(world.settings).with_changes(demo=True)
    assert send_staff_outbox(world.hub, demo) == 0
    assert mail_server.received == []
