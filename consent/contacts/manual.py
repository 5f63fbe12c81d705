"""Staff adding and editing contacts by hand, and recording consent a person gave them.

Manual entry is stricter than import. An email address already on the list is not merged: staff
are told the contact exists and shown the way to it. A phone-only contact with the name and
number of an existing one is refused the same way, since a phone number alone proves nothing.
A form sent twice (a double click, a reload) finds the contact its first sending made, by the
same person minutes ago, and leads to it instead of adding a twin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.identifiers import IdentifierKind
from concord.inputs import chosen_row
from consent.contacts.models import Contact, ContactChange, Identifier
from consent.contacts.services import (
    CleanContact,
    ContactInput,
    Problems,
    clean,
    edit,
    find_by_emails,
    save,
    split_tags,
)
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState, CurrentConsent
from consent.purposes.models import Channel, Purpose
from consent.suppression.services import SuppressionKey, suppressed

# The form's fields, in the order the form shows them.
FORM_FIELDS = (
    "given_name",
    "family_name",
    "organisation",
    "country",
    "language",
    "category",
    "tags",
    "emails",
    "phones",
)
# clean() names the identifier fields in the singular; the form lists several of each.
_FORM_FIELD_OF = {"email": "emails", "phone": "phones"}
# A second sending of the same form within this time is taken for a double submit.
RESUBMIT_WINDOW = timedelta(minutes=10)
# Serialises manual adds on PostgreSQL, so two sendings cannot both miss each other.
_MANUAL_ADD_LOCK = 0x434F4E54
STAFF_STATES = (ConsentState.GIVEN, ConsentState.WITHDRAWN, ConsentState.REFUSED)
SUPPRESSED_MESSAGE = (
    "This {what} is on the suppression list: the person asked to be erased or objected to "
    "direct marketing, so it cannot be added again."
)


@dataclass(frozen=True)
class Refusal:
    """Why a form was not accepted: messages by field, and the contact it would duplicate."""

    errors: dict[str, str]
    existing_id: int | None = None


@dataclass(frozen=True)
class ConsentEntry:
    """What staff recorded about a person's consent, checked."""

    purpose: Purpose
    channel: Channel
    state: ConsentState
    source: str


