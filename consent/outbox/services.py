"""Queueing stakeholder mail, and sending what is due.

Sending is the shared outbox engine's (``concord.mail.engine``): at least once, claimed by
compare-and-set, with the Message-ID fixed when the message is queued, so a message sent again
after a crash is the same message to its receiver.

Consent is checked twice: when a message is queued and again just before it is sent, so a
withdrawal, restriction or suppression that arrives in between cancels the message ("a
withdrawal takes effect before the next send").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.languages import DEFAULT
from concord.mail.engine import RUN_LIMIT, Claim, MessageStatus, Outbox
from concord.mail.engine import NotSendable as NotSendable
from concord.mail.engine import SendReport as SendReport
from concord.mail.rendering import RenderedEmail, render_email
from concord.mail.smtp import TextAttachment, build_message, new_message_id
from concord.settings import Settings
from consent.contacts.models import Contact
from consent.db import Vaults
from consent.ledger.models import ConsentState, CurrentConsent
from consent.links import services as links
from consent.links.models import LinkKind
from consent.mail_settings import services as mail_settings
from consent.outbox.models import OutboxMessage
from consent.purposes import services as purposes
from consent.purposes.models import Channel, LegalBasis, Purpose
from consent.suppression.services import SuppressionKey, suppressed

# The kind of the double opt-in message: sent while consent is pending, not given.
CONFIRMATION = "confirmation"
OUTBOX = Outbox(OutboxMessage, "outbox message")


def render(template: str, context: Mapping[str, Any], *, language: str = DEFAULT) -> RenderedEmail:
    """Render the subject, text and html of one stakeholder email from its template triplet,
    in ``language``."""
    return render_email("consent/mail", template, context, language=language)


def in_language(
    contact: Contact, subject: str, body: str, localised: Mapping[str, tuple[str, str]]
) -> dict[str, str]:
    """The subject and body of a message in the contact's language when the hub wrote it
    in that language, else as given."""
    chosen = localised.get(contact.language) if contact.language else None
    subject, body = chosen or (subject, body)
    return {"subject": subject, "body": body}


def reason_not_to_send(
    session: Session,
    key: SuppressionKey,
    contact: Contact,
    purpose: Purpose,
    channel: Channel,
    kind: str,
) -> str | None:
    """Why this contact may not get a message of ``kind`` now, or None when it may."""
    if channel is not Channel.EMAIL:
        return "not an email channel"
    if contact.restricted:
        return "processing restricted"
    if suppressed(session, key, [(i.kind, i.value) for i in contact.identifiers]):
        return "suppressed"
    current = session.get(CurrentConsent, (contact.id, purpose.id, channel))
    state = current.state if current else None
    if kind == CONFIRMATION:
        return None if state is ConsentState.PENDING else "consent no longer pending"
    if purpose.legal_basis is LegalBasis.CONSENT:
        return None if state is ConsentState.GIVEN else "no consent"
    return None if state in (None, ConsentState.GIVEN) else "objected or withdrawn"


def queue(
    session: Session,
    settings: Settings,
    *,
    partner_slug: str,
    partner_name: str,
    contact: Contact,
    purpose: Purpose,
    channel: Channel,
    kind: str,
    template: str,
    context: Mapping[str, Any],
    extra_headers: Mapping[str, str] | None = None,
    idempotency_key: str | None = None,
    to_address: str | None = None,
    attachments: Sequence[TextAttachment] = (),
) -> OutboxMessage:
    """Queue one message to ``contact`` under ``purpose`` and ``channel``.

    Raises :class:`NotSendable` when consent, a restriction or the suppression list forbids it
    (checked again at send time). With an ``idempotency_key`` already used, returns the
    message queued then. Every message but a confirmation is outreach: it carries a
    one-click unsubscribe (RFC 8058 and RFC 2369) for its purpose and channel. Every message
    carries a preference-centre link in its body. The template gets ``context`` plus
    ``partner_name``, ``contact_name``, ``purpose_name``, ``preferences_url`` and
    ``unsubscribe_url`` (None for confirmations). ``attachments`` travel with the message
    (an invitation's .ics).
    """
    if idempotency_key is not None:
        existing = session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    reason = reason_not_to_send(
        session, SuppressionKey(settings, partner_slug), contact, purpose, channel, kind
    )
    if reason:
        raise NotSendable(reason)
    address = to_address or (contact.emails[0] if contact.emails else None)
    if not address:
        raise NotSendable("no email address")
    base = settings.public_url
    preferences = links.issue(session, LinkKind.PREFERENCES, contact.id)
    headers = dict(extra_headers or {})
    unsubscribe_url = None
    if kind != CONFIRMATION:
        unsubscribe = links.issue(
            session, LinkKind.UNSUBSCRIBE, contact.id, purpose_id=purpose.id, channel=channel
        )
        unsubscribe_url = f"{base}/u/{unsubscribe}"
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    identity = mail_settings.current(session)
    language = identity.language_for(contact.language)
    subject, text, html = render(
        template,
        {
            **context,
            "partner_name": partner_name,
            "contact_name": contact.given_name or contact.display_name,
            "purpose_name": purposes.shown(purpose, language).name,
            "preferences_url": f"{base}/p/{preferences}",
            "unsubscribe_url": unsubscribe_url,
        },
        language=language,
    )
    message = OutboxMessage(
        contact_id=contact.id,
        purpose_id=purpose.id,
        channel=channel,
        kind=kind,
        sender=identity.sender(partner_name, settings),
        to_address=address,
        subject=subject[:300],
        text_body=text,
        html_body=html,
        headers=json.dumps(headers, sort_keys=True),
        attachments=json.dumps([asdict(a) for a in attachments]),
        status=MessageStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        message_id=new_message_id(settings),
        idempotency_key=idempotency_key,
    )
    session.add(message)
    session.flush()
    return message


def send_due(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    now: datetime | None = None,
    limit: int = RUN_LIMIT,
) -> SendReport:
    """Send what is due in one vault's outbox; safe to run concurrently and after a crash."""
    key = SuppressionKey(settings, partner_slug)

    def prepare(session: Session, claim: Claim) -> EmailMessage | None:
        message = session.get(OutboxMessage, claim.id)
        if message is None:  # erased with its contact since the claim
            return None
        contact = session.get_one(Contact, message.contact_id)
        purpose = session.get_one(Purpose, message.purpose_id)
        reason = reason_not_to_send(session, key, contact, purpose, message.channel, message.kind)
        if reason:
            raise NotSendable(reason)
        return build_message(
            sender=message.sender,
            to=message.to_address,
            subject=message.subject,
            text=message.text_body,
            html=message.html_body,
            message_id=message.message_id,
            headers=json.loads(message.headers),
            attachments=[TextAttachment(**a) for a in json.loads(message.attachments or "[]")],
        )

    transaction = partial(vaults.transaction, partner_slug)
    return OUTBOX.send_due(transaction, settings, prepare, now=now, limit=limit)


def cancel_queued(
    session: Session, contact_id: int, purpose_id: int | None = None, reason: str = "withdrawn"
) -> int:
    """Cancel a contact's queued messages (for one purpose, or all); returns how many."""
    query = update(OutboxMessage).where(
        OutboxMessage.contact_id == contact_id, OutboxMessage.status == MessageStatus.QUEUED
    )
    if purpose_id is not None:
        query = query.where(OutboxMessage.purpose_id == purpose_id)
    result = session.execute(
        query.values(
            status=MessageStatus.CANCELLED, last_error=f"cancelled: {reason}"
        ).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def cancel_queued_with_prefix(
    session: Session, settings: Settings, idempotency_prefix: str, reason: str
) -> int:
    """Cancel the unsent messages whose idempotency key starts with ``idempotency_prefix:``
    (one campaign's or one outreach item's); returns how many.

    Unsent means queued, or claimed by a sender that has since died (a stale claim, which
    would otherwise be sent again); a message a live sender is delivering right now goes out.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key.startswith(f"{idempotency_prefix}:", autoescape=True),
            OUTBOX.unsent(settings, utcnow()),
        )
        .values(status=MessageStatus.CANCELLED, last_error=f"cancelled: {reason}"[:200])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
