"""Queueing stakeholder mail, and sending what is due.

Delivery is at least once, with a stable Message-ID. Each message's Message-ID is fixed when
it is queued. The sender claims a due message by compare-and-set (status ``queued`` to
``sending``), sends it, then marks it ``sent``. If the worker dies between sending and
marking, the claim goes stale and a later run sends the message again, with the same
Message-ID and content: receivers and mail clients treat the two as one message, so a
receiver sees at most one distinct message per outbox row. The alternative (marking before
sending) would lose mail on every crash instead.

Consent is checked twice: when a message is queued and again just before it is sent, so a
withdrawal, restriction or suppression that arrives in between cancels the message ("a
withdrawal takes effect before the next send").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.mail.smtp import (
    DeliveryError,
    TextAttachment,
    build_message,
    deliver,
    new_message_id,
)
from concord.paths import TEMPLATES
from concord.settings import Settings
from consent.contacts.models import Contact
from consent.db import Vaults
from consent.ledger.models import ConsentState, CurrentConsent
from consent.links import services as links
from consent.links.models import LinkKind
from consent.outbox.models import MessageStatus, OutboxMessage
from consent.purposes.models import Channel, LegalBasis, Purpose
from consent.suppression.services import SuppressionKey, suppressed

log = logging.getLogger("consent.outbox")

# The kind of the double opt-in message: sent while consent is pending, not given.
CONFIRMATION = "confirmation"
# The default of ``Settings.outbox_stale_claim_seconds``.
STALE_CLAIM = timedelta(minutes=10)
# How many messages one claim takes: a sender killed mid-run leaves at most this many claimed
# and unsent (sent again, unchanged, once the claim is stale), and one of them in flight.
CLAIM_BATCH = 10
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


class NotSendable(Exception):
    """The contact may not receive this message now; ``reason`` names why (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES / "consent" / "mail"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render the subject, text and html of one email from its template triplet."""
    env = _environment()
    subject = env.get_template(f"{template}.subject.txt").render(context).strip()
    text = env.get_template(f"{template}.txt").render(context)
    html = env.get_template(f"{template}.html").render(context)
    return subject, text, html


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
    subject, text, html = render(
        template,
        {
            **context,
            "partner_name": partner_name,
            "contact_name": contact.given_name or contact.display_name,
            "purpose_name": purpose.name,
            "preferences_url": f"{base}/p/{preferences}",
            "unsubscribe_url": unsubscribe_url,
        },
    )
    message = OutboxMessage(
        contact_id=contact.id,
        purpose_id=purpose.id,
        channel=channel,
        kind=kind,
        sender=formataddr((partner_name, settings.mail_from)),
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


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: one minute after the first failure, doubling, at most six hours."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), LONGEST_RETRY)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class _Claim:
    id: int
    at: datetime


def _claim_due(
    session: Session, now: datetime, limit: int, stale: timedelta = STALE_CLAIM
) -> list[_Claim]:
    """Take due messages, and messages whose claim went stale, by compare-and-set."""
    due = session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.claimed_at)
        .where(
            (
                (OutboxMessage.status == MessageStatus.QUEUED)
                & (OutboxMessage.next_attempt_at <= now)
            )
            | (
                (OutboxMessage.status == MessageStatus.SENDING)
                & (OutboxMessage.claimed_at < now - stale)
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    claims: list[_Claim] = []
    for message_id, status, claimed_at in due:
        same_claim = (
            OutboxMessage.claimed_at.is_(None)
            if claimed_at is None
            else OutboxMessage.claimed_at == claimed_at
        )
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == status, same_claim)
            .values(
                status=MessageStatus.SENDING,
                claimed_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claims.append(_Claim(message_id, now))
    return claims


def _settle(session: Session, claim: _Claim, **values: object) -> bool:
    """Move a claimed message on, only if the claim is still ours."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == claim.id,
            OutboxMessage.status == MessageStatus.SENDING,
            OutboxMessage.claimed_at == claim.at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def send_due(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    *,
    now: datetime | None = None,
    limit: int = 100,
) -> SendReport:
    """Send what is due in one vault's outbox; safe to run concurrently and after a crash."""
    now = now or utcnow()
    report = SendReport()
    key = SuppressionKey(settings, partner_slug)
    stale = timedelta(seconds=settings.outbox_stale_claim_seconds)
    # Claims are taken and committed a few at a time, and each message's outcome is committed
    # on its own, so a sender killed mid-run loses at most the message in flight (sent again
    # with its Message-ID once the claim is stale) and delays at most one small batch.
    taken = 0
    while taken < limit:
        with vaults.transaction(partner_slug) as session:
            claims = _claim_due(session, now, min(CLAIM_BATCH, limit - taken), stale)
        if not claims:
            break
        taken += len(claims)
        _send_claimed(vaults, settings, partner_slug, key, claims, now, report)
    return report


def _send_claimed(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    key: SuppressionKey,
    claims: list[_Claim],
    now: datetime,
    report: SendReport,
) -> None:
    for claim in claims:
        with vaults.transaction(partner_slug) as session:
            message = session.get(OutboxMessage, claim.id)
            if message is None:  # erased with its contact since the claim
                continue
            contact = session.get_one(Contact, message.contact_id)
            purpose = session.get_one(Purpose, message.purpose_id)
            reason = reason_not_to_send(
                session, key, contact, purpose, message.channel, message.kind
            )
            if reason:
                _settle(
                    session,
                    claim,
                    status=MessageStatus.CANCELLED,
                    last_error=f"cancelled: {reason}",
                )
                report.cancelled += 1
                continue
            attempts = message.attempts
            email_message = build_message(
                sender=message.sender,
                to=message.to_address,
                subject=message.subject,
                text=message.text_body,
                html=message.html_body,
                message_id=message.message_id,
                headers=json.loads(message.headers),
                attachments=[TextAttachment(**a) for a in json.loads(message.attachments or "[]")],
            )
        # No database transaction is held while talking to the mail server.
        try:
            deliver(settings, email_message)
        except DeliveryError as error:
            give_up = error.permanent or attempts >= MAX_ATTEMPTS
            with vaults.transaction(partner_slug) as session:
                _settle(
                    session,
                    claim,
                    status=MessageStatus.FAILED if give_up else MessageStatus.QUEUED,
                    next_attempt_at=now + retry_delay(attempts),
                    last_error=error.reason[:200],
                )
            if give_up:
                report.failed += 1
            else:
                report.retrying += 1
            log.warning("outbox message %d not delivered: %s", claim.id, error.reason)
            continue
        with vaults.transaction(partner_slug) as session:
            _settle(session, claim, status=MessageStatus.SENT, sent_at=utcnow(), last_error="")
        report.sent += 1


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
    stale_before = utcnow() - timedelta(seconds=settings.outbox_stale_claim_seconds)
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.idempotency_key.startswith(f"{idempotency_prefix}:", autoescape=True),
            (OutboxMessage.status == MessageStatus.QUEUED)
            | (
                (OutboxMessage.status == MessageStatus.SENDING)
                & (OutboxMessage.claimed_at < stale_before)
            ),
        )
        .values(status=MessageStatus.CANCELLED, last_error=f"cancelled: {reason}"[:200])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
