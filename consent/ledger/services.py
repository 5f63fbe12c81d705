"""Appending to the consent ledger and reading current consent from it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState, CurrentConsent
from consent.purposes.models import Channel, Purpose

# Actors that name an account or a process, never a person outside the organisation.
ACCOUNT_ACTORS = ("user:", "operator:", "system:")


def append(
    session: Session,
    *,
    contact_id: int,
    purpose: Purpose,
    channel: Channel,
    state: ConsentState,
    method: CollectionMethod,
    actor: str,
    source: str = "",
    evidence: Mapping[str, str] | None = None,
    valid_until: datetime | None = None,
    import_batch_id: str | None = None,
    at: datetime | None = None,
    notice_language: str = "",
) -> ConsentEvent:
    """Record one consent change and bring the current-consent projection up to date;
    ``notice_language`` is the language of the notice the person was shown, if any."""
    notice = purpose.current_notice
    event = ConsentEvent(
        contact_id=contact_id,
        purpose_id=purpose.id,
        channel=channel,
        state=state,
        legal_basis=purpose.legal_basis,
        notice_version=notice.version if notice else None,
        notice_language=notice_language,
        method=method,
        source=source,
        actor=actor,
        at=at or utcnow(),
        evidence=json.dumps(dict(evidence or {}), sort_keys=True),
        valid_until=valid_until,
        import_batch_id=import_batch_id,
    )
    session.add(event)
    session.flush()
    current = session.get(CurrentConsent, (contact_id, purpose.id, channel))
    if current is None:
        session.add(
            CurrentConsent(
                contact_id=contact_id,
                purpose_id=purpose.id,
                channel=channel,
                state=state,
                record_id=event.record_id,
                at=event.at,
            )
        )
    else:
        current.state = state
        current.record_id = event.record_id
        current.at = event.at
    return event


def history(session: Session, contact_id: int) -> Sequence[ConsentEvent]:
    """A contact's ledger, newest first."""
    query = (
        select(ConsentEvent)
        .where(ConsentEvent.contact_id == contact_id)
        .order_by(ConsentEvent.id.desc())
    )
    return session.scalars(query).all()


def current(session: Session, contact_id: int) -> dict[tuple[int, Channel], ConsentState]:
    """The contact's consent now, per (purpose id, channel), from the projection."""
    rows = session.scalars(select(CurrentConsent).where(CurrentConsent.contact_id == contact_id))
    return {(row.purpose_id, row.channel): row.state for row in rows}


def derive_current(session: Session) -> dict[tuple[int, int, Channel], ConsentState]:
    """Current consent recomputed from the ledger alone: the latest event per key wins."""
    latest: dict[tuple[int, int, Channel], ConsentState] = {}
    query = (
        select(ConsentEvent).where(ConsentEvent.contact_id.is_not(None)).order_by(ConsentEvent.id)
    )
    for event in session.scalars(query):
        assert event.contact_id is not None
        latest[(event.contact_id, event.purpose_id, event.channel)] = event.state
    return latest


def tombstone(session: Session, contact_id: int) -> int:
    """Erasure: strip the contact's ledger entries of everything personal. Returns how many."""
    return tombstone_all(session, [contact_id])


def tombstone_all(session: Session, contact_ids: Sequence[int]) -> int:
    """:func:`tombstone` for many contacts in one statement (retention erases thousands)."""
    session.execute(delete(CurrentConsent).where(CurrentConsent.contact_id.in_(contact_ids)))
    # Staff accounts and system actors are named by id; any other actor (a self-service path
    # might name the person) is dropped with the rest.
    by_account = or_(*(ConsentEvent.actor.startswith(prefix) for prefix in ACCOUNT_ACTORS))
    result = session.execute(
        update(ConsentEvent)
        .where(ConsentEvent.contact_id.in_(contact_ids))
        .values(
            contact_id=None,
            evidence="{}",
            source="",
            tombstone=True,
            actor=case((by_account, ConsentEvent.actor), else_=literal("erased")),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
