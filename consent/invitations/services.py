"""Invitation lists, RSVP answers and attendance inside one partner's vault.

A co-host's list goes through three steps: the audience is *selected* (rows with a fresh
random pseudonym, whose keyed tokens go to the hub for matching), then those the hub says an
earlier co-host already invited are dropped, and the rest are *invited*: each gets an RSVP link
and a message with the event's .ics in the outbox. Answers change only by compare-and-set on
the previous answer, so two requests racing on one invitation cannot both win.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.mail.smtp import TextAttachment
from concord.secrets import new_token, token_hash
from concord.settings import Settings
from consent.contacts.models import Contact, ContactTag
from consent.invitations.models import Invitation, InvitationState, InvitedEvent
from consent.ledger.models import ConsentState, CurrentConsent
from consent.outbox import services as outbox
from consent.overlap.tokenising import tokens_by_contact
from consent.public import (
    PSEUDONYM_BYTES,
    Answer,
    Audience,
    InvitationContent,
    UnknownPurpose,
)
from consent.purposes.models import Channel, LegalBasis, Purpose
from consent.purposes.services import by_code
from consent.suppression.services import SuppressionKey

INVITATION = "event_invitation"
PLACE_OFFERED = "event_place"


def _candidates(session: Session, purpose: Purpose, audience: Audience) -> Select[Any]:
    query = select(Contact).where(Contact.restricted.is_(False)).order_by(Contact.id)
    if audience.category:
        query = query.where(Contact.category == audience.category)
    if audience.tag:
        query = query.where(
            Contact.id.in_(select(ContactTag.contact_id).where(ContactTag.tag == audience.tag))
        )
    if purpose.legal_basis is LegalBasis.CONSENT:
        query = query.join(
            CurrentConsent,
            (CurrentConsent.contact_id == Contact.id)
            & (CurrentConsent.purpose_id == purpose.id)
            & (CurrentConsent.channel == Channel.EMAIL)
            & (CurrentConsent.state == ConsentState.GIVEN),
        )
    return query


def audience_contacts(
    session: Session, settings: Settings, partner_slug: str, audience: Audience
) -> tuple[Purpose, list[Contact]]:
    """The contacts the outbox would write to now: consent, restriction, suppression and an
    email address all checked, as at send time."""
    purpose = by_code(session, audience.purpose_code)
    if purpose is None or Channel.EMAIL not in purpose.channel_list:
        raise UnknownPurpose(audience.purpose_code)
    key = SuppressionKey(settings, partner_slug)
    chosen = [
        contact
        for contact in session.scalars(_candidates(session, purpose, audience))
        if contact.emails
        and outbox.reason_not_to_send(session, key, contact, purpose, Channel.EMAIL, INVITATION)
        is None
    ]
    return purpose, chosen


def _tokens(
    session: Session, key: bytes, contact_ids: Collection[int]
) -> dict[int, tuple[bytes, ...]]:
    """Keyed tokens of these contacts' identifiers, leaving out identifiers that several of
    the vault's contacts share (a switchboard says nothing about who a person is)."""
    wanted = set(contact_ids)
    tokens_of, _ = tokens_by_contact(session.connection(), key)
    return {c: found for c, found in tokens_of.items() if c in wanted}


def select_audience(
    session: Session,
    settings: Settings,
    partner_slug: str,
    *,
    event_id: str,
    audience: Audience,
    key: bytes,
) -> list[tuple[bytes, tuple[bytes, ...]]]:
    """Select the list for ``event_id``: (pseudonym, tokens) of each selected contact.

    A list selected before and never matched (a crash) is selected afresh.
    """
    session.execute(
        delete(Invitation).where(
            Invitation.event_id == event_id, Invitation.state == InvitationState.SELECTED
        )
    )
    purpose, contacts = audience_contacts(session, settings, partner_slug, audience)
    already = set(
        session.scalars(select(Invitation.contact_id).where(Invitation.event_id == event_id))
    )
    contacts = [c for c in contacts if c.id not in already]
    tokens_of = _tokens(session, key, [c.id for c in contacts])
    records: list[tuple[bytes, tuple[bytes, ...]]] = []
    placeholder_expiry = utcnow()
    for contact in contacts:
        pseudonym = secrets.token_bytes(PSEUDONYM_BYTES)
        session.add(
            Invitation(
                event_id=event_id,
                contact_id=contact.id,
                purpose_id=purpose.id,
                state=InvitationState.SELECTED,
                pseudonym=pseudonym,
                ref=secrets.token_hex(16),
                answer=Answer.NONE,
                expires_at=placeholder_expiry,
            )
        )
        records.append((pseudonym, tokens_of.get(contact.id, ())))
    session.flush()
    return records


