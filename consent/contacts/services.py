"""Adding, merging and editing contacts; the rules every entry path (form, import) shares.

A contact whose normalised email is already known merges into the existing contact. A phone
number alone never merges two people (a switchboard is shared): such contacts are flagged as
possible duplicates for staff to decide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.identifiers import IdentifierKind, InvalidIdentifier, normalise_email, normalise_phone
from concord.languages import SHIPPED, language_tag
from consent.contacts.models import Contact, ContactChange, ContactTag, Identifier

MAX_NAME = 200
TAG = re.compile(r"[\w][\w .&/-]{0,99}", re.UNICODE)


@dataclass(frozen=True)
class ContactInput:
    """What a person typed or a CSV row held, before any checking."""

    given_name: str = ""
    family_name: str = ""
    organisation: str = ""
    country: str = ""
    language: str = ""
    category: str = ""
    tags: Sequence[str] = ()
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()


@dataclass(frozen=True)
class CleanContact:
    """A checked contact: trimmed fields, normalised identifiers."""

    given_name: str
    family_name: str
    organisation: str
    country: str
    language: str
    category: str
    tags: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]

    @property
    def identifiers(self) -> list[tuple[str, str]]:
        return [(IdentifierKind.EMAIL.value, e) for e in self.emails] + [
            (IdentifierKind.PHONE.value, p) for p in self.phones
        ]


@dataclass
class Problems:
    """Field-level problems found while checking a contact."""

    errors: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def summary(self) -> str:
        return "; ".join(f"{name}: {message}" for name, message in self.errors.items())


def split_tags(raw: str) -> list[str]:
    return [t.strip() for t in re.split(r"[;,|]", raw) if t.strip()]


def clean(entry: ContactInput, default_country: str) -> CleanContact | Problems:
    """Check and normalise one contact; returns the problems instead when there are any."""
    problems = Problems()
    country = entry.country.strip().upper()
    if country and country not in phonenumbers.SUPPORTED_REGIONS:
        problems.errors["country"] = "unknown country code"
    region = country if country in phonenumbers.SUPPORTED_REGIONS else default_country
    emails: list[str] = []
    for raw in entry.emails:
        if not raw.strip():
            continue
        try:
            value = normalise_email(raw)
        except InvalidIdentifier as error:
            problems.errors["email"] = str(error)
            continue
        if value not in emails:
            emails.append(value)
    phones: list[str] = []
    for raw in entry.phones:
        if not raw.strip():
            continue
        try:
            value = normalise_phone(raw, region)
        except InvalidIdentifier as error:
            problems.errors["phone"] = str(error)
            continue
        if value not in phones:
            phones.append(value)
    if not emails and not phones and not problems.errors:
        problems.errors["email"] = "no email or phone number"
    names = {
        "given_name": entry.given_name.strip(),
        "family_name": entry.family_name.strip(),
        "organisation": entry.organisation.strip(),
    }
    for name, value in names.items():
        if len(value) > MAX_NAME:
            problems.errors[name] = f"longer than {MAX_NAME} characters"
    tags: list[str] = []
    for tag in entry.tags:
        tag = tag.strip()
        if not tag:
            continue
        if not TAG.fullmatch(tag):
            problems.errors["tags"] = "tags are words of at most 100 characters"
        elif tag not in tags:
            tags.append(tag)
    language = language_tag(entry.language)
    if language is None:
        problems.errors["language"] = (
            "not a language we write in: use " + ", ".join(SHIPPED) + " (or a tag such as fr-CA)"
        )
    if problems:
        return problems
    return CleanContact(
        given_name=names["given_name"],
        family_name=names["family_name"],
        organisation=names["organisation"],
        country=country,
        language=language or "",
        category=entry.category.strip()[:100],
        tags=tuple(tags),
        emails=tuple(emails),
        phones=tuple(phones),
    )


@dataclass(frozen=True)
class Saved:
    contact: Contact
    created: bool
    possible_duplicate: bool


def find_by_emails(session: Session, emails: Sequence[str]) -> Contact | None:
    if not emails:
        return None
    query = (
        select(Contact)
        .join(Identifier, Identifier.contact_id == Contact.id)
        .where(Identifier.kind == IdentifierKind.EMAIL.value, Identifier.value.in_(emails))
        .limit(1)
    )
    return session.scalar(query)


def _flag_shared_phones(session: Session, contact: Contact, phones: Sequence[str]) -> bool:
    if not phones:
        return False
    others = session.scalars(
        select(Identifier.contact_id).where(
            Identifier.kind == IdentifierKind.PHONE.value,
            Identifier.value.in_(phones),
            Identifier.contact_id != contact.id,
        )
    ).all()
    if not others:
        return False
    session.execute(
        update(Contact)
        .where(Contact.id.in_([*others, contact.id]))
        .values(possible_duplicate=True)
        .execution_options(synchronize_session=False)
    )
    contact.possible_duplicate = True
    return True


def save(session: Session, entry: CleanContact, *, actor: str) -> Saved:
    """Add the contact, or merge it into the one that has any of its emails already."""
    contact = find_by_emails(session, entry.emails)
    created = contact is None
    if contact is None:
        contact = Contact(
            given_name=entry.given_name,
            family_name=entry.family_name,
            organisation=entry.organisation,
            country=entry.country,
            language=entry.language,
            category=entry.category,
        )
        session.add(contact)
    else:
        # A merge fills gaps; it never overwrites what staff already hold.
        for name in (
            "given_name",
            "family_name",
            "organisation",
            "country",
            "language",
            "category",
        ):
            if not getattr(contact, name) and getattr(entry, name):
                setattr(contact, name, getattr(entry, name))
        contact.updated_at = utcnow()
    known = {(i.kind, i.value) for i in contact.identifiers}
    new_phones = []
    for kind, value in entry.identifiers:
        if (kind, value) not in known:
            contact.identifiers.append(Identifier(kind=kind, value=value))
            if kind == IdentifierKind.PHONE.value:
                new_phones.append(value)
    have_tags = set(contact.tag_list)
    for tag in entry.tags:
        if tag not in have_tags:
            contact.tags.append(ContactTag(tag=tag))
    contact.refresh_search()
    session.flush()
    duplicate = _flag_shared_phones(session, contact, new_phones)
    if created:
        session.add(ContactChange(contact_id=contact.id, actor=actor, summary="added"))
    return Saved(contact, created, duplicate)


def edit(session: Session, contact: Contact, entry: CleanContact, *, actor: str) -> list[str]:
    """Replace a contact's fields and identifiers with what staff submitted.

    Returns what changed, as the change record names it (field names, never values).
    """
    changed = [
        name
        for name in ("given_name", "family_name", "organisation", "country", "language", "category")
        if getattr(contact, name) != getattr(entry, name)
    ]
    for name in changed:
        setattr(contact, name, getattr(entry, name))
    wanted = set(entry.identifiers)
    current = {(i.kind, i.value): i for i in contact.identifiers}
    for key, identifier in current.items():
        if key not in wanted:
            contact.identifiers.remove(identifier)
            changed.append(f"removed {key[0]}")
    for kind, value in entry.identifiers:
        if (kind, value) not in current:
            clash = find_by_emails(session, [value]) if kind == IdentifierKind.EMAIL.value else None
            if clash is not None and clash.id != contact.id:
                raise InvalidInput.one("emails", "Another contact has this email address.")
            contact.identifiers.append(Identifier(kind=kind, value=value))
            changed.append(f"added {kind}")
    if set(contact.tag_list) != set(entry.tags):
        contact.tags = [ContactTag(tag=t) for t in entry.tags]
        changed.append("tags")
    if not changed:
        return []
    contact.updated_at = utcnow()
    contact.refresh_search()
    session.add(
        ContactChange(contact_id=contact.id, actor=actor, summary="changed " + ", ".join(changed))
    )
    session.flush()
    _flag_shared_phones(session, contact, entry.phones)
    return changed
