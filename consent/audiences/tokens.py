"""An outreach item's audience as the hub may see it, and the vault's memory for the item.

The hub gets the audience's size (for the owner's own staff) and, per member, the keyed
tokens of the calendar period. With ``keep_pseudonyms`` each record also gets a fresh
pseudonym, and the vault remembers which contact it stands for until the item's next
submission, so the hub can ask for some of them to be left out of the item.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from concord.settings import Settings
from consent.audiences.models import AudienceExclusion, AudiencePseudonym
from consent.audiences.services import audience_ids, own_categories, popular_tags
from consent.overlap.tokenising import tokens_by_contact
from consent.public import (
    PSEUDONYM_BYTES,
    AudienceChoices,
    AudienceSegment,
    AudienceTokens,
    PurposeSummary,
)
from consent.purposes.models import Purpose
from consent.suppression.services import SuppressionKey
from consent.tokens import matching_key


def suppression_key(settings: Settings, partner_slug: str) -> SuppressionKey | None:
    return SuppressionKey(settings, partner_slug) if settings.secret_key else None


def choices(session: Session) -> AudienceChoices:
    """What the vault's own staff can build a segment from."""
    purposes = [
        PurposeSummary(p.code, p.name, tuple(c.value for c in p.channel_list))
        for p in session.scalars(select(Purpose).order_by(Purpose.name))
    ]
    return AudienceChoices(purposes, own_categories(session), popular_tags(session))


def members(
    session: Session,
    settings: Settings,
    partner_slug: str,
    segment: AudienceSegment,
    item_ref: str | None = None,
) -> list[int]:
    """The segment's contact ids now, inside the vault only."""
    return audience_ids(session, segment, suppression_key(settings, partner_slug), item_ref)


def audience_tokens(
    session: Session,
    settings: Settings,
    partner_slug: str,
    segment: AudienceSegment,
    *,
    period_id: str,
    item_ref: str | None = None,
    keep_pseudonyms: bool = False,
) -> AudienceTokens:
    """The segment's members as keyed tokens of ``period_id``; the secret stays here.

    Identifiers several of this vault's contacts carry are left out, as in matching rounds.
    With ``item_ref`` the contacts left out of that item are left out here too.
    """
    key = matching_key(settings, f"calendar-period:{period_id}")
    wanted = set(members(session, settings, partner_slug, segment, item_ref))
    if item_ref is not None:
        session.execute(delete(AudiencePseudonym).where(AudiencePseudonym.item_ref == item_ref))
    if not wanted:
        return AudienceTokens([], 0, [] if keep_pseudonyms else None)
    tokens_of, _ = tokens_by_contact(session.connection(), key)
    kept = [c for c in wanted if tokens_of.get(c)]
    records = [tokens_of[c] for c in kept]
    if not (keep_pseudonyms and item_ref is not None):
        return AudienceTokens(records, len(wanted) - len(records))
    drawn = secrets.token_bytes(PSEUDONYM_BYTES * len(kept))
    names = [drawn[n : n + PSEUDONYM_BYTES] for n in range(0, len(drawn), PSEUDONYM_BYTES)]
    if kept:
        session.execute(
            insert(AudiencePseudonym),
            [
                {"item_ref": item_ref, "pseudonym": name, "contact_id": contact_id}
                for name, contact_id in zip(names, kept, strict=True)
            ],
        )
    return AudienceTokens(records, len(wanted) - len(records), names)


def exclude(session: Session, item_ref: str, pseudonyms: Iterable[bytes], reason: str) -> int:
    """Leave the contacts behind ``pseudonyms`` (of the item's latest submission) out of the
    item from now on; returns how many were newly left out."""
    wanted = list(pseudonyms)
    contacts: set[int] = set()
    for start in range(0, len(wanted), 500):
        contacts.update(
            session.scalars(
                select(AudiencePseudonym.contact_id).where(
                    AudiencePseudonym.item_ref == item_ref,
                    AudiencePseudonym.pseudonym.in_(wanted[start : start + 500]),
                )
            )
        )
    already = set(
        session.scalars(
            select(AudienceExclusion.contact_id).where(AudienceExclusion.item_ref == item_ref)
        )
    )
    fresh = sorted(contacts - already)
    if fresh:
        session.execute(
            insert(AudienceExclusion),
            [{"item_ref": item_ref, "contact_id": c, "reason": reason} for c in fresh],
        )
    return len(fresh)


def forget(session: Session, item_ref: str, *, exclusions: bool = False) -> None:
    """Drop an item's pseudonym map (and, with ``exclusions``, whom it left out)."""
    session.execute(delete(AudiencePseudonym).where(AudiencePseudonym.item_ref == item_ref))
    if exclusions:
        session.execute(delete(AudienceExclusion).where(AudienceExclusion.item_ref == item_ref))