def invited_tokens(
    session: Session, *, event_id: str, key: bytes
) -> list[tuple[bytes, tuple[bytes, ...]]]:
    """Tokens of the people this vault already invited to ``event_id``, under fresh
    pseudonyms that are not kept (the hub only needs to know they are taken)."""
    contact_ids = list(
        session.scalars(
            select(Invitation.contact_id).where(
                Invitation.event_id == event_id, Invitation.state == InvitationState.INVITED
            )
        )
    )
    tokens_of = _tokens(session, key, contact_ids)
    return [(secrets.token_bytes(PSEUDONYM_BYTES), tokens_of.get(c, ())) for c in contact_ids]


def send_invitations(
    session: Session,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    event_id: str,
    skip: Collection[bytes],
    content: InvitationContent,
) -> tuple[int, int]:
    """Drop the selected contacts the hub matched to an earlier co-host's list, invite the
    rest; returns (invited, dropped because they may no longer be written to)."""
    selected = session.scalars(
        select(Invitation).where(
            Invitation.event_id == event_id, Invitation.state == InvitationState.SELECTED
        )
    ).all()
    invited = unsendable = 0
    attachment = TextAttachment("invitation.ics", "text/calendar; method=REQUEST", content.ics)
    for invitation in selected:
        if invitation.pseudonym in skip:
            session.delete(invitation)
            continue
        # The link names its partner, so an answer reaches this vault without asking the others.
        rsvp = f"{partner_slug}.{new_token()}"
        contact = session.get_one(Contact, invitation.contact_id)
        purpose = session.get_one(Purpose, invitation.purpose_id)
        try:
            outbox.queue(
                session,
                settings,
                partner_slug=partner_slug,
                partner_name=partner_name,
                contact=contact,
                purpose=purpose,
                channel=Channel.EMAIL,
                kind=INVITATION,
                template=INVITATION,
                context={
                    **outbox.in_language(contact, content.subject, content.body, content.localised),
                    "rsvp_url": f"{settings.rsvp_url_base}/rsvp/{rsvp}",
                },
                idempotency_key=f"event:{event_id}:invitation:{contact.id}",
                attachments=[attachment],
            )
        except outbox.NotSendable:
            session.delete(invitation)
            unsendable += 1
            continue
        invitation.state = InvitationState.INVITED
        invitation.pseudonym = None
        invitation.rsvp_token_hash = token_hash(rsvp)
        invitation.expires_at = content.expires_at
        invited += 1
    copy = session.get(InvitedEvent, event_id) or InvitedEvent(event_id=event_id)
    copy.title, copy.starts_at = content.title[:300], content.starts_at
    session.add(copy)
    session.flush()
    return invited, unsendable


def forget_selection(session: Session, event_id: str) -> None:
    """Drop a selected list that was never matched (the matching failed)."""
    session.execute(
        delete(Invitation).where(
            Invitation.event_id == event_id, Invitation.state == InvitationState.SELECTED
        )
    )


def by_rsvp_token(session: Session, rsvp: str) -> Invitation | None:
    if not rsvp or len(rsvp) > 100:
        return None
    return session.scalar(select(Invitation).where(Invitation.rsvp_token_hash == token_hash(rsvp)))


