"""The one outbox engine: claim due mail by compare-and-set, deliver it, back off, give up.

Both outboxes, the hub's staff mail and each vault's stakeholder mail, are sent by it under one
set of rules, so a fix to one is a fix to both. It knows only the columns every outbox table has
(:class:`OutboxTable`) and imports no hub module, so a vault on its own server can use it.

Delivery is at least once, with a stable Message-ID. A sender claims a due message by
compare-and-set (``queued`` to ``sending``, only if the row still has the state it read), sends
it, then marks it ``sent``. If the sender dies between sending and marking, the claim goes stale
(``Settings.outbox_stale_claim_seconds``) and a later run sends the message again, with the same
Message-ID and content: receivers and mail clients treat the two as one message. The
alternative, marking before sending, would lose mail on every crash instead.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, ClassVar, Protocol

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from concord.db import utcnow
from concord.mail.smtp import DeliveryError, deliver, new_message_id
from concord.settings import Settings

log = logging.getLogger("concord.mail")

# How many tries a message gets before it is given up as failed.
MAX_ATTEMPTS = 8
# Back-off after a temporary failure: one minute after the first, doubling, at most six hours.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# How many messages one claim takes: a sender killed mid-run leaves at most this many claimed
# and unsent (sent again, unchanged, once the claim is stale), and one of them in flight.
CLAIM_BATCH = 10
# How many messages one run takes at most, so one run of the job stays short.
RUN_LIMIT = 100


class MessageStatus(enum.StrEnum):
    """Where a message is on its way out; the values are what both outbox tables store."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class NotSendable(Exception):
    """The message may not go to its recipient now; ``reason`` names why (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutboxTable(Protocol):
    """The columns of an outbox table that the engine reads and writes."""

    id: ClassVar[InstrumentedAttribute[int]]
    status: ClassVar[InstrumentedAttribute[MessageStatus]]
    attempts: ClassVar[InstrumentedAttribute[int]]
    created_at: ClassVar[InstrumentedAttribute[datetime]]
    claimed_at: ClassVar[InstrumentedAttribute[datetime | None]]
    sent_at: ClassVar[InstrumentedAttribute[datetime | None]]
    last_error: ClassVar[InstrumentedAttribute[str]]
    # Nullable in the staff outbox only (its older rows got both at their first claim), so
    # typed loosely enough for either table.
    next_attempt_at: ClassVar[InstrumentedAttribute[Any]]
    message_id: ClassVar[InstrumentedAttribute[Any]]


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th try failed for a reason that may pass."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), LONGEST_RETRY)


def stale_claim(settings: Settings) -> timedelta:
    """How long a claim holds before another run may send the message again."""
    return timedelta(seconds=settings.outbox_stale_claim_seconds)


@dataclass(frozen=True)
class Claim:
    """One message this run has claimed: its row, the claim's time and which try this is."""

    id: int
    at: datetime
    attempt: int


