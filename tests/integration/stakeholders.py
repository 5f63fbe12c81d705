"""Helpers for the stakeholder tests: a contact with consent, a queued message, the outbox."""

from __future__ import annotations

from sqlalchemy import select

from consent.contacts.models import Contact
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState
from consent.outbox import services as outbox
from consent.outbox.models import OutboxMessage
from consent.purposes.models import Channel, Purpose
from consent.purposes.services import by_code
from tests.conftest import PARTNER_A, World

NEWSLETTER = "dpv:DirectMarketing"
ENGAGEMENT = "dpv:CommunicationManagement"


def add_contact(
    world: World,
    email: str = "ada.lovelace@example.org",
    *,
    partner: str = PARTNER_A,
    consent_to: tuple[str, ...] = (NEWSLETTER,),
    given_name: str = "Ada",
) -> int:
    entry = clean(
        ContactInput(
            given_name=given_name, family_name="Lovelace", organisation="Analytical", emails=[email]
        ),
        "DE",
    )
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(partner) as session:
        contact_id = save(session, entry, actor="user:1").contact.id
        for code in consent_to:
            purpose = by_code(session, code)
            assert purpose is not None
            ledger.append(
                session,
                contact_id=contact_id,
                purpose=purpose,
                channel=Channel.EMAIL,
                state=ConsentState.GIVEN,
                method=CollectionMethod.STAFF,
                actor="user:1",
            )
    return contact_id


def purpose_id(world: World, code: str, partner: str = PARTNER_A) -> int:
    with world.vaults.transaction(partner) as session:
        purpose = by_code(session, code)
        assert purpose is not None
        return purpose.id


def queue_newsletter(
    world: World,
    contact_id: int,
    *,
    partner: str = PARTNER_A,
    subject: str = "Our autumn newsletter",
    key: str | None = None,
) -> int:
    with world.vaults.transaction(partner) as session:
        purpose = by_code(session, NEWSLETTER)
        assert purpose is not None
        message = outbox.queue(
            session,
            world.settings,
            partner_slug=partner,
            partner_name="Alpha Standards Body",
            contact=session.get_one(Contact, contact_id),
            purpose=purpose,
            channel=Channel.EMAIL,
            kind="newsletter",
            template="message",
            context={"subject": subject, "body": "News from the committees.\n\nSee you soon."},
            idempotency_key=key,
        )
        return message.id


def outbox_row(world: World, message_id: int, partner: str = PARTNER_A) -> OutboxMessage:
    with world.vaults.transaction(partner) as session:
        row = session.get_one(OutboxMessage, message_id)
        session.expunge(row)
        return row


def all_rows(world: World, partner: str = PARTNER_A) -> list[OutboxMessage]:
    with world.vaults.transaction(partner) as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def newsletter(world: World, partner: str = PARTNER_A) -> Purpose:
    with world.vaults.transaction(partner) as session:
        purpose = by_code(session, NEWSLETTER)
        assert purpose is not None
        session.expunge(purpose)
        return purpose
