"""Staff mail (password resets) goes out over SMTP from the worker once SMTP is configured.

What it shares with the vault outboxes is tested once for both in test_outbox_engine.py; here
is what is the staff outbox's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord.accounts import password_resets
from concord.db import utcnow
from concord.mail.delivery import send_staff_outbox
from concord.mail.engine import MessageStatus, SendReport
from concord.mail.models import StaffMessage
from concord.translations import translate
from tests.conftest import EMAILS, World, post_form
from tests.mailserver import MailServer


def _request_reset(world: World) -> None:
    with world.hub.transaction() as session:
        password_resets.request_reset(session, world.settings, EMAILS["comms_a"])


def test_a_reset_mail_arrives_as_automatic_mail_from_concord(
    world: World, mail_server: MailServer
) -> None:
    _request_reset(world)
    assert send_staff_outbox(world.hub, mail_server.settings(world.settings)).sent == 1
    [message] = mail_server.messages()
    assert message["To"] == EMAILS["comms_a"]
    assert message["From"] == "Concord <concord@localhost>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "/password-reset/" in str(message.get_body(preferencelist=("plain",)))


def test_mail_older_than_an_hour_is_not_sent(world: World, mail_server: MailServer) -> None:
    _request_reset(world)
    settings = mail_server.settings(world.settings)
    assert send_staff_outbox(world.hub, settings, now=utcnow() + timedelta(hours=2)) == SendReport()
    assert mail_server.received == []
    with world.hub.transaction() as session:
        row = session.scalars(select(StaffMessage)).one()
    assert (row.status, row.last_error) == (MessageStatus.FAILED, "too old to send")


def test_a_row_queued_without_a_message_id_gets_one_at_its_first_claim(
    world: World, mail_server: MailServer
) -> None:
    """Rows queued before Message-IDs were fixed at queueing, still in a hub's outbox."""
    with world.hub.transaction() as session:
        session.add(
            StaffMessage(to_address="x@alpha.example", subject="s", text_body="t", html_body="")
        )
    settings = mail_server.settings(world.settings)
    mail_server.refuse_next = 1
    now = utcnow()
    assert send_staff_outbox(world.hub, settings, now=now).retrying == 1
    with world.hub.transaction() as session:
        message_id = session.scalars(select(StaffMessage.message_id)).one()
    assert message_id
    assert send_staff_outbox(world.hub, settings, now=now + timedelta(minutes=2)).sent == 1
    [message] = mail_server.messages()
    assert message["Message-ID"] == message_id


def test_the_demo_and_an_unconfigured_server_send_nothing(
    world: World, mail_server: MailServer
) -> None:
    _request_reset(world)
    assert send_staff_outbox(world.hub, world.settings) == SendReport()
    demo = mail_server.settings(world.settings).with_changes(demo=True)
    assert send_staff_outbox(world.hub, demo) == SendReport()
    assert mail_server.received == []


def test_a_staff_member_chooses_the_language_of_their_mail(
    world: World, mail_server: MailServer, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    client = as_user("comms_a")
    assert 'id="f-language"' in client.get("/account").text
    refused = post_form(client, "/account/language", {"language": "klingon"})
    assert refused.status_code == 400 and 'id="e-language"' in refused.text
    saved = post_form(client, "/account/language", {"language": "de"})
    assert saved.status_code == 200 and "Saved" in saved.text
    _request_reset(world)
    assert send_staff_outbox(world.hub, mail_server.settings(world.settings)).sent == 1
    [message] = mail_server.messages()
    assert message["Subject"] == translate("de", "Reset your Concord password")
    assert str(message["Subject"]) != "Reset your Concord password"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and '<html lang="de">' in html.get_content()
