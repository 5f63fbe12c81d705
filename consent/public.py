"""What other packages may ask of a vault: tokens for a matching round, overlap flags,
outreach audiences (their size for the owner, their tokens for a calendar period), stakeholder
mail, request counts, event invitation lists and their answers. Nothing here returns a name,
an address, a phone number or a contact id, with one exception:
:func:`event_attendance_sheet` lists a partner's own invitees for that partner's own staff,
behind the vault access level.
"""

from __future__ import annotations

import gc
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from concord.db import utcnow
from concord.settings import Settings
from consent.audiences.models import AudienceExclusion, AudiencePseudonym
from consent.audiences.services import AudienceSegment, audience_ids, check_segment
from consent.audiences.services import own_categories as _own_categories
from consent.audiences.services import popular_tags as _popular_tags
from consent.contacts.models import CategoryMapping, Contact, Identifier
from consent.db import Vaults
from consent.invitations import services as invitations
from consent.invitations.models import Answer
from consent.invitations.services import Audience, InvitationContent, UnknownPurpose
from consent.ledger.models import ConsentState, CurrentConsent
from consent.links.services import LinkProblem
from consent.outbox import services as outbox
from consent.outbox.models import OutboxMessage
from consent.outbox.services import SendReport
from consent.overlap.models import OverlapFlag, RoundPseudonym
from consent.purposes.models import Channel, LegalBasis, Purpose
from consent.purposes.services import by_code
from consent.rights import requests as rights_requests
from consent.rights.requests import RequestCounts
from consent.suppression.services import SuppressionKey
from consent.tokens import TOKEN_BYTES, round_key, token

PSEUDONYM_BYTES = 16

__all__ = [
    "PSEUDONYM_BYTES",
    "TOKEN_BYTES",
    "Answer",
    "Audience",
    "AudienceChoices",
    "AudienceSegment",
    "AudienceTokens",
    "InvitationContent",
    "InvitationHandle",
    "LinkProblem",
    "PurposeSummary",
    "QueueReport",
    "RequestCounts",
    "RoundRecord",
    "SendReport",
    "UnknownPurpose",
    "VaultSubmission",
    "Vaults",
    "apply_overlap_flags",
    "audience_choices",
    "audience_size",
    "audience_tokens",
    "cancel_queued_messages",
    "change_invitation_answer",
    "check_audience",
    "email_purposes",
    "event_attendance_sheet",
    "event_audience_size",
    "event_invitation_counts",
    "event_invited_tokens",
    "event_key",
    "event_list_for_matching",
    "exclude_from_audience",
    "find_invitation",
    "forget_audience",
    "forget_event_selection",
    "forget_round",
    "notify_event_cancelled",
    "offer_event_place",
    "open_request_counts",
    "outbox_status",
    "queue_to_audience",
    "queue_to_consenting",
    "record_event_attendance",
    "round_submission",
    "send_due_messages",
    "send_event_invitations",
]


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """One contact, as a round sees it: a fresh pseudonym, a shared category, its tokens."""

    pseudonym: bytes
    category: str | None
    tokens: tuple[bytes, ...]


@dataclass(frozen=True)
class VaultSubmission:
    records: list[RoundRecord]
    # Identifiers carried by more than one of this vault's contacts (a switchboard, a team
    # inbox): left out of linking, and reported to the vault's own staff only.
    shared_identifiers: int


