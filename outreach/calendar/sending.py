"""Sending a scheduled email item from its owner's vault outbox, at its time, by the worker.

The hub knows the item (its segment, its subject and body) and how sending went, in counts;
who receives it is decided inside the owner's vault at send time (:meth:`consent.public.VaultPort.
queue_mail`), with consent checked then and again just before each message goes out.

The item moves ``scheduled`` -> ``sending`` -> ``sent`` by compare-and-set on its row, so two
workers (or a worker and a person editing the item) never both act on one transition. Every
recipient's message carries the idempotency key ``item:{uid}:{contact}``: a worker killed
anywhere and started again finds the item ``sending``, queues nobody twice, and the outbox
sends what is left (a message that was in flight when the worker died goes again with the
same Message-ID, which receivers treat as one message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.partners.models import Partner
from concord.problems.rows import each_row
from consent.public import AudienceSegment, Mail, VaultDirectory
from outreach.calendar.models import ItemChannel, ItemSend, ItemStatus, OutreachItem

log = logging.getLogger("outreach.calendar")

TEMPLATE = "outreach_item"
KIND = "outreach"
WORKER = "system:calendar-sending"
MAX_SUBJECT = 200
MAX_BODY = 20_000
# Statuses in which the message may still be chosen or changed.
EDITABLE = {ItemStatus.DRAFT, ItemStatus.PLANNED, ItemStatus.SCHEDULED}
# A scheduled item whose time passed longer ago than this without going out (the worker was
# stopped, or the row predates the date checks) is not sent by itself: its page offers
# "Send now", which asks the owner to confirm first.
LATE_LIMIT = timedelta(days=2)


def prefix_of(uid: str) -> str:
    """The idempotency prefix of an item's messages: ``item:{uid}``."""
    return f"item:{uid}"


@dataclass(frozen=True)
class Progress:
    """How an item's sending went so far, for its page (counts only)."""

    status: ItemStatus
    recipients: int
    sent: int
    failed: int
    skipped: int
    waiting: int
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        done = self.sent + self.failed + self.skipped
        total = done + self.waiting
        return 100 if total == 0 else round(100 * done / total)


def parse_message(data: dict[str, str]) -> tuple[str, str]:
    """The subject and body of a submitted message form, or :class:`InvalidInput`."""
    errors: dict[str, str] = {}
    subject = " ".join(data.get("subject", "").split())
    body = data.get("body", "").replace("\r\n", "\n").strip()
    if not subject:
        errors["subject"] = "Give the message a subject."
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = f"Keep the subject under {MAX_SUBJECT} characters."
    if not body:
        errors["body"] = "Write the message."
    elif len(body) > MAX_BODY:
        errors["body"] = f"Keep the message under {MAX_BODY:,} characters."
    if errors:
        raise InvalidInput(errors)
    return subject, body


def save_message(
    hub: Hub, partner_slug: str, item_id: str, subject: str, body: str, *, actor: str
) -> None:
    """Set the item's subject and body (the same form posted twice saves the same values).

    Refused once the item is being sent, sent or cancelled, and for items the platform does
    not send (phone, post).
    """
    with hub.transaction() as session:
        item = session.get(OutreachItem, item_id)
        if item is None or item.partner_slug != partner_slug:
            raise LookupError(item_id)
        if item.channel is not ItemChannel.EMAIL:
            raise InvalidInput.one("subject", "The platform sends email items only.")
        if item.status not in EDITABLE:
            raise InvalidInput.one(
                "subject", f"The item is {item.status.label.lower()}: its message is final."
            )
        row = session.get(ItemSend, item_id)
        if row is None:
            row = ItemSend(
                item_id=item_id,
                recipients=0,
                sent=0,
                failed=0,
                skipped=0,
                skipped_at_queue=0,
            )
            session.add(row)
        row.subject = subject
        row.body = body
        row.updated_by = actor
        row.updated_at = utcnow()
        chain.record(
            session, actor=actor, action="calendar.item.message", object_ref=f"item:{item_id}"
        )


def missed(item: OutreachItem, now: datetime | None = None) -> bool:
    """A scheduled item whose time passed too long ago to go out by itself."""
    return item.status is ItemStatus.SCHEDULED and item.starts_at <= (now or utcnow()) - LATE_LIMIT


def can_send_now(item: OutreachItem, row: ItemSend | None) -> bool:
    """Whether the owner may send the item now: an email item with its message, not yet
    gone out (a planned item too: sending now is the owner's explicit choice)."""
    return (
        item.channel is ItemChannel.EMAIL
        and item.status in EDITABLE
        and row is not None
        and bool(row.subject and row.body)
    )