@dataclass
class ContactForm:
    """A contact form's values as typed, to show again beside its errors."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, contact: Contact) -> ContactForm:
        return cls(
            {
                "given_name": contact.given_name,
                "family_name": contact.family_name,
                "organisation": contact.organisation,
                "country": contact.country,
                "language": contact.language,
                "category": contact.category,
                "tags": ", ".join(contact.tag_list),
                "emails": "\n".join(contact.emails),
                "phones": "\n".join(contact.phones),
            }
        )

    @classmethod
    def submitted(cls, form: Mapping[str, str]) -> ContactForm:
        return cls({name: form.get(name, "") for name in FORM_FIELDS})


def _lines(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\r\n;,]+", raw) if part.strip()]


def contact_input(form: ContactForm) -> ContactInput:
    values = form.values
    return ContactInput(
        given_name=values.get("given_name", ""),
        family_name=values.get("family_name", ""),
        organisation=values.get("organisation", ""),
        country=values.get("country", ""),
        language=values.get("language", ""),
        category=values.get("category", ""),
        tags=split_tags(values.get("tags", "")),
        emails=_lines(values.get("emails", "")),
        phones=_lines(values.get("phones", "")),
    )


def _form_errors(problems: Problems) -> dict[str, str]:
    return {_FORM_FIELD_OF.get(name, name): message for name, message in problems.errors.items()}


def _suppression_errors(
    session: Session, key: SuppressionKey, identifiers: Sequence[tuple[str, str]]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for kind, value in identifiers:
        if suppressed(session, key, [(kind, value)]):
            what = "email address" if kind == IdentifierKind.EMAIL.value else "phone number"
            errors[_FORM_FIELD_OF[kind]] = SUPPRESSED_MESSAGE.format(what=what)
    return errors


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MANUAL_ADD_LOCK})


def _same_name_and_phone(session: Session, entry: CleanContact) -> Contact | None:
    if not entry.phones:
        return None
    holders = select(Identifier.contact_id).where(
        Identifier.kind == IdentifierKind.PHONE.value, Identifier.value.in_(entry.phones)
    )
    query = select(Contact).where(
        Contact.id.in_(holders),
        func.lower(Contact.given_name) == entry.given_name.lower(),
        func.lower(Contact.family_name) == entry.family_name.lower(),
    )
    return session.scalars(query.limit(1)).first()


def _just_added_by(session: Session, contact: Contact, entry: CleanContact, actor: str) -> bool:
    """Whether ``actor`` added this very contact moments ago: the form was sent twice."""
    if {(i.kind, i.value) for i in contact.identifiers} != set(entry.identifiers):
        return False
    query = select(ContactChange.id).where(
        ContactChange.contact_id == contact.id,
        ContactChange.actor == actor,
        ContactChange.summary == "added",
        ContactChange.at >= utcnow() - RESUBMIT_WINDOW,
    )
    return session.scalar(query.limit(1)) is not None


def add_contact(
    session: Session, form: ContactForm, *, default_country: str, key: SuppressionKey, actor: str
) -> int | Refusal:
    """Add the contact staff typed; returns its id, or why it was refused."""
    entry = clean(contact_input(form), default_country)
    if isinstance(entry, Problems):
        return Refusal(_form_errors(entry))
    _lock(session)
    if errors := _suppression_errors(session, key, entry.identifiers):
        return Refusal(errors)
    if (existing := find_by_emails(session, entry.emails)) is not None:
        if _just_added_by(session, existing, entry, actor):
            return existing.id
        return Refusal({"emails": "A contact with this email address exists already."}, existing.id)
    if not entry.emails and (existing := _same_name_and_phone(session, entry)) is not None:
        if _just_added_by(session, existing, entry, actor):
            return existing.id
        message = "A contact with this name and phone number exists already."
        return Refusal({"phones": message}, existing.id)
    return save(session, entry, actor=actor).contact.id


def edit_contact(
    session: Session,
    contact: Contact,
    form: ContactForm,
    *,
    default_country: str,
    key: SuppressionKey,
    actor: str,
) -> list[str]:
    """Apply staff's changes to a contact; returns what changed (field names, as recorded).

    Raises :class:`InvalidInput` when they are refused; the caller's transaction must then roll
    back, since the contact may be half changed by then.
    """
    entry = clean(contact_input(form), default_country)
    if isinstance(entry, Problems):
        raise InvalidInput(_form_errors(entry))
    held = {(i.kind, i.value) for i in contact.identifiers}
    added = [pair for pair in entry.identifiers if pair not in held]
    if errors := _suppression_errors(session, key, added):
        raise InvalidInput(errors)
    return edit(session, contact, entry, actor=actor)


def consent_entry(session: Session, form: Mapping[str, str]) -> ConsentEntry | Refusal:
    """Check the consent-recording form: a purpose with one of its channels, and a state."""
    errors: dict[str, str] = {}
    purpose_id, _, channel_value = form.get("purpose_channel", "").partition(":")
    purpose = chosen_row(session, Purpose, purpose_id)
    channel = next((c for c in Channel if c.value == channel_value), None)
    if purpose is None or channel is None or channel not in purpose.channel_list:
        errors["purpose_channel"] = "Choose a purpose and one of its channels."
    state = next((s for s in STAFF_STATES if s.value == form.get("state", "")), None)
    if state is None:
        errors["state"] = "Choose whether consent was given, withdrawn or refused."
    source = form.get("source", "").strip()
    if len(source) > 300:
        errors["source"] = "Keep the note to 300 characters."
    if errors or purpose is None or channel is None or state is None:
        return Refusal(errors)
    return ConsentEntry(purpose, channel, state, source)


def record_consent(session: Session, contact_id: int, entry: ConsentEntry, *, actor: str) -> None:
    """Append what staff recorded to the ledger, unless they just recorded exactly that."""
    now = session.get(CurrentConsent, (contact_id, entry.purpose.id, entry.channel))
    if now is not None and now.state is entry.state:
        last = session.scalar(select(ConsentEvent).where(ConsentEvent.record_id == now.record_id))
        if (
            last is not None
            and last.actor == actor
            and last.method is CollectionMethod.STAFF
            and last.source == (entry.source or "recorded by staff")
            and last.at >= utcnow() - RESUBMIT_WINDOW
        ):
            return
    ledger.append(
        session,
        contact_id=contact_id,
        purpose=entry.purpose,
        channel=entry.channel,
        state=entry.state,
        method=CollectionMethod.STAFF,
        actor=actor,
        source=entry.source or "recorded by staff",
    )
