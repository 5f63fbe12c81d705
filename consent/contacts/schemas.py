"""What the JSON API returns about contacts (only ever to the partner's own staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consent.contacts.models import Contact
from consent.contacts.profile import ContactProfile
from consent.contacts.queries import ContactPage


@dataclass(frozen=True)
class ContactSummary:
    id: int
    given_name: str
    family_name: str
    organisation: str
    country: str
    category: str
    tags: list[str]
    emails: list[str]
    phones: list[str]
    restricted: bool
    possible_duplicate: bool

    @classmethod
    def of(cls, contact: Contact) -> ContactSummary:
        return cls(
            id=contact.id,
            given_name=contact.given_name,
            family_name=contact.family_name,
            organisation=contact.organisation,
            country=contact.country,
            category=contact.category,
            tags=contact.tag_list,
            emails=contact.emails,
            phones=contact.phones,
            restricted=contact.restricted,
            possible_duplicate=contact.possible_duplicate,
        )


@dataclass(frozen=True)
class ContactList:
    """One page of contacts; pass ``next_after`` as ``after`` to get the next (null: the end)."""

    contacts: list[ContactSummary]
    next_after: int | None
    previous_before: int | None

    @classmethod
    def of(cls, page: ContactPage) -> ContactList:
        return cls(
            [ContactSummary.of(c) for c in page.contacts], page.next_after, page.previous_before
        )


@dataclass(frozen=True)
class CurrentConsentState:
    purpose: str
    channel: str
    state: str | None


@dataclass(frozen=True)
class ConsentRecord:
    record_id: str
    at: datetime
    purpose: str
    channel: str
    state: str
    method: str
    notice_version: int | None
    source: str
    actor: str


@dataclass(frozen=True)
class ContactDetail:
    """A contact with its current consent and its ledger, newest first."""

    contact: ContactSummary
    language: str
    created_at: datetime
    updated_at: datetime
    consent: list[CurrentConsentState]
    history: list[ConsentRecord]

    @classmethod
    def of(cls, profile: ContactProfile) -> ContactDetail:
        contact = profile.contact
        return cls(
            contact=ContactSummary.of(contact),
            language=contact.language,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
            consent=[
                CurrentConsentState(
                    c.purpose.code, c.channel.value, c.state.value if c.state else None
                )
                for c in profile.consent
            ],
            history=[
                ConsentRecord(
                    record_id=e.record_id,
                    at=e.at,
                    purpose=e.purpose_code,
                    channel=e.channel.value,
                    state=e.state.value,
                    method=e.method.value,
                    notice_version=e.notice_version,
                    source=e.source,
                    actor=e.actor,
                )
                for e in profile.timeline
            ],
        )
