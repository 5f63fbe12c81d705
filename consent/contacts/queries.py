"""Finding contacts: search, filters and keyset pagination for the list, export and API.

Pages are cut on ``(sort_key, id)`` and walk the ``ix_contacts_sort`` index, so the hundredth
page costs what the first does, even at 250,000 contacts: no OFFSET, and no count of the whole
table. The cursor in a URL is a contact id (the row a page ends or starts at), never its sort
key, which holds a name.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true, tuple_
from sqlalchemy.orm import Session

from concord.identifiers import IdentifierKind, InvalidIdentifier, normalise_email, normalise_phone
from concord.inputs import row_id
from consent.contacts.models import Contact, ContactTag, Identifier
from consent.ledger.models import ConsentState, CurrentConsent
from consent.overlap.models import OverlapFlag
from consent.purposes.models import Channel

PAGE_SIZE = 50
# A query with this shape is tried as a phone number too (exact match on the E.164 form).
PHONE_LIKE = re.compile(r"\+?[\d\s().\-/]{6,30}")


class ConsentFilter(enum.StrEnum):
    """The consent states staff filter by; ``none`` means no record at all for the purpose."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"
    NONE = "none"

    @property
    def label(self) -> str:
        return "no record" if self is ConsentFilter.NONE else self.value


