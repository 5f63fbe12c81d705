"""The vault outbox against a real SMTP server on loopback: what arrives, and consent.

Claims, retries and stale claims are the shared engine's, tested in test_outbox_engine.py.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from litestar.testing import TestClient
from sqlalchemy import update

from concord.app import create_app
from concord.mail.smtp import demo_messages, text_of
from consent.contacts.models import Contact
from consent.outbox import services as outbox
from consent.outbox.models import MessageStatus, OutboxMessage
from consent.preferences.services import Evidence, unsubscribe
from consent.public import QueueReport
from consent.suppression.services import SuppressionKey, suppress
from tests.conftest import PARTNER_A, World
from tests.integration.stakeholders import add_contact, outbox_row, queue_newsletter
from tests.mailserver import MailServer

EVIDENCE_AGENT = "test-agent/1.0"


def _unsubscribe_token(world: World, message_id: int) -> str:
    header = json.loads(outbox_row(world, message_id).headers)["List-Unsubscribe"]
    return str(header).strip("<>").rsplit("/u/", 1)[1]


def test_a_queued_message_arrives_with_its_headers(world: World, mail_server: MailServer) -> None:
    contact_id = add_contact(world)
    message_id = queue_newsletter(world, contact_id)
    settings = mail_server.settings(world.settings)

    report = outbox.send_due(world.vaults, settings, PARTNER_A)

    assert report.sent == 1
    [received] = mail_server.received
    assert received.rcpt_tos == ["ada.lovelace@example.org"]
    message = received.message
    row = outbox_row(world, message_id)
    assert message["Message-ID"] == row.message_id
    assert message["Subject"] == "Our autumn newsletter"
    assert message["From"] == "Alpha Standards Body <concord@localhost>"
    assert message["To"] == "ada.lovelace@example.org"
    unsubscribe_header = str(message["List-Unsubscribe"])
    assert unsubscribe_header.startswith("<https://testserver.local/u/")
    assert unsubscribe_header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = text_of(message)
    assert "News from the committees." in text
    assert "https://testserver.local/p/" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    links = [a["href"] for a in BeautifulSoup(html.get_content(), "html.parser").find_all("a")]
    assert any(str(h).startswith("https://testserver.local/p/") for h in links)
    assert row.status is MessageStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 1
    # Nothing is due any more: a second run sends nothing.
    assert outbox.send_due(world.vaults, settings, PARTNER_A).sent == 0
    assert len(mail_server.received) == 1


def test_without_an_smtp_server_mail_waits(world: World) -> None:
    message_id = queue_newsletter(world, add_contact(world))
    report = outbox.send_due(world.vaults, world.settings, PARTNER_A)
    assert report.retrying == 1
    row = outbox_row(world, message_id)
    assert row.status is MessageStatus.QUEUED
    assert row.last_error == "no SMTP server configured"


@pytest.mark.parametrize("change", ["unsubscribe", "restrict", "suppress"])
def test_a_withdrawal_takes_effect_before_the_next_send(
    world: World, mail_server: MailServer, change: str
) -> None:
    contact_id = add_contact(world)
    message_id = queue_newsletter(world, contact_id)
    token = _unsubscribe_token(world, message_id)
    with world.vaults.transaction(PARTNER_A) as session:
        contact = session.get_one(Contact, contact_id)
        if change == "unsubscribe":
            evidence = Evidence(token, "192.0.2.7", EVIDENCE_AGENT)
            # The unsubscribe itself cancels what is queued; undo that to test the send-time
            # check on its own, as if the withdrawal had come in by another way.
            assert unsubscribe(session, evidence.token, evidence=evidence)
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(status=MessageStatus.QUEUED, last_error="")
            )
        elif change == "restrict":
            contact.restricted = True
        else:
            key = SuppressionKey(world.settings, PARTNER_A)
            suppress(session, key, [("email", "ada.lovelace@example.org")], "objection")

    report = outbox.send_due(world.vaults, mail_server.settings(world.settings), PARTNER_A)

    assert report.cancelled == 1
    assert mail_server.received == []
    row = outbox_row(world, message_id)
    assert row.status is MessageStatus.CANCELLED
    assert row.last_error.startswith("cancelled: ")
    assert "ada" not in row.last_error.lower()


def test_unsubscribing_cancels_what_is_queued(world: World, mail_server: MailServer) -> None:
    contact_id = add_contact(world)
    message_id = queue_newsletter(world, contact_id)
    token = _unsubscribe_token(world, message_id)
    with world.vaults.transaction(PARTNER_A) as session:
        evidence = Evidence(token, "192.0.2.7", EVIDENCE_AGENT)
        assert unsubscribe(session, token, evidence=evidence)
        assert not unsubscribe(session, token, evidence=evidence)
    assert outbox_row(world, message_id).status is MessageStatus.CANCELLED
    with pytest.raises(outbox.NotSendable, match="no consent"):
        queue_newsletter(world, contact_id)
    assert outbox.send_due(world.vaults, mail_server.settings(world.settings), PARTNER_A).sent == 0
    assert mail_server.received == []


def test_the_same_idempotency_key_queues_once(world: World) -> None:
    contact_id = add_contact(world)
    first = queue_newsletter(world, contact_id, key="campaign:7:contact")
    second = queue_newsletter(world, contact_id, key="campaign:7:contact")
    assert first == second


def test_demo_mail_lands_in_the_demo_mailbox(world: World) -> None:
    demo = world.settings.with_changes(demo=True)
    queue_newsletter(world, add_contact(world))
    assert outbox.send_due(world.vaults, demo, PARTNER_A).sent == 1
    [message] = demo_messages(demo)
    assert message["Subject"] == "Our autumn newsletter"
    client = TestClient(
        create_app(demo, hub=world.hub, vaults=world.vaults), base_url="https://testserver.local"
    )
    page = BeautifulSoup(client.get("/demo/stakeholder-mail").text, "html.parser")
    assert [h.get_text() for h in page.select("article.mail h2")] == ["Our autumn newsletter"]
    staff = BeautifulSoup(client.get("/demo/mailbox").text, "html.parser")
    assert staff.find("a", href="/demo/stakeholder-mail") is not None
    # Outside demo mode the page does not exist.
    plain = TestClient(
        create_app(world.settings, hub=world.hub, vaults=world.vaults),
        base_url="https://testserver.local",
    )
    assert plain.get("/demo/stakeholder-mail").status_code == 404


@pytest.mark.crosses_boundary
def test_the_port_queues_to_consenting_contacts_once(world: World, mail_server: MailServer) -> None:
    from consent.public import AudienceSegment, Mail

    add_contact(world, "yes@example.org")
    add_contact(world, "no@example.org", consent_to=())
    vault = world.ports(mail_server.settings(world.settings)).vault(PARTNER_A)

    def queue() -> QueueReport:
        return vault.queue_mail(
            AudienceSegment("dpv:DirectMarketing", "email"),
            Mail("campaign", "message", "Spring consultation", "Have your say."),
            partner_name="Alpha Standards Body",
            idempotency_prefix="item:42",
        )

    first, again = queue(), queue()
    assert (first.queued, first.skipped) == (1, 0)
    assert again.queued == 1
    assert vault.mail_status("item:42") == {"queued": 1}
    assert vault.send_due_mail().sent == 1
    assert [str(m["To"]) for m in mail_server.messages()] == ["yes@example.org"]
    assert vault.mail_status("item:42") == {"sent": 1}
    assert vault.mail_status("item:4") == {}