def _shared_category(
    own: str, mapping: dict[str, str], shared_categories: Collection[str]
) -> str | None:
    if own in mapping:
        return mapping[own]
    # A partner that uses the shared names as its own ("Public body" for public-body) needs
    # no mapping.
    slug = re.sub(r"[^a-z0-9]+", "-", own.strip().lower()).strip("-")
    return slug if slug in shared_categories else None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of a bulk build.

    A round turns each vault into hundreds of thousands of acyclic records; every collection
    during the build would traverse all the records made so far (and the previous vault's,
    still held by the caller) without finding any garbage. The pause is undone on the way
    out, and nested or concurrent pauses only ever re-enable a collector they found enabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _tokens_by_contact(
    connection: Connection,
    key: bytes,
    progress: Callable[[int], None] | None,
) -> tuple[dict[int, tuple[bytes, ...]], int]:
    """Tokenise each contact's identifiers, leaving out those that several contacts carry.

    Returns the tokens by contact id, and how many identifiers were left out.
    """
    shared = {
        (kind, value)
        for kind, value in connection.execute(
            select(Identifier.kind, Identifier.value)
            .group_by(Identifier.kind, Identifier.value)
            .having(func.count() > 1)
        )
    }
    # Tuples, grown by concatenation (contacts have one or two identifiers), rather than
    # lists: the garbage collector can stop tracking tuples of bytes, but not lists.
    tokens_of: dict[int, tuple[bytes, ...]] = {}
    rows = connection.execute(select(Identifier.contact_id, Identifier.kind, Identifier.value))
    for done, (contact_id, kind, value) in enumerate(rows, start=1):
        if not shared or (kind, value) not in shared:
            tokens_of[contact_id] = (*tokens_of.get(contact_id, ()), token(key, kind, value))
        if progress and done % 10_000 == 0:
            progress(done)
    return tokens_of, len(shared)


def round_submission(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    round_id: str,
    shared_categories: Collection[str],
    only_category: str | None = None,
    keep_pseudonyms: bool = False,
    progress: Callable[[int], None] | None = None,
) -> VaultSubmission:
    """Tokenise the vault's contacts for one round; the matching secret never leaves here.

    With ``keep_pseudonyms`` the vault remembers which pseudonym is which contact until the
    round's flags come back (:func:`apply_overlap_flags`) or the round is forgotten.
    """
    if not settings.matching_secret:
        raise RuntimeError(
            "no matching secret: set CONCORD_MATCHING_SECRET or CONCORD_MATCHING_SECRET_FILE"
        )
    key = round_key(settings.matching_secret.encode("utf-8"), round_id)
    with _collector_paused():
        with vaults.transaction(partner_slug) as session:
            mapping = {
                m.own_category: m.shared_category for m in session.scalars(select(CategoryMapping))
            }
            # Core rows rather than ORM rows: a vault holds hundreds of thousands of contacts
            # and identifiers, and the ORM's per-row bookkeeping would double the read time.
            connection = session.connection()
            # Restricted contacts may only be stored (GDPR Art. 18(2)), so no round sees them.
            categories = dict(
                connection.execute(
                    select(Contact.id, Contact.category).where(Contact.restricted.is_(False))
                ).all()
            )
            tokens_of, shared_identifiers = _tokens_by_contact(connection, key, progress)
        # A vault uses a handful of own categories: map each once, not once per contact.
        shared_category = {
            own: _shared_category(own, mapping, shared_categories)
            for own in set(categories.values())
        }
        # One draw from the operating system's CSPRNG, cut into pseudonyms: as random as a
        # draw per contact, without a system call per contact.
        pseudonyms = secrets.token_bytes(PSEUDONYM_BYTES * len(categories))
        records = []
        kept: list[dict[str, object]] = []
        for number, (contact_id, own_category) in enumerate(categories.items()):
            category = shared_category[own_category]
            if only_category is not None and category != only_category:
                continue
            start = number * PSEUDONYM_BYTES
            pseudonym = pseudonyms[start : start + PSEUDONYM_BYTES]
            records.append(RoundRecord(pseudonym, category, tokens_of.get(contact_id, ())))
            if keep_pseudonyms:
                kept.append(
                    {"round_id": round_id, "pseudonym": pseudonym, "contact_id": contact_id}
                )
    if kept:
        with vaults.transaction(partner_slug) as session:
            session.execute(insert(RoundPseudonym), kept)
    return VaultSubmission(records, shared_identifiers)