@dataclass(frozen=True)
class ContactFilters:
    """What staff asked the list for: a search and any of the filters (empty means any)."""

    q: str = ""
    category: str = ""
    tag: str = ""
    purpose_id: int | None = None
    channel: Channel | None = None
    consent: ConsentFilter | None = None
    duplicates: bool = False
    # Contacts the latest matching round flagged as also held by other partners (only where
    # the principles allow per-contact flags; otherwise no contact carries a flag).
    shared: bool = False

    @property
    def active(self) -> bool:
        return bool(self.query_items())

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs, for links that keep them (pages, export)."""
        items = [
            ("q", self.q.strip()),
            ("category", self.category),
            ("tag", self.tag),
            ("purpose", str(self.purpose_id) if self.purpose_id is not None else ""),
            ("channel", self.channel.value if self.channel else ""),
            ("consent", self.consent.value if self.consent else ""),
            ("duplicates", "1" if self.duplicates else ""),
            ("shared", "1" if self.shared else ""),
        ]
        return [(name, value) for name, value in items if value]

    def query_string(self, **cursor: int | None) -> str:
        pairs = self.query_items() + [(k, str(v)) for k, v in cursor.items() if v is not None]
        return urlencode(pairs)


def parse_filters(
    *,
    q: str = "",
    category: str = "",
    tag: str = "",
    purpose: str = "",
    channel: str = "",
    consent: str = "",
    duplicates: str = "",
    shared: str = "",
) -> tuple[ContactFilters, dict[str, str]]:
    """Filters from query parameters, and messages for the ones that make no sense."""
    errors: dict[str, str] = {}
    purpose_id: int | None = None
    if purpose.strip():
        purpose_id = row_id(purpose)
        if purpose_id is None:
            errors["purpose"] = "Choose a purpose from the list."
    channel_value: Channel | None = None
    if channel:
        try:
            channel_value = Channel(channel)
        except ValueError:
            errors["channel"] = "Choose a channel from the list."
    consent_value: ConsentFilter | None = None
    if consent:
        try:
            consent_value = ConsentFilter(consent)
        except ValueError:
            errors["consent"] = "Choose a consent state from the list."
    if consent_value is not None and purpose_id is None and "purpose" not in errors:
        errors["purpose"] = "Choose the purpose whose consent you want to filter by."
    filters = ContactFilters(
        q=q.strip()[:200],
        category=category.strip(),
        tag=tag.strip(),
        purpose_id=purpose_id,
        channel=channel_value,
        consent=consent_value,
        duplicates=duplicates.lower() in {"1", "true", "on", "yes"},
        shared=shared.lower() in {"1", "true", "on", "yes"},
    )
    return filters, errors


def _identifier_match(term: str, default_country: str) -> Select[Any] | None:
    """Contacts holding exactly the identifier typed, when the query looks like one."""
    try:
        if "@" in term:
            kind, value = IdentifierKind.EMAIL, normalise_email(term)
        elif PHONE_LIKE.fullmatch(term):
            kind, value = IdentifierKind.PHONE, normalise_phone(term, default_country)
        else:
            return None
    except InvalidIdentifier:
        return None
    return select(Identifier.contact_id).where(
        Identifier.kind == kind.value, Identifier.value == value
    )


def _search(q: str, default_country: str) -> ColumnElement[bool]:
    term = unicodedata.normalize("NFC", q).strip().lower()
    # Every word must appear, so "müller anna" finds Anna Müller as "anna müller" does.
    words = [Contact.search_text.contains(word, autoescape=True) for word in term.split()]
    by_text = and_(*words) if words else true()
    exact = _identifier_match(term, default_country)
    return or_(by_text, Contact.id.in_(exact)) if exact is not None else by_text


def _consent(filters: ContactFilters) -> ColumnElement[bool] | None:
    if filters.purpose_id is None or filters.consent is None:
        return None
    record = exists().where(
        CurrentConsent.contact_id == Contact.id, CurrentConsent.purpose_id == filters.purpose_id
    )
    if filters.channel is not None:
        record = record.where(CurrentConsent.channel == filters.channel)
    if filters.consent is ConsentFilter.NONE:
        return ~record
    return record.where(CurrentConsent.state == ConsentState(filters.consent.value))


def conditions(filters: ContactFilters, default_country: str) -> list[ColumnElement[bool]]:
    """The WHERE clauses that ``filters`` stand for."""
    where: list[ColumnElement[bool]] = []
    if filters.q.strip():
        where.append(_search(filters.q, default_country))
    if filters.category:
        where.append(Contact.category == filters.category)
    if filters.tag:
        where.append(
            exists().where(ContactTag.contact_id == Contact.id, ContactTag.tag == filters.tag)
        )
    if (consent := _consent(filters)) is not None:
        where.append(consent)
    if filters.duplicates:
        where.append(Contact.possible_duplicate.is_(True))
    if filters.shared:
        where.append(exists().where(OverlapFlag.contact_id == Contact.id))
    return where


@dataclass(frozen=True)
class ContactPage:
    """One page of the list, with the cursors of the pages either side (None at an end)."""

    contacts: Sequence[Contact]
    next_after: int | None
    previous_before: int | None


Position = tuple[str, int]


def _position(session: Session, contact_id: int | None) -> Position | None:
    # A cursor no row can have (0, negative, past 64 bits) names no contact, like a deleted one;
    # the database driver would raise on it instead of finding nothing.
    checked = None if contact_id is None else row_id(contact_id)
    if checked is None:
        return None
    key = session.scalar(select(Contact.sort_key).where(Contact.id == checked))
    return (key, checked) if key is not None else None


def _any(session: Session, where: Sequence[ColumnElement[bool]]) -> bool:
    return bool(session.scalar(select(exists().where(*where))))


def find_contacts(
    session: Session,
    filters: ContactFilters,
    *,
    default_country: str,
    after: int | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> ContactPage:
    """The page after contact ``after`` (or before contact ``before``), in name order.

    A cursor naming a contact that no longer exists starts again from the beginning.
    """
    where = conditions(filters, default_country)
    key = tuple_(Contact.sort_key, Contact.id)
    end = _position(session, before)
    if end is not None:
        query = (
            select(Contact)
            .where(*where, key < end)
            .order_by(Contact.sort_key.desc(), Contact.id.desc())
            .limit(size + 1)
        )
        rows = list(session.scalars(query))
        if len(rows) > size:
            page = rows[:size][::-1]
            following = _any(session, [*where, key >= end])
            return ContactPage(page, page[-1].id if following else None, page[0].id)
        # Back at the beginning: show a full first page rather than a short one.
        after = None
    start = _position(session, after)
    query = select(Contact).where(*where).order_by(Contact.sort_key, Contact.id).limit(size + 1)
    if start is not None:
        query = query.where(key > start)
    rows = list(session.scalars(query))
    page = rows[:size]
    preceding = start is not None and bool(page) and _any(session, [*where, key <= start])
    return ContactPage(
        page,
        page[-1].id if len(rows) > size else None,
        page[0].id if preceding else None,
    )


def matching_ids(
    session: Session, filters: ContactFilters, *, default_country: str, include_restricted: bool
) -> list[int]:
    """The ids of every matching contact in name order (an export's fixed list of rows)."""
    where = conditions(filters, default_country)
    if not include_restricted:
        where.append(Contact.restricted.is_(False))
    query = select(Contact.id).where(*where).order_by(Contact.sort_key, Contact.id)
    return list(session.scalars(query))


def own_categories(session: Session) -> list[str]:
    """The partner's own categories in use, for the filter's choices."""
    query = select(Contact.category).where(Contact.category != "").distinct()
    return sorted(session.scalars(query))


def tags_in_use(session: Session, limit: int = 500) -> list[str]:
    """Tags in use (the first ``limit`` alphabetically), offered as suggestions."""
    query = select(ContactTag.tag).distinct().order_by(ContactTag.tag).limit(limit)
    return list(session.scalars(query))


def sharing_a_phone(session: Session, contact: Contact) -> Sequence[Contact]:
    """Other contacts with one of this contact's phone numbers: the possible duplicates."""
    if not contact.phones:
        return []
    others = select(Identifier.contact_id).where(
        Identifier.kind == IdentifierKind.PHONE.value,
        Identifier.value.in_(contact.phones),
        Identifier.contact_id != contact.id,
    )
    query = select(Contact).where(Contact.id.in_(others)).order_by(Contact.sort_key, Contact.id)
    return session.scalars(query.limit(20)).all()
