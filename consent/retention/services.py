"""Which contacts have been held long enough, and anonymising them.

A contact is due for anonymisation when either:

- **past retention**: it has consent records, and for every purpose it has one for, the
  latest record is older than that purpose's retention period; or
- **inactive**: nothing has happened to it (no consent record, no change, no edit) for the
  configured number of months (``CONCORD_INACTIVE_MONTHS``, 24 by default).

Two kinds of contact are kept whatever their age, and counted apart in the preview: those whose
processing is restricted (a restriction often exists precisely to stop a deletion, Art. 18(1)(c))
and those with an open data-subject request (the request must be answered first).

Anonymising runs the erasure routine without adding the person to the suppression list:
the end of a retention period is not an objection, and someone who later signs up again or is
met at another event may be added again. Suppression entries made earlier (by an objection or an
erasure request) stay as they are.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from concord.db import utcnow
from consent.contacts.models import Contact, ContactChange
from consent.importing.models import ImportBatch, RejectedRow
from consent.ledger.models import ConsentEvent, CurrentConsent
from consent.purposes.models import Purpose
from consent.rights.erasure import Erased, erase
from consent.rights.models import OPEN_STATUSES, RightsRequest
from consent.rights.requests import add_months


class Reason(enum.StrEnum):
    PAST_RETENTION = "past_retention"
    INACTIVE = "inactive"

    @property
    def label(self) -> str:
        return {
            "past_retention": "past the retention period of every purpose they are held for",
            "inactive": "no consent record or change for the configured period",
        }[self.value]


@dataclass(frozen=True)
class RetentionPlan:
    """Who would be anonymised now and why (ids stay in the vault), and who is kept apart."""

    inactive_months: int
    due: dict[Reason, list[int]] = field(default_factory=dict)
    kept_restricted: int = 0
    kept_open_request: int = 0

    def count(self, reason: Reason) -> int:
        return len(self.due.get(reason, []))

    @property
    def contact_ids(self) -> list[int]:
        return sorted(i for ids in self.due.values() for i in ids)

    @property
    def total(self) -> int:
        return len(self.contact_ids)

    def summary(self) -> str:
        """Counts only, for the audit chain and the log."""
        return (
            f"past_retention={self.count(Reason.PAST_RETENTION)} "
            f"inactive={self.count(Reason.INACTIVE)} "
            f"kept_restricted={self.kept_restricted} kept_open_request={self.kept_open_request}"
        )


def _latest(
    session: Session, key: InstrumentedAttribute[Any], at: InstrumentedAttribute[datetime]
) -> dict[int, datetime]:
    rows = session.execute(select(key, func.max(at)).group_by(key))
    return {contact_id: latest for contact_id, latest in rows if contact_id is not None}


def _current(session: Session) -> Iterator[tuple[int, int, datetime]]:
    rows = session.execute(
        select(
            CurrentConsent.contact_id, CurrentConsent.purpose_id, func.max(CurrentConsent.at)
        ).group_by(CurrentConsent.contact_id, CurrentConsent.purpose_id)
    )
    yield from ((contact_id, purpose_id, at) for contact_id, purpose_id, at in rows)


def plan(session: Session, *, inactive_months: int, now: datetime | None = None) -> RetentionPlan:
    """Who is due for anonymisation at ``now``, by reason: a preview changes nothing."""
    now = now or utcnow()
    retention = {p.id: timedelta(days=p.retention_days) for p in session.scalars(select(Purpose))}
    # Per contact: whether any purpose is still within its period, and whether it has any.
    held: dict[int, bool] = {}
    for contact_id, purpose_id, at in _current(session):
        within = at + retention[purpose_id] >= now
        held[contact_id] = held.get(contact_id, False) or within
    last_event = _latest(session, ConsentEvent.contact_id, ConsentEvent.at)
    last_change = _latest(session, ContactChange.contact_id, ContactChange.at)
    with_request = set(
        session.scalars(
            select(RightsRequest.contact_id).where(
                RightsRequest.status.in_(OPEN_STATUSES), RightsRequest.contact_id.is_not(None)
            )
        )
    )
    inactive_before = add_months(now, -inactive_months)
    due: dict[Reason, list[int]] = {Reason.PAST_RETENTION: [], Reason.INACTIVE: []}
    restricted_kept = request_kept = 0
    contacts = session.execute(select(Contact.id, Contact.updated_at, Contact.restricted))
    for contact_id, updated_at, restricted in contacts:
        reason: Reason | None = None
        if contact_id in held and not held[contact_id]:
            reason = Reason.PAST_RETENTION
        else:
            latest = max(
                updated_at,
                last_event.get(contact_id, updated_at),
                last_change.get(contact_id, updated_at),
            )
            if latest < inactive_before:
                reason = Reason.INACTIVE
        if reason is None:
            continue
        if restricted:
            restricted_kept += 1
        elif contact_id in with_request:
            request_kept += 1
        else:
            due[reason].append(contact_id)
    return RetentionPlan(inactive_months, due, restricted_kept, request_kept)


def anonymise(session: Session, contact_ids: list[int]) -> Erased:
    """Erase the contacts without suppressing them (see the module docstring)."""
    return erase(session, contact_ids, key=None, scrub_reports=False)


def forget_old_reports(
    session: Session, *, inactive_months: int, now: datetime | None = None
) -> int:
    """Blank the rejected rows of imports older than the inactivity period; returns how many.

    A rejected row keeps the cells as read so that staff can fix and re-import them; after the
    inactivity period nobody will, and the cells may name people the vault no longer holds.
    """
    before = add_months(now or utcnow(), -inactive_months)
    old_batches = select(ImportBatch.id).where(ImportBatch.created_at < before)
    result = session.execute(
        update(RejectedRow)
        .where(RejectedRow.batch_id.in_(old_batches), RejectedRow.row != "{}")
        .values(row="{}")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