def apply_overlap_flags(
    vaults: Vaults, partner_slug: str, round_id: str, flags: Iterable[tuple[bytes, int]]
) -> int:
    """Replace the vault's "also held by N other partners" flags with this round's.

    ``flags`` pairs a pseudonym of this round with how many other partners hold that person;
    the pseudonym map is forgotten afterwards. Returns how many contacts are flagged.
    """
    with vaults.transaction(partner_slug) as session:
        contact_of = dict(
            session.execute(
                select(RoundPseudonym.pseudonym, RoundPseudonym.contact_id).where(
                    RoundPseudonym.round_id == round_id
                )
            ).all()
        )
        rows = [
            {"contact_id": contact_of[pseudonym], "other_partners": others, "round_id": round_id}
            for pseudonym, others in flags
            if others > 0 and pseudonym in contact_of
        ]
        session.execute(delete(OverlapFlag))
        if rows:
            session.execute(insert(OverlapFlag), rows)
        session.execute(delete(RoundPseudonym).where(RoundPseudonym.round_id == round_id))
    return len(rows)


def forget_round(vaults: Vaults, partner_slug: str, round_id: str | None = None) -> None:
    """Drop a round's pseudonym map (every round's, when ``round_id`` is None)."""
    with vaults.transaction(partner_slug) as session:
        query = delete(RoundPseudonym)
        if round_id is not None:
            query = query.where(RoundPseudonym.round_id == round_id)
        session.execute(query)


@dataclass(frozen=True)
class QueueReport:
    """Messages in the outbox for this call (queued now or by an earlier call with the same
    prefix), and contacts that consent, a restriction or the suppression list left out."""

    queued: int
    skipped: int


def queue_to_consenting(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    purpose_code: str,
    channel: str,
    kind: str,
    template: str,
    context: Mapping[str, Any],
    idempotency_prefix: str,
    category: str | None = None,
    limit: int | None = None,
) -> QueueReport:
    """Queue one message to every contact whose consent allows ``purpose_code`` by ``channel``.

    ``template`` names a triplet under ``templates/consent/mail/`` (``message`` renders
    ``subject`` and ``body`` from ``context``). Each contact's message has the idempotency key
    ``{idempotency_prefix}:{contact}``, so calling again (a retried job, a double submit)
    queues nobody twice. Consent is checked again when each message is sent. ``limit`` caps
    how many contacts are considered (a pilot send, the demo's first messages).
    """
    wanted = Channel(channel)
    with vaults.transaction(partner_slug) as session:
        purpose = by_code(session, purpose_code)
        if purpose is None:
            raise ValueError(f"no purpose {purpose_code} in this vault")
        query = select(Contact).order_by(Contact.id)
        if category is not None:
            query = query.where(Contact.category == category)
        if purpose.legal_basis is LegalBasis.CONSENT:
            query = query.join(
                CurrentConsent,
                (CurrentConsent.contact_id == Contact.id)
                & (CurrentConsent.purpose_id == purpose.id)
                & (CurrentConsent.channel == wanted)
                & (CurrentConsent.state == ConsentState.GIVEN),
            )
        if limit is not None:
            query = query.limit(limit)
        queued = skipped = 0
        for contact in session.scalars(query):
            try:
                outbox.queue(
                    session,
                    settings,
                    partner_slug=partner_slug,
                    partner_name=partner_name,
                    contact=contact,
                    purpose=purpose,
                    channel=wanted,
                    kind=kind,
                    template=template,
                    context=context,
                    idempotency_key=f"{idempotency_prefix}:{contact.id}",
                )
                queued += 1
            except outbox.NotSendable:
                skipped += 1
    return QueueReport(queued, skipped)


def queue_to_audience(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    segment: AudienceSegment,
    *,
    partner_name: str,
    kind: str,
    template: str,
    context: Mapping[str, Any],
    idempotency_prefix: str,
    item_ref: str | None = None,
    batch: int = 500,
) -> QueueReport:
    """Queue one message to every member of ``segment`` now (an outreach item at its time).

    The audience is resolved here, when called: consent for the segment's purpose and channel
    given, not restricted, not suppressed, and (with ``item_ref``) not left out of that item.
    Each message's idempotency key is ``{idempotency_prefix}:{contact}``, so a call repeated
    after a crash queues nobody twice; messages are committed ``batch`` at a time. Consent is
    checked again when each message is sent.
    """
    with vaults.transaction(partner_slug) as session:
        purpose = by_code(session, segment.purpose_code)
        if purpose is None:
            raise ValueError("the segment's purpose is not in this vault")
        members = audience_ids(session, segment, _suppression_key(settings, partner_slug), item_ref)
    wanted = Channel(segment.channel)
    queued = skipped = 0
    for start in range(0, len(members), batch):
        with vaults.transaction(partner_slug) as session:
            purpose = session.get_one(Purpose, purpose.id)
            for contact_id in members[start : start + batch]:
                contact = session.get(Contact, contact_id)
                if contact is None:  # erased since the audience was resolved
                    skipped += 1
                    continue
                try:
                    outbox.queue(
                        session,
                        settings,
                        partner_slug=partner_slug,
                        partner_name=partner_name,
                        contact=contact,
                        purpose=purpose,
                        channel=wanted,
                        kind=kind,
                        template=template,
                        context=context,
                        idempotency_key=f"{idempotency_prefix}:{contact_id}",
                    )
                    queued += 1
                except outbox.NotSendable:
                    skipped += 1
    return QueueReport(queued, skipped)


