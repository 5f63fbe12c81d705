"""Everything a partner holds about one person (GDPR Art. 15 and 20), as JSON, CSV or a page.

The data comes in named sections of records (each record a mapping of field to text), so one
structure serves all three formats. Besides the contact's own tables, every other vault table
that refers to the contact is found from the schema and included as it stands, so tables added
later (the outbox, invitations) appear here without changes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.translations import N_
from consent.contacts.export import neutralise
from consent.contacts.models import Contact, ContactChange
from consent.importing.models import ImportBatch
from consent.ledger.models import ConsentEvent, CurrentConsent
from consent.purposes.models import Notice, Purpose
from consent.rights.erasure import person_tables
from consent.rights.models import RightsRequest
from consent.rights.requests import add_months

FORMAT = "concord-subject-data/1"
# Tables shown in their own sections above, not again among the others.
COVERED = frozenset(
    {
        "identifiers",
        "contact_tags",
        "contact_changes",
        "consent_events",
        "current_consents",
        "rights_requests",
    }
)

Record = dict[str, str]

# What each field of the copy is called on the page (the JSON and CSV keep the keys).
FIELD_LABELS: dict[str, str] = {
    "added_at": N_("Added at"),
    "at": N_("When"),
    "by": N_("Changed by"),
    "category": N_("Category"),
    "channel": N_("Channel"),
    "channels": N_("Channels"),
    "country": N_("Country"),
    "description": N_("Description"),
    "done_at": N_("Done at"),
    "due_at": N_("Due at"),
    "evidence": N_("Evidence"),
    "family_name": N_("Family name"),
    "file_name": N_("File name"),
    "given_name": N_("Given name"),
    "identity_checked_by": N_("Identity checked by"),
    "import_batch": N_("Import"),
    "imported_at": N_("Imported at"),
    "kept_until": N_("Kept until"),
    "kind": N_("Kind"),
    "language": N_("Language"),
    "last_changed_at": N_("Last changed at"),
    "latest_record": N_("Latest record"),
    "lawful_basis": N_("Lawful basis"),
    "legal_basis": N_("Legal basis"),
    "method": N_("Method"),
    "name": N_("Name"),
    "notice_language": N_("Notice language"),
    "notice_version": N_("Notice version"),
    "organisation": N_("Organisation"),
    "processing_restricted": N_("Processing restricted"),
    "published_at": N_("Published at"),
    "purpose": N_("Purpose"),
    "purpose_name": N_("Purpose name"),
    "received_at": N_("Received at"),
    "record_id": N_("Record"),
    "recorded_by": N_("Recorded by"),
    "request": N_("Request"),
    "retention_days": N_("Retention days"),
    "rule": N_("Rule"),
    "since": N_("Since"),
    "source": N_("Source"),
    "state": N_("State"),
    "status": N_("Status"),
    "tag": N_("Tag"),
    "text": N_("Text"),
    "valid_until": N_("Valid until"),
    "value": N_("Value"),
    "version": N_("Version"),
    "what": N_("What"),
}


@dataclass(frozen=True)
class Section:
    """One part of the copy: a title for people, and its records."""

    name: str
    title: str
    records: list[Record]


@dataclass(frozen=True)
class SubjectData:
    """A copy of one person's data as the partner holds it."""

    partner: str
    generated_at: datetime
    sections: list[Section]

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)

    @property
    def labels(self) -> dict[str, str]:
        """What each field is called on the page."""
        return FIELD_LABELS

    @property
    def record_count(self) -> int:
        return sum(len(s.records) for s in self.sections)

    def as_json(self) -> str:
        document = {
            "format": FORMAT,
            "controller": self.partner,
            "generated_at": self.generated_at.isoformat(),
            "sections": {s.name: {"title": s.title, "records": s.records} for s in self.sections},
        }
        return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)

    def as_csv(self) -> str:
        """One line per field: section, record number, field, value; safe in a spreadsheet."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(("section", "record", "field", "value"))
        for section in self.sections:
            for number, record in enumerate(section.records, start=1):
                for name, value in record.items():
                    writer.writerow(
                        (section.name, str(number), neutralise(name), neutralise(value))
                    )
        return "\ufeff" + buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "value"):  # enums
        return str(value.value)
    return str(value)


def _profile(contact: Contact) -> Section:
    record = {
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "organisation": contact.organisation,
        "country": contact.country,
        "language": contact.language,
        "category": contact.category,
        "processing_restricted": _text(contact.restricted),
        "added_at": _text(contact.created_at),
        "last_changed_at": _text(contact.updated_at),
    }
    return Section("profile", N_("Profile"), [record])


def _identifiers(contact: Contact) -> Section:
    records = [
        {"kind": i.kind, "value": i.value, "added_at": _text(i.created_at)}
        for i in contact.identifiers
    ]
    return Section("identifiers", N_("Email addresses and phone numbers"), records)


def _consent(
    session: Session, contact_id: int, purposes: dict[int, Purpose]
) -> tuple[Section, Section, set[tuple[int, int]], set[str]]:
    current = session.scalars(
        select(CurrentConsent)
        .where(CurrentConsent.contact_id == contact_id)
        .order_by(CurrentConsent.purpose_id, CurrentConsent.channel)
    ).all()
    now = [
        {
            "purpose": purposes[row.purpose_id].code,
            "purpose_name": purposes[row.purpose_id].name,
            "channel": row.channel.value,
            "state": row.state.value,
            "since": _text(row.at),
            "record_id": row.record_id,
        }
        for row in current
    ]
    events = session.scalars(
        select(ConsentEvent).where(ConsentEvent.contact_id == contact_id).order_by(ConsentEvent.id)
    ).all()
    history = [
        {
            "record_id": e.record_id,
            "at": _text(e.at),
            "purpose": purposes[e.purpose_id].code,
            "channel": e.channel.value,
            "state": e.state.value,
            "legal_basis": e.legal_basis.value,
            "notice_version": _text(e.notice_version),
            "notice_language": e.notice_language,
            "method": e.method.value,
            "source": e.source,
            "recorded_by": e.actor,
            "evidence": "" if e.evidence == "{}" else e.evidence,
            "valid_until": _text(e.valid_until),
            "import_batch": _text(e.import_batch_id),
        }
        for e in events
    ]
    notices = {(e.purpose_id, e.notice_version) for e in events if e.notice_version is not None}
    batches = {e.import_batch_id for e in events if e.import_batch_id}
    return (
        Section("consent_now", N_("Consent now"), now),
        Section("consent_history", N_("Consent history (the ledger)"), history),
        notices,
        batches,
    )


def _notices(session: Session, seen: set[tuple[int, int]], purposes: dict[int, Purpose]) -> Section:
    records = []
    for purpose_id, version in sorted(seen):
        notice = session.scalar(
            select(Notice).where(Notice.purpose_id == purpose_id, Notice.version == version)
        )
        if notice is not None:
            records.append(
                {
                    "purpose": purposes[purpose_id].code,
                    "version": str(version),
                    "published_at": _text(notice.published_at),
                    "text": notice.text,
                }
            )
    return Section("notices", N_("Notices the consent records refer to"), records)


def _purposes(purposes: dict[int, Purpose], used: set[int]) -> Section:
    records = [
        {
            "purpose": p.code,
            "name": p.name,
            "description": p.description,
            "legal_basis": p.legal_basis.value,
            "channels": " ".join(c.value for c in p.channel_list),
            "retention_days": str(p.retention_days),
        }
        for p in sorted(purposes.values(), key=lambda p: p.code)
        if p.id in used
    ]
    return Section("purposes", N_("Purposes the data is processed for"), records)


def _sources(session: Session, batch_ids: set[str], contact: Contact) -> Section:
    records = []
    for batch in session.scalars(
        select(ImportBatch).where(ImportBatch.id.in_(batch_ids)).order_by(ImportBatch.created_at)
    ):
        records.append(
            {
                "kind": "import",
                "import_batch": batch.id,
                "source": batch.source,
                "lawful_basis": batch.lawful_basis.value,
                "purpose": batch.purpose_code or "",
                "file_name": batch.file_name,
                "imported_at": _text(batch.created_at),
            }
        )
    added = session.scalar(
        select(ContactChange)
        .where(ContactChange.contact_id == contact.id, ContactChange.summary == "added")
        .limit(1)
    )
    if added is not None:
        records.append(
            {"kind": "added by staff", "recorded_by": added.actor, "at": _text(added.at)}
        )
    return Section("sources", N_("Where the data came from"), records)


def _changes(session: Session, contact_id: int) -> Section:
    rows = session.scalars(
        select(ContactChange)
        .where(ContactChange.contact_id == contact_id)
        .order_by(ContactChange.id)
    )
    records = [{"at": _text(c.at), "by": c.actor, "what": c.summary} for c in rows]
    return Section("changes", N_("Changes made to the record"), records)


def _requests(session: Session, contact_id: int) -> Section:
    rows = session.scalars(
        select(RightsRequest)
        .where(RightsRequest.contact_id == contact_id)
        .order_by(RightsRequest.id)
    )
    records = [
        {
            "request": str(r.id),
            "kind": r.kind.value,
            "received_at": _text(r.received_at),
            "identity_checked_by": r.verified_by.label,
            "due_at": _text(r.due_at),
            "status": r.status.value,
            "done_at": _text(r.done_at),
        }
        for r in rows
    ]
    return Section("requests", N_("Requests about the data"), records)


def _other_tables(session: Session, contact_id: int) -> list[Section]:
    sections = []
    tables: Sequence[tuple[Table, Any]] = person_tables()
    for table, column in tables:
        if table.name in COVERED:
            continue
        rows = session.execute(select(table).where(column == contact_id)).mappings().all()
        records = [
            {name: _text(value) for name, value in row.items() if name != column.key}
            for row in rows
        ]
        title = table.name.replace("_", " ").capitalize()
        sections.append(Section(table.name, title, records))
    return sections


def _retention(
    session: Session,
    contact: Contact,
    purposes: dict[int, Purpose],
    inactive_months: int,
) -> Section:
    records = []
    current = session.execute(
        select(CurrentConsent.purpose_id, func.max(CurrentConsent.at))
        .where(CurrentConsent.contact_id == contact.id)
        .group_by(CurrentConsent.purpose_id)
    ).all()
    for purpose_id, last in current:
        purpose = purposes[purpose_id]
        records.append(
            {
                "purpose": purpose.code,
                "rule": f"kept {purpose.retention_days} days after the latest consent record",
                "latest_record": _text(last),
                "kept_until": _text(last + timedelta(days=purpose.retention_days)),
            }
        )
    latest = max(
        [
            contact.updated_at,
            *(at for _, at in current),
            session.scalar(
                select(func.max(ContactChange.at)).where(ContactChange.contact_id == contact.id)
            )
            or contact.created_at,
        ]
    )
    records.append(
        {
            "purpose": "(any)",
            "rule": f"anonymised after {inactive_months} months without any change or consent",
            "latest_record": _text(latest),
            "kept_until": _text(add_months(latest, inactive_months)),
        }
    )
    return Section("retention", N_("How long the data is kept"), records)


def subject_data(
    session: Session, contact_id: int, *, partner: str, inactive_months: int
) -> SubjectData | None:
    """The copy of everything the vault holds about the contact (None: no such contact)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        return None
    purposes = {p.id: p for p in session.scalars(select(Purpose))}
    now, history, notices, batches = _consent(session, contact_id, purposes)
    used = {p.id for p in purposes.values() if any(r["purpose"] == p.code for r in history.records)}
    sections = [
        _profile(contact),
        _identifiers(contact),
        Section("tags", N_("Tags"), [{"tag": tag} for tag in contact.tag_list]),
        now,
        history,
        _notices(session, notices, purposes),
        _purposes(purposes, used),
        _sources(session, batches, contact),
        _changes(session, contact_id),
        _requests(session, contact_id),
        *_other_tables(session, contact_id),
        _retention(session, contact, purposes, inactive_months),
    ]
    return SubjectData(partner=partner, generated_at=utcnow(), sections=sections)