def send_now(
    hub: Hub, partner_slug: str, item_id: str, *, expected_version: int, actor: str
) -> None:
    """Start the item now, whatever its planned time: the worker sends it on its next run.

    The owner confirmed on a page that named the number of recipients; if somebody saved the
    item since that page was shown, nothing happens and the conflict is reported.
    """
    now = utcnow()
    with hub.transaction() as session:
        item = session.get(OutreachItem, item_id)
        if item is None or item.partner_slug != partner_slug:
            raise LookupError(item_id)
        if not can_send_now(item, session.get(ItemSend, item_id)):
            raise InvalidInput.one(
                "send_now", "Only an email item with its message, not sent yet, can be sent now."
            )
        length = item.ends_at - item.starts_at if item.ends_at > item.starts_at else timedelta(0)
        result = session.execute(
            update(OutreachItem)
            .where(OutreachItem.id == item_id, OutreachItem.version == expected_version)
            .values(
                status=ItemStatus.SCHEDULED,
                starts_at=now,
                ends_at=now + min(length, timedelta(days=31)),
                version=OutreachItem.version + 1,
                sequence=OutreachItem.sequence + 1,
                updated_by=actor,
                updated_at=now,
                clashes_stale=True,
            )
            .execution_options(synchronize_session=False)
        )
        if int(result.rowcount) != 1:  # type: ignore[attr-defined]
            raise InvalidInput.one(
                "send_now", "Somebody changed the item since you opened it: check it again."
            )
        chain.record(
            session, actor=actor, action="calendar.item.send_now", object_ref=f"item:{item_id}"
        )


def message_of(session: Session, item_id: str) -> ItemSend | None:
    return session.get(ItemSend, item_id)


