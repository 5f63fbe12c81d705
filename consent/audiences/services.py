"""Audiences of outreach items: which of a vault's contacts an item may reach.

A segment names a purpose and a channel (only contacts whose current consent for exactly that
purpose and channel is "given"), optionally a category (the partner's own, or a shared one
through the vault's category mapping) and tags (any of them). Restricted contacts and contacts
whose identifier is on the suppression list are never in an audience. Nothing here leaves the
vault except a count for the owner's own staff and keyed tokens for the hub.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from consent.audiences.models import AudienceExclusion
from consent.contacts.models import CategoryMapping, Contact, ContactTag, Identifier
from consent.ledger.models import ConsentState, CurrentConsent
from consent.public import AudienceSegment
from consent.purposes.models import Channel, Purpose
from consent.suppression.models import Suppression
from consent.suppression.services import SuppressionKey

OWN = "own:"
SHARED = "shared:"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


def check_segment(session: Session, segment: AudienceSegment) -> dict[str, str]:
    """Messages for the fields of ``segment`` that this vault cannot honour (empty if fine)."""
    errors: dict[str, str] = {}
    purpose = session.scalar(select(Purpose).where(Purpose.code == segment.purpose_code))
    if purpose is None:
        errors["purpose_code"] = "Choose one of your organisation's purposes."
    else:
        try:
            channel = Channel(segment.channel)
        except ValueError:
            errors["channel"] = "Choose a channel."
        else:
            if channel not in purpose.channel_list:
                allowed = ", ".join(c.value for c in purpose.channel_list)
                errors["channel"] = f"This purpose covers {allowed} only."
    if segment.category and not segment.category.startswith((OWN, SHARED)):
        errors["audience_category"] = "Choose a category from the list."
    return errors


def _own_categories(session: Session, category: str) -> list[str] | None:
    """The partner's own categories a segment's category stands for (None: no filter)."""
    if not category:
        return None
    if category.startswith(OWN):
        return [category.removeprefix(OWN)]
    slug = category.removeprefix(SHARED)
    mapped = set(
        session.scalars(
            select(CategoryMapping.own_category).where(CategoryMapping.shared_category == slug)
        )
    )
    unmapped = session.scalars(select(Contact.category).distinct())
    # A partner using the shared names as its own needs no mapping (as in matching).
    mapped.update(own for own in unmapped if own and _slug(own) == slug)
    return sorted(mapped)


def excluded_by_restriction() -> ColumnElement[bool]:
    """Contacts whose processing is restricted (GDPR article 18) are never in an audience.

    The hook the rights-requests work extends: today the ``restricted`` flag on the contact.
    """
    return Contact.restricted.is_(True)


def _query(session: Session, segment: AudienceSegment) -> Select[Any] | None:
    purpose_id = session.scalar(select(Purpose.id).where(Purpose.code == segment.purpose_code))
    if purpose_id is None:
        return None
    channel = Channel(segment.channel)
    query = (
        select(Contact.id)
        .join(CurrentConsent, CurrentConsent.contact_id == Contact.id)
        .where(
            CurrentConsent.purpose_id == purpose_id,
            CurrentConsent.channel == channel,
            CurrentConsent.state == ConsentState.GIVEN,
            ~excluded_by_restriction(),
        )
    )
    if channel is not Channel.POST:
        # An email reaches only contacts with an address, a call only those with a number.
        query = query.where(
            exists().where(Identifier.contact_id == Contact.id, Identifier.kind == channel.value)
        )
    own = _own_categories(session, segment.category)
    if own is not None:
        query = query.where(Contact.category.in_(own))
    tags = [tag for tag in segment.tags if tag]
    if tags:
        query = query.where(
            exists().where(ContactTag.contact_id == Contact.id, ContactTag.tag.in_(tags))
        )
    return query


def _without_suppressed(
    session: Session, key: SuppressionKey | None, contact_ids: Sequence[int]
) -> list[int]:
    """Drop contacts any of whose identifiers is on the suppression list."""
    hashes = set(session.scalars(select(Suppression.hash)))
    if not hashes or key is None:
        return list(contact_ids)
    wanted = set(contact_ids)
    blocked: set[int] = set()
    rows = session.execute(select(Identifier.contact_id, Identifier.kind, Identifier.value))
    for contact_id, kind, value in rows:
        if contact_id in wanted and key.hash(kind, value) in hashes:
            blocked.add(contact_id)
    return [c for c in contact_ids if c not in blocked]


def audience_ids(
    session: Session,
    segment: AudienceSegment,
    key: SuppressionKey | None,
    item_ref: str | None = None,
) -> list[int]:
    """The contact ids in ``segment``, for use inside the vault only; with ``item_ref``,
    without the contacts staff left out of that item."""
    if check_segment(session, segment):
        return []
    query = _query(session, segment)
    if query is None:
        return []
    if item_ref is not None:
        query = query.where(
            ~exists().where(
                AudienceExclusion.item_ref == item_ref, AudienceExclusion.contact_id == Contact.id
            )
        )
    return _without_suppressed(session, key, list(session.scalars(query.distinct())))


def own_categories(session: Session) -> list[str]:
    """The partner's own categories in use, for the segment form."""
    found = session.scalars(select(Contact.category).where(Contact.category != "").distinct())
    return sorted(found)


def popular_tags(session: Session, limit: int = 50) -> list[str]:
    counted = session.execute(
        select(ContactTag.tag, func.count())
        .group_by(ContactTag.tag)
        .order_by(func.count().desc(), ContactTag.tag)
        .limit(limit)
    )
    return sorted(tag for tag, _ in counted)
