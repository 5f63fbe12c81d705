"""Queueing one message to an audience of the vault, and following what became of it.

The audience is resolved when called (consent for the segment's purpose and channel given,
not restricted, not suppressed, and with ``item_ref`` not left out of that item). Each
message's idempotency key is ``{prefix}:{contact}``, so a call repeated after a crash, a
retried job or a double submit queues nobody twice; messages are committed a batch at a time.
Consent is checked again when each message is sent.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concord.settings import Settings
from consent.audiences.tokens import members
from consent.contacts.models import Contact
from consent.db import Vaults
from consent.outbox import services as outbox
from consent.outbox.models import OutboxMessage
from consent.public import AudienceSegment, Mail, QueueReport, UnknownPurpose
from consent.purposes.models import Channel, Purpose
from consent.purposes.services import by_code

BATCH = 500


def queue_mail(
    vaults: Vaults,
    settings: Settings,
    partner_slug: str,
    segment: AudienceSegment,
    mail: Mail,
    *,
    partner_name: str,
    idempotency_prefix: str,
    item_ref: str | None = None,
    limit: int | None = None,
) -> QueueReport:
    """Queue ``mail`` to every member of ``segment`` now (``limit``: the first so many)."""
    with vaults.transaction(partner_slug) as session:
        purpose = by_code(session, segment.purpose_code)
        if purpose is None:
            raise UnknownPurpose("the segment's purpose is not in this vault")
        purpose_id = purpose.id
        everyone = sorted(members(session, settings, partner_slug, segment, item_ref))
    chosen = everyone if limit is None else everyone[:limit]
    channel = Channel(segment.channel)
    queued = skipped = 0
    for start in range(0, len(chosen), BATCH):
        with vaults.transaction(partner_slug) as session:
            purpose = session.get_one(Purpose, purpose_id)
            for contact_id in chosen[start : start + BATCH]:
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
                        channel=channel,
                        kind=mail.kind,
                        template=mail.template,
                        context=outbox.in_language(
                            contact, mail.subject, mail.body, mail.localised
                        ),
                        idempotency_key=f"{idempotency_prefix}:{contact_id}",
                    )
                    queued += 1
                except outbox.NotSendable:
                    skipped += 1
    return QueueReport(queued, skipped)


def status(session: Session, idempotency_prefix: str) -> dict[str, int]:
    """How many of the messages queued under ``idempotency_prefix`` are in each status."""
    rows = session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.idempotency_key.startswith(f"{idempotency_prefix}:", autoescape=True))
        .group_by(OutboxMessage.status)
    ).all()
    return {str(status): int(count) for status, count in rows}