def progress_of(session: Session, item: OutreachItem) -> Progress | None:
    row = session.get(ItemSend, item.id)
    if row is None or row.started_at is None:
        return None
    done = row.sent + row.failed + row.skipped
    return Progress(
        status=item.status,
        recipients=row.recipients,
        sent=row.sent,
        failed=row.failed,
        skipped=row.skipped,
        waiting=max(row.recipients + row.skipped_at_queue - done, 0),
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def due_items(hub: Hub, now: datetime | None = None) -> list[tuple[str, str]]:
    """Email items whose time has come, and items a worker began sending and did not finish:
    (item id, owner) pairs."""
    now = now or utcnow()
    with hub.transaction() as session:
        rows = session.execute(
            select(OutreachItem.id, OutreachItem.partner_slug)
            .where(
                OutreachItem.channel == ItemChannel.EMAIL,
                or_(
                    (OutreachItem.status == ItemStatus.SCHEDULED)
                    & (OutreachItem.starts_at <= now)
                    & (OutreachItem.starts_at > now - LATE_LIMIT),
                    OutreachItem.status == ItemStatus.SENDING,
                ),
            )
            .order_by(OutreachItem.starts_at)
        )
        return [(item_id, owner) for item_id, owner in rows]


def _move(
    session: Session,
    item_id: str,
    old: ItemStatus,
    new: ItemStatus,
    now: datetime,
    *,
    version: int | None = None,
) -> bool:
    """Compare-and-set the item's status (and, given, its version: nobody saved it since it
    was read); a changed status raises its SEQUENCE (the feeds) and its version (open edit
    forms then get a conflict rather than overwrite it)."""
    query = update(OutreachItem).where(OutreachItem.id == item_id, OutreachItem.status == old)
    if version is not None:
        query = query.where(OutreachItem.version == version)
    result = session.execute(
        query.values(
            status=new,
            version=OutreachItem.version + 1,
            sequence=OutreachItem.sequence + 1,
            updated_by=WORKER,
            updated_at=now,
        ).execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Job:
    partner_slug: str
    partner_name: str
    prefix: str
    segment: AudienceSegment
    subject: str
    body: str
    queued: bool


def _start(hub: Hub, item_id: str, now: datetime) -> _Job | None:
    """Take a due item (scheduled -> sending), or pick up one already sending."""
    with hub.transaction() as session:
        item = session.get(OutreachItem, item_id)
        if item is None or item.channel is not ItemChannel.EMAIL:
            return None
        row = session.get(ItemSend, item_id)
        if item.status is ItemStatus.SCHEDULED:
            if not now - LATE_LIMIT < item.starts_at <= now:
                return None
            if row is None or not row.subject or not row.body:
                # Nothing to send yet: the item page asks for the message; it stays scheduled.
                return None
            moved = _move(
                session,
                item_id,
                ItemStatus.SCHEDULED,
                ItemStatus.SENDING,
                now,
                version=item.version,
            )
            if not moved:
                return None  # somebody else took it, or changed it, first
            row.started_at = now
            chain.record(
                session, actor=WORKER, action="calendar.item.sending", object_ref=f"item:{item_id}"
            )
        elif item.status is not ItemStatus.SENDING or row is None:
            return None
        name = session.scalar(select(Partner.name).where(Partner.slug == item.partner_slug))
        return _Job(
            partner_slug=item.partner_slug,
            partner_name=name or item.partner_slug,
            prefix=prefix_of(item.uid),
            segment=AudienceSegment(
                item.purpose_code,
                item.channel.value,
                item.audience_category,
                tuple(item.audience_tags.split()),
            ),
            subject=row.subject,
            body=row.body,
            queued=row.queued_at is not None,
        )


def _still_sending(hub: Hub, item_id: str) -> bool:
    with hub.transaction() as session:
        status = session.scalar(select(OutreachItem.status).where(OutreachItem.id == item_id))
    return status is ItemStatus.SENDING


def send_item(
    hub: Hub,
    vaults: VaultDirectory,
    item_id: str,
    *,
    now: datetime | None = None,
) -> None:
    """Send one due item, or carry on with one a stopped worker left half sent."""
    now = now or utcnow()
    job = _start(hub, item_id, now)
    if job is None:
        return
    vault = vaults.vault(job.partner_slug)
    if not job.queued:
        report = vault.queue_mail(
            job.segment,
            Mail(KIND, TEMPLATE, job.subject, job.body),
            partner_name=job.partner_name,
            idempotency_prefix=job.prefix,
            item_ref=item_id,
        )
        with hub.transaction() as session:
            row = session.get_one(ItemSend, item_id)
            row.queued_at = utcnow()
            row.skipped_at_queue = report.skipped
    while _still_sending(hub, item_id):
        waiting = record_progress(hub, vaults, item_id)
        if not waiting:
            break
        sent = vault.send_due_mail()
        if not (sent.sent or sent.failed or sent.cancelled or sent.retrying):
            break  # what is left waits for a retry, or for another sender's claim
    # Cancelled while this ran: whatever was queued meanwhile is stopped too.
    if not _still_sending(hub, item_id):
        stop_item_messages(hub, vaults, item_id)
    record_progress(hub, vaults, item_id)


def record_progress(hub: Hub, vaults: VaultDirectory, item_id: str) -> int:
    """Copy the outbox's counts for the item to the hub; finish the item when nothing is left.

    Returns how many of its messages still wait (queued or being sent).
    """
    with hub.transaction() as session:
        item = session.get_one(OutreachItem, item_id)
        partner_slug, prefix = item.partner_slug, prefix_of(item.uid)
    counts = vaults.vault(partner_slug).mail_status(prefix)
    waiting = counts.get("queued", 0) + counts.get("sending", 0)
    with hub.transaction() as session:
        row = session.get(ItemSend, item_id)
        if row is None:
            return waiting
        row.recipients = sum(counts.values())
        row.sent = counts.get("sent", 0)
        row.failed = counts.get("failed", 0)
        row.skipped = row.skipped_at_queue + counts.get("cancelled", 0)
        if waiting or row.queued_at is None or row.finished_at is not None:
            return waiting
        now = utcnow()
        if _move(session, item_id, ItemStatus.SENDING, ItemStatus.SENT, now):
            row.finished_at = now
            chain.record(
                session, actor=WORKER, action="calendar.item.sent", object_ref=f"item:{item_id}"
            )
        elif session.get_one(OutreachItem, item_id).status is ItemStatus.CANCELLED:
            row.finished_at = now
    return waiting


def stop_item_messages(hub: Hub, vaults: VaultDirectory, item_id: str) -> int:
    """Cancel the item's messages not sent yet (the item was cancelled); returns how many."""
    with hub.transaction() as session:
        item = session.get(OutreachItem, item_id)
        if item is None or session.get(ItemSend, item_id) is None:
            return 0
        partner_slug, prefix = item.partner_slug, prefix_of(item.uid)
    stopped = vaults.vault(partner_slug).cancel_queued_mail(prefix, "item cancelled")
    if stopped:
        log.info("calendar: stopped %d messages of a cancelled item", stopped)
    return stopped


def send_due_items(hub: Hub, vaults: VaultDirectory, *, now: datetime | None = None) -> int:
    """Send every due item; returns how many were looked at. An item that fails is noted for
    its owner's staff and tried again on the next run."""
    due = due_items(hub, now)
    each_row(
        hub,
        "calendar.send_items",
        "outreach item",
        due,
        lambda row: send_item(hub, vaults, row[0], now=now),
        ident=lambda row: row[0],
        partner=lambda row: row[1],
    )
    return len(due)
