"""The audit chains (the hub's, and each vault's own) detect a changed, removed or reordered
entry, and name the first one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from concord.audit import chain as hub_chain
from concord.audit.models import AuditEntry
from concord.hashchain import ChainReport
from consent.audit import chain as vault_chain
from consent.audit.models import VaultAuditEntry
from tests.conftest import PARTNER_A, World


@dataclass
class Chain:
    """One chain under test: how to open its database, append, verify, and its table."""

    open: Callable[[], AbstractContextManager[Session]]
    record: Callable[..., object]
    verify: Callable[[Session], ChainReport]
    table: Any


@pytest.fixture(params=["hub", "vault"])
def audit(request: pytest.FixtureRequest, world: World) -> Iterator[Chain]:
    if request.param == "hub":
        yield Chain(world.hub.transaction, hub_chain.record, hub_chain.verify, AuditEntry)
    else:
        yield Chain(
            lambda: world.vaults.transaction(PARTNER_A),
            vault_chain.record,
            vault_chain.verify,
            VaultAuditEntry,
        )


def _append(audit: Chain, count: int) -> None:
    with audit.open() as session:
        for number in range(count):
            audit.record(
                session, actor="test", action="thing.happened", object_ref=f"thing:{number}"
            )


def _verify(audit: Chain) -> ChainReport:
    with audit.open() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(audit: Chain) -> None:
    _append(audit, 5)
    report = _verify(audit)
    assert report.ok
    assert report.checked >= 5


def test_a_changed_entry_is_named(audit: Chain) -> None:
    _append(audit, 5)
    total = _verify(audit).checked
    target = total - 2
    with audit.open() as session:
        session.execute(
            update(audit.table).where(audit.table.seq == target).values(actor="someone else")
        )
    report = _verify(audit)
    assert not report.ok
    assert report.first_bad_seq == target
    assert "changed" in report.reason


def test_a_removed_entry_is_detected(audit: Chain) -> None:
    _append(audit, 5)
    total = _verify(audit).checked
    with audit.open() as session:
        session.execute(delete(audit.table).where(audit.table.seq == total - 3))
    report = _verify(audit)
    assert report.first_bad_seq == total - 2


def test_reordered_entries_are_detected(audit: Chain) -> None:
    _append(audit, 4)
    total = _verify(audit).checked
    a, b = total - 2, total - 1
    with audit.open() as session:
        session.execute(update(audit.table).where(audit.table.seq == a).values(seq=-1))
        session.execute(update(audit.table).where(audit.table.seq == b).values(seq=a))
        session.execute(update(audit.table).where(audit.table.seq == -1).values(seq=b))
    report = _verify(audit)
    assert report.first_bad_seq == a


def test_entries_carry_no_email_addresses(audit: Chain) -> None:
    _append(audit, 1)
    with audit.open() as session:
        entries = session.scalars(select(audit.table)).all()
        values = [(e.actor, e.object_ref, e.detail) for e in entries]
    assert values
    assert not [v for row in values for v in row if "@" in v]
