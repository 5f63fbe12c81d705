"""Everything the contact page shows about one person, read in one vault session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.inputs import row_id
from consent.contacts.models import Contact, ContactChange
from consent.contacts.queries import sharing_a_phone
from consent.host import Host
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState
from consent.purposes.models import Channel, Purpose
from consent.purposes.services import all_purposes


@dataclass(frozen=True)
class ConsentNow:
    """The current state for one purpose and channel (None: nothing recorded yet)."""

    purpose: Purpose
    channel: Channel
    state: ConsentState | None


@dataclass(frozen=True)
class TimelineEntry:
    """One ledger event as the timeline shows it."""

    record_id: str
    at: datetime
    state: ConsentState
    purpose_name: str
    purpose_code: str
    channel: Channel
    method: CollectionMethod
    notice_version: int | None
    source: str
    actor: str


@dataclass(frozen=True)
class ContactProfile:
    """The contact page's content: profile, consent now and over time, staff edits."""

    contact: Contact
    consent: list[ConsentNow]
    timeline: list[TimelineEntry]
    changes: Sequence[ContactChange]
    sharing_phone: Sequence[Contact]
    purposes: Sequence[Purpose]

    @property
    def actors(self) -> set[str]:
        return {e.actor for e in self.timeline} | {c.actor for c in self.changes}


def load_profile(session: Session, contact_id: int) -> ContactProfile | None:
    """The profile of a contact of this vault, or None when the vault has no such contact."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        return None
    purposes = all_purposes(session)
    by_id = {p.id: p for p in purposes}
    now = ledger.current(session, contact_id)
    consent = [
        ConsentNow(purpose, channel, now.get((purpose.id, channel)))
        for purpose in purposes
        for channel in purpose.channel_list
    ]
    timeline = [
        TimelineEntry(
            record_id=event.record_id,
            at=event.at,
            state=event.state,
            purpose_name=by_id[event.purpose_id].name,
            purpose_code=by_id[event.purpose_id].code,
            channel=event.channel,
            method=event.method,
            notice_version=event.notice_version,
            source=event.source,
            actor=event.actor,
        )
        for event in ledger.history(session, contact_id)
    ]
    changes = session.scalars(
        select(ContactChange)
        .where(ContactChange.contact_id == contact_id)
        .order_by(ContactChange.id.desc())
    ).all()
    return ContactProfile(
        contact=contact,
        consent=consent,
        timeline=timeline,
        changes=changes,
        sharing_phone=sharing_a_phone(session, contact),
        purposes=purposes,
    )


def staff_names(host: Host, actors: Iterable[str]) -> dict[str, str]:
    """Display names of the staff accounts that ledger entries and edits name as ``user:ID``."""
    ids = {i for a in actors if a.startswith("user:") and (i := row_id(a[5:])) is not None}
    return {f"user:{user_id}": name for user_id, name in host.staff_names(ids).items()}