@dataclass
class SendReport:
    """What one run did with the messages it claimed."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed,"
            f" {self.cancelled} cancelled"
        )


# Builds the email of a claimed message, inside a transaction; None when the row has gone
# since the claim. Raises NotSendable to cancel the message instead.
Prepare = Callable[[Session, Claim], EmailMessage | None]
Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Outbox:
    """One outbox table, sent by the shared rules.

    ``noun`` names its rows in log lines (never anything about the recipient). Queued mail
    older than ``max_age``, when set, is given up unsent: a password-reset link would have
    expired by then, and a backlog from before SMTP was configured should not go out.
    """

    model: type[OutboxTable]
    noun: str
    max_age: timedelta | None = None

    def unsent(self, settings: Settings, now: datetime) -> ColumnElement[bool]:
        """Queued, or claimed by a sender that has since died (a stale claim)."""
        return (self.model.status == MessageStatus.QUEUED) | self._stale(settings, now)

    def _stale(self, settings: Settings, now: datetime) -> ColumnElement[bool]:
        model = self.model
        return (model.status == MessageStatus.SENDING) & (
            model.claimed_at < now - stale_claim(settings)
        )

    def claim_due(
        self, session: Session, settings: Settings, now: datetime, limit: int
    ) -> list[Claim]:
        """Take due messages, and messages whose claim went stale, by compare-and-set.

        A message that has no Message-ID yet gets one here, kept for every later try.
        """
        model = self.model
        if self.max_age is not None:
            session.execute(
                update(model)
                .where(model.status == MessageStatus.QUEUED, model.created_at < now - self.max_age)
                .values(status=MessageStatus.FAILED, last_error="too old to send")
                .execution_options(synchronize_session=False)
            )
        waited = model.next_attempt_at.is_(None) | (model.next_attempt_at <= now)
        due = session.execute(
            select(model.id, model.status, model.claimed_at, model.attempts)
            .where(((model.status == MessageStatus.QUEUED) & waited) | self._stale(settings, now))
            .order_by(model.next_attempt_at.asc().nulls_first(), model.id)
            .limit(limit)
        ).all()
        claims: list[Claim] = []
        for row_id, status, claimed_at, attempts in due:
            same_claim = (
                model.claimed_at.is_(None) if claimed_at is None else model.claimed_at == claimed_at
            )
            result = session.execute(
                update(model)
                .where(model.id == row_id, model.status == status, same_claim)
                .values(
                    status=MessageStatus.SENDING,
                    claimed_at=now,
                    attempts=model.attempts + 1,
                    message_id=func.coalesce(model.message_id, new_message_id(settings)),
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claims.append(Claim(row_id, now, attempts + 1))
        return claims

    def settle(self, session: Session, claim: Claim, **values: object) -> bool:
        """Move a claimed message on, only if the claim is still ours."""
        model = self.model
        result = session.execute(
            update(model)
            .where(
                model.id == claim.id,
                model.status == MessageStatus.SENDING,
                model.claimed_at == claim.at,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def send_due(
        self,
        transaction: Transaction,
        settings: Settings,
        prepare: Prepare,
        *,
        now: datetime | None = None,
        limit: int = RUN_LIMIT,
    ) -> SendReport:
        """Send what is due; safe to run concurrently and after a crash.

        Claims are taken and committed a few at a time, and each message's outcome is
        committed on its own, so a sender killed mid-run loses at most the message in flight
        (sent again with its Message-ID once the claim is stale) and delays at most one small
        batch. No transaction is held while talking to the mail server.
        """
        now = now or utcnow()
        report = SendReport()
        taken = 0
        while taken < limit:
            with transaction() as session:
                claims = self.claim_due(session, settings, now, min(CLAIM_BATCH, limit - taken))
            if not claims:
                break
            taken += len(claims)
            for claim in claims:
                self._send_one(transaction, settings, prepare, claim, now, report)
        return report

    def _send_one(
        self,
        transaction: Transaction,
        settings: Settings,
        prepare: Prepare,
        claim: Claim,
        now: datetime,
        report: SendReport,
    ) -> None:
        with transaction() as session:
            try:
                message = prepare(session, claim)
            except NotSendable as refusal:
                cancelled = f"cancelled: {refusal.reason}"[:200]
                self.settle(session, claim, status=MessageStatus.CANCELLED, last_error=cancelled)
                report.cancelled += 1
                return
        if message is None:
            return
        try:
            deliver(settings, message)
        except DeliveryError as error:
            give_up = error.permanent or claim.attempt >= MAX_ATTEMPTS
            with transaction() as session:
                self.settle(
                    session,
                    claim,
                    status=MessageStatus.FAILED if give_up else MessageStatus.QUEUED,
                    next_attempt_at=now + retry_delay(claim.attempt),
                    last_error=error.reason[:200],
                )
            if give_up:
                report.failed += 1
            else:
                report.retrying += 1
            log.warning("%s %d not delivered: %s", self.noun, claim.id, error.reason)
            return
        with transaction() as session:
            self.settle(session, claim, status=MessageStatus.SENT, sent_at=utcnow(), last_error="")
        report.sent += 1
