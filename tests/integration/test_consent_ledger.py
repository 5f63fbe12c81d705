"""The consent ledger is append-only, current consent derives from it, erasure tombstones it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.ledger import services as ledger
from consent.ledger.models import (
    CollectionMethod,
    ConsentEvent,
    ConsentState,
    CurrentConsent,
    LedgerIsAppendOnly,
)
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from consent.suppression.services import SuppressionKey, suppress, suppressed
from tests.conftest import PARTNER_A, World


def _contact(world: World, email: str = "Ada.Lovelace@Example.org") -> int:
    entry = clean(ContactInput(given_name="Ada", family_name="Lovelace", emails=[email]), "DE")
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(PARTNER_A) as session:
        return save(session, entry, actor="user:1").contact.id


def _record(world: World, contact_id: int, state: ConsentState) -> str:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:DirectMarketing")
        assert purpose is not None
        event = ledger.append(
            session,
            contact_id=contact_id,
            purpose=purpose,
            channel=Channel.EMAIL,
            state=state,
            method=CollectionMethod.STAFF,
            actor="user:1",
            evidence={"note": "phone call"},
        )
        return event.record_id


def test_current_consent_is_the_latest_event(world: World) -> None:
    contact_id = _contact(world)
    _record(world, contact_id, ConsentState.GIVEN)
    _record(world, contact_id, ConsentState.WITHDRAWN)
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:DirectMarketing")
        assert purpose is not None
        assert (
            ledger.current(session, contact_id)[(purpose.id, Channel.EMAIL)]
            is ConsentState.WITHDRAWN
        )
        history = ledger.history(session, contact_id)
        assert [e.state for e in history] == [ConsentState.WITHDRAWN, ConsentState.GIVEN]
        assert history[0].notice_version == 1
        projection = {
            (row.contact_id, row.purpose_id, row.channel): row.state
            for row in session.scalars(select(CurrentConsent))
        }
        assert projection == ledger.derive_current(session)


def test_the_code_cannot_update_or_delete_an_entry(world: World) -> None:
    contact_id = _contact(world)
    record_id = _record(world, contact_id, ConsentState.GIVEN)
    with pytest.raises(LedgerIsAppendOnly), world.vaults.transaction(PARTNER_A) as session:
        event = session.scalars(
            select(ConsentEvent).where(ConsentEvent.record_id == record_id)
        ).one()
        event.state = ConsentState.WITHDRAWN
        session.flush()
    with pytest.raises(LedgerIsAppendOnly), world.vaults.transaction(PARTNER_A) as session:
        event = session.scalars(
            select(ConsentEvent).where(ConsentEvent.record_id == record_id)
        ).one()
        session.delete(event)
        session.flush()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_events SET state = 'withdrawn'",
        "UPDATE consent_events SET source = 'forged'",
        "DELETE FROM consent_events",
    ],
)
def test_the_database_refuses_changes_made_behind_the_code(world: World, statement: str) -> None:
    contact_id = _contact(world)
    _record(world, contact_id, ConsentState.GIVEN)
    with pytest.raises(DatabaseError, match="consent ledger entries cannot be"):  # noqa: SIM117
        with world.vaults.engine(PARTNER_A).begin() as connection:
            connection.execute(text(statement))


def test_erasure_leaves_tombstones_with_nothing_personal(world: World) -> None:
    contact_id = _contact(world)
    _record(world, contact_id, ConsentState.GIVEN)
    with world.vaults.transaction(PARTNER_A) as session:
        assert ledger.tombstone(session, contact_id) == 1
    with world.vaults.transaction(PARTNER_A) as session:
        event = session.scalars(select(ConsentEvent)).one()
        assert event.tombstone
        assert event.contact_id is None
        assert event.evidence == "{}"
        assert event.state is ConsentState.GIVEN
    # A tombstone is final: it cannot be changed back.
    with pytest.raises(DatabaseError):  # noqa: SIM117
        with world.vaults.engine(PARTNER_A).begin() as connection:
            connection.execute(update(ConsentEvent).values(tombstone=False))
    with pytest.raises(DatabaseError):  # noqa: SIM117
        with world.vaults.engine(PARTNER_A).begin() as connection:
            connection.execute(delete(ConsentEvent))


def test_suppression_list_holds_keyed_hashes_only(world: World) -> None:
    key = SuppressionKey(world.settings, PARTNER_A)
    other_vault = SuppressionKey(world.settings, "bravo")
    identifier = ("email", "ada.lovelace@example.org")
    with world.vaults.transaction(PARTNER_A) as session:
        suppress(session, key, [identifier], reason="erased")
        suppress(session, key, [identifier], reason="erased")  # twice is harmless
    with world.vaults.transaction(PARTNER_A) as session:
        assert suppressed(session, key, [identifier])
        assert not suppressed(session, key, [("email", "someone.else@example.org")])
        assert not suppressed(session, other_vault, [identifier])
        stored = session.execute(text("SELECT hash FROM suppressions")).scalars().all()
    assert len(stored) == 1
    assert "ada" not in stored[0]


def test_emails_merge_but_shared_phones_only_flag(world: World) -> None:
    first = clean(
        ContactInput(emails=["ADA@example.org "], phones=["030 1234567"], country="DE"), "FR"
    )
    second = clean(ContactInput(emails=["ada@example.org"], phones=["+49 30 7654321"]), "DE")
    third = clean(
        ContactInput(given_name="Switch", emails=["board@example.org"], phones=["+49 30 1234567"]),
        "DE",
    )
    assert isinstance(first, CleanContact)
    assert isinstance(second, CleanContact)
    assert isinstance(third, CleanContact)
    with world.vaults.transaction(PARTNER_A) as session:
        one = save(session, first, actor="t")
        two = save(session, second, actor="t")
        three = save(session, third, actor="t")
    assert one.created
    assert not two.created
    assert two.contact.id == one.contact.id
    assert sorted(two.contact.phones) == ["+49301234567", "+49307654321"]
    assert three.created
    assert three.possible_duplicate
