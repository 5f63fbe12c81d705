"""Delivering the hub's staff mail over SMTP, from a worker job, once SMTP is configured.

The same guarantee as the vault outboxes: claimed by compare-and-set, at least once with a
Message-ID fixed at the first claim, so a retry after a crash repeats the same message. Mail
older than an hour when first tried is not sent at all: a password-reset link would have
expired by then, and a backlog from before SMTP was configured should not go out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.hub import Hub
from concord.mail.models import StaffMessage
from concord.mail.smtp import DeliveryError, build_message, deliver, new_message_id
from concord.settings import Settings

log = logging.getLogger("concord.mail")

STALE_CLAIM = timedelta(minutes=10)
MAX_AGE = timedelta(hours=1)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)


@dataclass(frozen=True)
class _Claim:
    id: int
    at: datetime


def _claim(session: Session, settings: Settings, now: datetime) -> list[_Claim]:
    session.execute(
        update(StaffMessage)
        .where(StaffMessage.status == "queued", StaffMessage.created_at < now - MAX_AGE)
        .values(status="failed", last_error="too old to send")
        .execution_options(synchronize_session=False)
    )
    due = session.execute(
        select(
            StaffMessage.id, StaffMessage.status, StaffMessage.claimed_at, StaffMessage.message_id
        )
        .where(
            (
                (StaffMessage.status == "queued")
                & (StaffMessage.next_attempt_at.is_(None) | (StaffMessage.next_attempt_at <= now))
            )
            | ((StaffMessage.status == "sending") & (StaffMessage.claimed_at < now - STALE_CLAIM))
        )
        .order_by(StaffMessage.id)
        .limit(100)
    ).all()
    claims = []
    for message_id, status, claimed_at, mid in due:
        same = (
            StaffMessage.claimed_at.is_(None)
            if claimed_at is None
            else StaffMessage.claimed_at == claimed_at
        )
        result = session.execute(
            update(StaffMessage)
            .where(StaffMessage.id == message_id, StaffMessage.status == status, same)
            .values(
                status="sending",
                claimed_at=now,
                attempts=StaffMessage.attempts + 1,
                message_id=mid or new_message_id(settings),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claims.append(_Claim(message_id, now))
    return claims


def _settle(session: Session, claim: _Claim, **values: object) -> None:
    session.execute(
        update(StaffMessage)
        .where(
            StaffMessage.id == claim.id,
            StaffMessage.status == "sending",
            StaffMessage.claimed_at == claim.at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def send_staff_outbox(hub: Hub, settings: Settings, *, now: datetime | None = None) -> int:
    """Send the staff mail that is due; returns how many went. Does nothing in the demo."""
    if settings.demo or not settings.smtp_host:
        return 0
    now = now or utcnow()
    with hub.transaction() as session:
        claims = _claim(session, settings, now)
    sent = 0
    for claim in claims:
        with hub.transaction() as session:
            row = session.get_one(StaffMessage, claim.id)
            assert row.message_id is not None
            message = build_message(
                sender=formataddr(("Concord", settings.mail_from)),
                to=row.to_address,
                subject=row.subject,
                text=row.text_body,
                html=row.html_body,
                message_id=row.message_id,
                headers={"Auto-Submitted": "auto-generated"},
            )
            attempts = row.attempts
        try:
            deliver(settings, message)
        except DeliveryError as error:
            give_up = error.permanent or attempts >= MAX_ATTEMPTS
            with hub.transaction() as session:
                _settle(
                    session,
                    claim,
                    status="failed" if give_up else "queued",
                    next_attempt_at=now + FIRST_RETRY * (1 << min(attempts - 1, 10)),
                    last_error=error.reason[:200],
                )
            log.warning("staff message %d not delivered: %s", claim.id, error.reason)
            continue
        with hub.transaction() as session:
            _settle(session, claim, status="sent", sent_at=utcnow(), last_error="")
        sent += 1
    return sent
