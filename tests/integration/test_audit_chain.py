"""The audit chain detects a changed, removed or reordered entry, and names the first one."""

from __future__ import annotations

from sqlalchemy import delete, update

from concord.audit import chain
from concord.audit.models import AuditEntry
from tests.conftest import World


def _append(world: World, count: int) -> None:
    with world.hub.transaction() as session:
        for number in range(count):
            chain.record(
                session, actor="test", action="thing.happened", object_ref=f"thing:{number}"
            )


def _verify(world: World) -> chain.ChainReport:
    with world.hub.transaction() as session:
        return chain.verify(session)


def test_an_untouched_chain_verifies(world: World) -> None:
    _append(world, 5)
    report = _verify(world)
    assert report.ok
    assert report.checked >= 5


def test_a_changed_entry_is_named(world: World) -> None:
    _append(world, 5)
    total = _verify(world).checked
    target = total - 2
    with world.hub.transaction() as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == target).values(actor="someone else")
        )
    report = _verify(world)
    assert not report.ok
    assert report.first_bad_seq == target
    assert "changed" in report.reason


def test_a_removed_entry_is_detected(world: World) -> None:
    _append(world, 5)
    total = _verify(world).checked
    with world.hub.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == total - 3))
    report = _verify(world)
    assert report.first_bad_seq == total - 2


def test_reordered_entries_are_detected(world: World) -> None:
    _append(world, 4)
    total = _verify(world).checked
    a, b = total - 2, total - 1
    with world.hub.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == a).values(seq=-1))
        session.execute(update(AuditEntry).where(AuditEntry.seq == b).values(seq=a))
        session.execute(update(AuditEntry).where(AuditEntry.seq == -1).values(seq=b))
    report = _verify(world)
    assert report.first_bad_seq == a


def test_entries_carry_no_email_addresses(world: World) -> None:
    with world.hub.transaction() as session:
        entries = session.query(AuditEntry).all()
    assert entries
    for entry in entries:
        for value in (entry.actor, entry.object_ref, entry.detail):
            assert "@" not in value