def change_answer(session: Session, ref: str, *, expected: Answer, new: Answer) -> bool:
    """Compare-and-set one invitation's answer; True when it was still ``expected``."""
    result = session.execute(
        update(Invitation)
        .where(Invitation.ref == ref, Invitation.answer == expected)
        .values(answer=new, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def offer_place(
    session: Session,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    ref: str,
    subject: str,
    body: str,
    localised: Mapping[str, tuple[str, str]] | None = None,
) -> bool:
    """Move a waiting invitee to accepted and tell them; False if they are no longer waiting."""
    if not change_answer(session, ref, expected=Answer.WAITING, new=Answer.ACCEPTED):
        return False
    invitation = session.scalar(select(Invitation).where(Invitation.ref == ref))
    assert invitation is not None
    contact = session.get_one(Contact, invitation.contact_id)
    # The place is theirs even if they withdrew from our mail since: the message is a courtesy.
    with contextlib.suppress(outbox.NotSendable):
        outbox.queue(
            session,
            settings,
            partner_slug=partner_slug,
            partner_name=partner_name,
            contact=contact,
            purpose=session.get_one(Purpose, invitation.purpose_id),
            channel=Channel.EMAIL,
            kind=PLACE_OFFERED,
            template="message",
            context=outbox.in_language(contact, subject, body, localised or {}),
            idempotency_key=f"event:{invitation.event_id}:place:{invitation.contact_id}",
        )
    return True


def counts(session: Session, event_id: str) -> dict[str, int]:
    """How many of this vault's invitees gave each answer, and how many came."""
    rows = session.execute(
        select(Invitation.answer, func.count())
        .where(Invitation.event_id == event_id, Invitation.state == InvitationState.INVITED)
        .group_by(Invitation.answer)
    ).all()
    found: dict[str, int] = {str(answer): int(n) for answer, n in rows}
    found["attended"] = int(
        session.scalar(
            select(func.count()).where(
                Invitation.event_id == event_id, Invitation.attended_at.is_not(None)
            )
        )
        or 0
    )
    return found


def attendance_sheet(session: Session, event_id: str) -> Sequence[Mapping[str, Any]]:
    """This vault's invitees who accepted (or came), for its own staff to tick off."""
    rows = session.execute(
        select(Invitation, Contact)
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(
            Invitation.event_id == event_id,
            Invitation.state == InvitationState.INVITED,
            (Invitation.answer == Answer.ACCEPTED) | Invitation.attended_at.is_not(None),
        )
        .order_by(Contact.sort_key, Contact.id)
    ).all()
    return [
        {
            "ref": invitation.ref,
            "name": contact.display_name,
            "organisation": contact.organisation,
            "attended": invitation.attended_at is not None,
        }
        for invitation, contact in rows
    ]


def record_attendance(session: Session, event_id: str, present: Iterable[str]) -> int:
    """Mark exactly the invitations ``present`` names as attended; returns how many came."""
    wanted = set(present)
    for invitation in session.scalars(
        select(Invitation).where(
            Invitation.event_id == event_id, Invitation.state == InvitationState.INVITED
        )
    ):
        if invitation.ref in wanted and invitation.attended_at is None:
            invitation.attended_at = utcnow()
        elif invitation.ref not in wanted and invitation.attended_at is not None:
            invitation.attended_at = None
    session.flush()
    return counts(session, event_id)["attended"]


def notify_cancellation(
    session: Session,
    settings: Settings,
    partner_slug: str,
    *,
    partner_name: str,
    event_id: str,
    subject: str,
    body: str,
    localised: Mapping[str, tuple[str, str]] | None = None,
    ics: str,
) -> int:
    """Tell this vault's invitees who had not declined that the event is cancelled; returns
    how many messages were queued (once per invitee, however often this runs)."""
    attachment = TextAttachment("cancellation.ics", "text/calendar; method=CANCEL", ics)
    queued = 0
    for invitation in session.scalars(
        select(Invitation).where(
            Invitation.event_id == event_id,
            Invitation.state == InvitationState.INVITED,
            Invitation.answer != Answer.DECLINED,
        )
    ):
        contact = session.get_one(Contact, invitation.contact_id)
        try:
            outbox.queue(
                session,
                settings,
                partner_slug=partner_slug,
                partner_name=partner_name,
                contact=contact,
                purpose=session.get_one(Purpose, invitation.purpose_id),
                channel=Channel.EMAIL,
                kind="event_cancelled",
                template="message",
                context=outbox.in_language(contact, subject, body, localised or {}),
                idempotency_key=f"event:{event_id}:cancelled:{invitation.contact_id}",
                attachments=[attachment],
            )
            queued += 1
        except outbox.NotSendable:
            continue
    return queued
