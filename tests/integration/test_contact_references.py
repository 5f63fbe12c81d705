"""Contact references keep a foreign key's promises on every backend.

SQLite enforces them with foreign keys, PostgreSQL with statement-level triggers (see
consent/contacts/models.py); these tests hold both to the same rules.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DatabaseError

from concord.db import utcnow
from consent.contacts.models import Contact, ContactChange, ContactTag, Identifier
from consent.db import VaultBase
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState, CurrentConsent
from consent.purposes.models import Channel, Notice, Purpose
from consent.purposes.services import all_purposes
from tests.conftest import PARTNER_A, World

# SQLite's foreign keys, or the PostgreSQL triggers' own words.
MISSING = "FOREIGN KEY constraint failed|names a contact that does not exist"
KEPT = "FOREIGN KEY constraint failed|consent ledger entries cannot be deleted"
MISSING_PURPOSE = "FOREIGN KEY constraint failed|names a purpose that does not exist"
KEPT_PURPOSE = "FOREIGN KEY constraint failed|purpose named by consent records cannot be deleted"


def _contact(world: World, with_consent: bool) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        contact = Contact(given_name="Ada", family_name="Lovelace")
        session.add(contact)
        session.flush()
        session.add(Identifier(contact_id=contact.id, kind="email", value="ada@example.org"))
        session.add(ContactTag(contact_id=contact.id, tag="press"))
        session.add(ContactChange(contact_id=contact.id, actor="test", summary="added"))
        if with_consent:
            ledger.append(
                session,
                contact_id=contact.id,
                purpose=all_purposes(session)[0],
                channel=Channel.EMAIL,
                state=ConsentState.GIVEN,
                method=CollectionMethod.STAFF,
                actor="test",
            )
        return contact.id


def _count(world: World, table: type, contact_id: int) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        query = select(func.count()).select_from(table).where(table.contact_id == contact_id)  # type: ignore[attr-defined]
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize("table", [Identifier, ContactTag, ContactChange, CurrentConsent])
def test_a_row_cannot_name_a_missing_contact(world: World, table: type[VaultBase]) -> None:
    values = {
        Identifier: {"contact_id": 424242, "kind": "email", "value": "x@example.org"},
        ContactTag: {"contact_id": 424242, "tag": "x"},
        ContactChange: {"contact_id": 424242, "actor": "t", "summary": "s", "at": utcnow()},
        CurrentConsent: {
            "contact_id": 424242,
            "purpose_id": 1,
            "channel": Channel.EMAIL,
            "state": ConsentState.GIVEN,
            "record_id": "r",
            "at": utcnow(),
        },
    }[table]
    with (
        pytest.raises(DatabaseError, match=MISSING),
        world.vaults.transaction(PARTNER_A) as session,
    ):
        session.execute(insert(table).values(**values))


def test_moving_a_row_to_a_missing_contact_is_refused(world: World) -> None:
    contact_id = _contact(world, with_consent=False)
    with (
        pytest.raises(DatabaseError, match=MISSING),
        world.vaults.transaction(PARTNER_A) as session,
    ):
        identifier = session.scalars(
            select(Identifier).where(Identifier.contact_id == contact_id)
        ).one()
        identifier.contact_id = 424242


def test_deleting_a_contact_deletes_its_rows(world: World) -> None:
    contact_id = _contact(world, with_consent=False)
    with world.vaults.transaction(PARTNER_A) as session:
        session.execute(delete(Contact).where(Contact.id == contact_id))
    for table in (Identifier, ContactTag, ContactChange, CurrentConsent):
        assert _count(world, table, contact_id) == 0


def test_a_contact_with_ledger_entries_cannot_be_deleted_until_erased(world: World) -> None:
    contact_id = _contact(world, with_consent=True)
    with (
        pytest.raises(DatabaseError, match=KEPT),
        world.vaults.transaction(PARTNER_A) as session,
    ):
        session.execute(delete(Contact).where(Contact.id == contact_id))
    assert _count(world, Identifier, contact_id) == 1
    with world.vaults.transaction(PARTNER_A) as session:
        assert ledger.tombstone(session, contact_id) == 1
        session.execute(delete(Contact).where(Contact.id == contact_id))
    assert _count(world, Identifier, contact_id) == 0


def test_ledger_rows_name_an_existing_purpose_and_keep_it(world: World) -> None:
    contact_id = _contact(world, with_consent=True)
    with (
        pytest.raises(DatabaseError, match=f"{MISSING_PURPOSE}"),
        world.vaults.transaction(PARTNER_A) as session,
    ):
        session.execute(
            insert(CurrentConsent).values(
                contact_id=contact_id,
                purpose_id=424242,
                channel=Channel.POST,
                state=ConsentState.GIVEN,
                record_id="r",
                at=utcnow(),
            )
        )
    with (
        pytest.raises(DatabaseError, match=KEPT_PURPOSE),
        world.vaults.transaction(PARTNER_A) as session,
    ):
        named = session.scalars(select(CurrentConsent.purpose_id)).first()
        session.execute(delete(Notice).where(Notice.purpose_id == named))
        session.execute(delete(Purpose).where(Purpose.id == named))