def cancel_queued_messages(
    vaults: Vaults, settings: Settings, partner_slug: str, idempotency_prefix: str, reason: str
) -> int:
    """Cancel the messages queued under ``idempotency_prefix`` and not sent yet (an outreach
    item cancelled mid-send); returns how many."""
    with vaults.transaction(partner_slug) as session:
        return outbox.cancel_queued_with_prefix(session, settings, idempotency_prefix, reason)


def send_due_messages(vaults: Vaults, settings: Settings, partner_slug: str) -> SendReport:
    """Send what is due in the vault's outbox now (the worker does this every few seconds)."""
    return outbox.send_due(vaults, settings, partner_slug)


def outbox_status(vaults: Vaults, partner_slug: str, idempotency_prefix: str) -> dict[str, int]:
    """How many of the messages queued under ``idempotency_prefix`` are in each status."""
    with vaults.transaction(partner_slug) as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count())
            .where(
                OutboxMessage.idempotency_key.startswith(f"{idempotency_prefix}:", autoescape=True)
            )
            .group_by(OutboxMessage.status)
        ).all()
    return {str(status): int(count) for status, count in rows}


def open_request_counts(vaults: Vaults, partner_slug: str) -> RequestCounts:
    """How many data-subject requests the partner has open, and how many are overdue.

    Counts only, for the secretariat's dashboard: the partnership sees that requests are
    answered in time, never whose they are.
    """
    with vaults.transaction(partner_slug) as session:
        return rights_requests.counts(session)


# Outreach audiences -----------------------------------------------------------------------


@dataclass(frozen=True)
class PurposeSummary:
    """A purpose of the partner's catalogue, as the item form offers it."""

    code: str
    name: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class AudienceChoices:
    """What a partner's staff can build a segment from: purposes, own categories, tags."""

    purposes: list[PurposeSummary]
    categories: list[str]
    tags: list[str]


@dataclass(frozen=True)
class AudienceTokens:
    """An audience as the hub may see it: per person, the keyed tokens of the calendar period.

    ``untokenised`` counts members with no identifier the hub could link (post only, or only
    identifiers several contacts share); they count for the owner but not across partners.
    """

    records: list[tuple[bytes, ...]]
    untokenised: int
    # One fresh pseudonym per record, when the vault keeps the map for per-contact answers.
    pseudonyms: list[bytes] | None = None


def _suppression_key(settings: Settings, partner_slug: str) -> SuppressionKey | None:
    return SuppressionKey(settings, partner_slug) if settings.secret_key else None


def calendar_period_key(settings: Settings, period_id: str) -> bytes:
    """The token key of one calendar period: the matching secret and the period, as rounds."""
    if not settings.matching_secret:
        raise RuntimeError(
            "no matching secret: set CONCORD_MATCHING_SECRET or CONCORD_MATCHING_SECRET_FILE"
        )
    return round_key(settings.matching_secret.encode("utf-8"), f"calendar-period:{period_id}")


def audience_choices(vaults: Vaults, partner_slug: str) -> AudienceChoices:
    with vaults.transaction(partner_slug) as session:
        purposes = [
            PurposeSummary(p.code, p.name, tuple(c.value for c in p.channel_list))
            for p in session.scalars(select(Purpose).order_by(Purpose.name))
        ]
        return AudienceChoices(purposes, _own_categories(session), _popular_tags(session))


def check_audience(vaults: Vaults, partner_slug: str, segment: AudienceSegment) -> dict[str, str]:
    """Messages for what the vault cannot honour: an unknown purpose, a channel it lacks."""
    with vaults.transaction(partner_slug) as session:
        return check_segment(session, segment)


def audience_size(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    segment: AudienceSegment,
    *,
    item_ref: str | None = None,
) -> int:
    """How many contacts the segment reaches now (without those left out of ``item_ref``):
    for the owning partner's own staff only."""
    with vaults.transaction(partner_slug) as session:
        key = _suppression_key(settings, partner_slug)
        return len(audience_ids(session, segment, key, item_ref))


def audience_tokens(
    vaults: Vaults,
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
    With ``item_ref`` the contacts left out of that item are left out here too; with
    ``keep_pseudonyms`` as well, each record gets a fresh pseudonym and the vault remembers,
    until the next submission for the item, which contact it stands for.
    """
    key = calendar_period_key(settings, period_id)
    with vaults.transaction(partner_slug) as session:
        suppression = _suppression_key(settings, partner_slug)
        members = set(audience_ids(session, segment, suppression, item_ref))
        if item_ref is not None:
            session.execute(delete(AudiencePseudonym).where(AudiencePseudonym.item_ref == item_ref))
        if not members:
            return AudienceTokens([], 0, [] if keep_pseudonyms else None)
        connection = session.connection()
        tokens_of, _ = _tokens_by_contact(connection, key, None)
        kept = [c for c in members if tokens_of.get(c)]
        records = [tokens_of[c] for c in kept]
        if not (keep_pseudonyms and item_ref is not None):
            return AudienceTokens(records, len(members) - len(records))
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
    return AudienceTokens(records, len(members) - len(records), names)


def exclude_from_audience(
    vaults: Vaults, partner_slug: str, item_ref: str, pseudonyms: Iterable[bytes], reason: str
) -> int:
    """Leave the contacts behind ``pseudonyms`` (of the item's latest submission) out of the
    item from now on; returns how many were newly left out."""
    with vaults.transaction(partner_slug) as session:
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


def forget_audience(
    vaults: Vaults, partner_slug: str, item_ref: str, *, exclusions: bool = False
) -> None:
    """Drop an item's pseudonym map (and, with ``exclusions``, whom it left out)."""
    with vaults.transaction(partner_slug) as session:
        session.execute(delete(AudiencePseudonym).where(AudiencePseudonym.item_ref == item_ref))
        if exclusions:
            session.execute(delete(AudienceExclusion).where(AudienceExclusion.item_ref == item_ref))


# --- Joint events: invitation lists, answers, attendance -----------------------------------


def event_key(settings: Settings, event_id: str) -> bytes:
    """The token key of one event's list matching: derived like a round's, never shared."""
    if not settings.matching_secret:
        raise RuntimeError(
            "no matching secret: set CONCORD_MATCHING_SECRET or CONCORD_MATCHING_SECRET_FILE"
        )
    return round_key(settings.matching_secret.encode("utf-8"), f"event:{event_id}")


def event_audience_size(
    vaults: Vaults, settings: Settings, partner_slug: str, audience: Audience
) -> int:
    """How many contacts ``audience`` names now (the preview while choosing it)."""
    with vaults.transaction(partner_slug) as session:
        return len(invitations.audience_contacts(session, settings, partner_slug, audience)[1])


def event_list_for_matching(
    vaults: Vaults, settings: Settings, partner_slug: str, *, event_id: str, audience: Audience
) -> list[tuple[bytes, tuple[bytes, ...]]]:
    """Select the co-host's invitation list: (fresh pseudonym, keyed tokens) per invitee."""
    key = event_key(settings, event_id)
    with vaults.transaction(partner_slug) as session:
        return invitations.select_audience(
            session, settings, partner_slug, event_id=event_id, audience=audience, key=key
        )


def event_invited_tokens(
    vaults: Vaults, settings: Settings, partner_slug: str, event_id: str
) -> list[tuple[bytes, tuple[bytes, ...]]]:
    """Keyed tokens of the people this vault already invited, under throwaway pseudonyms."""
    key = event_key(settings, event_id)
    with vaults.transaction(partner_slug) as session:
        return invitations.invited_tokens(session, event_id=event_id, key=key)


def send_event_invitations(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    event_id: str,
    skip: Collection[bytes],
    content: InvitationContent,
) -> tuple[int, int]:
    """Invite the selected list but the pseudonyms in ``skip``; (invited, no longer sendable)."""
    with vaults.transaction(partner_slug) as session:
        return invitations.send_invitations(
            session,
            settings,
            partner_slug,
            partner_name=partner_name,
            event_id=event_id,
            skip=skip,
            content=content,
        )


def forget_event_selection(vaults: Vaults, partner_slug: str, event_id: str) -> None:
    with vaults.transaction(partner_slug) as session:
        invitations.forget_selection(session, event_id)


@dataclass(frozen=True)
class InvitationHandle:
    """An invitation as the hub may see it: whose vault, an opaque reference, the answer."""

    partner_slug: str
    ref: str
    event_id: str
    answer: Answer


def find_invitation(
    vaults: Vaults, partner_slugs: Iterable[str], rsvp_token: str
) -> InvitationHandle:
    """The invitation an RSVP link names; :class:`LinkProblem` 404 (unknown) or 410 (over)."""
    for slug in partner_slugs:
        with vaults.transaction(slug) as session:
            found = invitations.by_rsvp_token(session, rsvp_token)
            if found is None:
                continue
            if found.expires_at <= utcnow():
                raise LinkProblem(410)
            return InvitationHandle(slug, found.ref, found.event_id, found.answer)
    raise LinkProblem(404)


def change_invitation_answer(
    vaults: Vaults, partner_slug: str, ref: str, *, expected: Answer, new: Answer
) -> bool:
    """Compare-and-set an invitee's answer in the inviting partner's vault."""
    with vaults.transaction(partner_slug) as session:
        return invitations.change_answer(session, ref, expected=expected, new=new)


def offer_event_place(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    ref: str,
    subject: str,
    body: str,
) -> bool:
    """Give a waiting invitee the place that opened, and tell them; False if not waiting."""
    with vaults.transaction(partner_slug) as session:
        return invitations.offer_place(
            session,
            settings,
            partner_slug,
            partner_name=partner_name,
            ref=ref,
            subject=subject,
            body=body,
        )


def event_invitation_counts(vaults: Vaults, partner_slug: str, event_id: str) -> dict[str, int]:
    """Counts of this vault's invitees per answer, and how many attended."""
    with vaults.transaction(partner_slug) as session:
        return invitations.counts(session, event_id)


def event_attendance_sheet(
    vaults: Vaults, partner_slug: str, event_id: str
) -> list[dict[str, Any]]:
    """The partner's own invitees who accepted or came: for its own staff only."""
    with vaults.transaction(partner_slug) as session:
        return [dict(row) for row in invitations.attendance_sheet(session, event_id)]


def record_event_attendance(
    vaults: Vaults, partner_slug: str, event_id: str, present: Iterable[str]
) -> int:
    """Record who of the partner's own invitees came; returns how many did."""
    with vaults.transaction(partner_slug) as session:
        return invitations.record_attendance(session, event_id, present)


def email_purposes(vaults: Vaults, partner_slug: str) -> list[tuple[str, str]]:
    """(code, name) of the vault's purposes that write by email: what an audience may use."""
    from consent.purposes.services import all_purposes

    with vaults.transaction(partner_slug) as session:
        return [(p.code, p.name) for p in all_purposes(session) if Channel.EMAIL in p.channel_list]


def notify_event_cancelled(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    event_id: str,
    subject: str,
    body: str,
    ics: str,
) -> int:
    """Queue a cancellation (with its .ics) to the vault's invitees who had not declined."""
    with vaults.transaction(partner_slug) as session:
        return invitations.notify_cancellation(
            session,
            settings,
            partner_slug,
            partner_name=partner_name,
            event_id=event_id,
            subject=subject,
            body=body,
            ics=ics,
        )
