"""Delivering the hub's staff mail over SMTP, from a worker job, once SMTP is configured.

The outbox engine (``concord.mail.engine``) sends it by the same rules as the vault outboxes.
Mail older than an hour is not sent at all: a password-reset link would have expired by then,
and a backlog from before SMTP was configured should not go out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy.orm import Session

from concord.hub import Hub
from concord.mail.engine import Claim, Outbox, SendReport
from concord.mail.models import StaffMessage
from concord.mail.smtp import build_message
from concord.settings import Settings

STAFF_OUTBOX = Outbox(StaffMessage, "staff message", max_age=timedelta(hours=1))


def send_staff_outbox(hub: Hub, settings: Settings, *, now: datetime | None = None) -> SendReport:
    """Send the staff mail that is due. Does nothing in the demo, or without SMTP."""
    if settings.demo or not settings.smtp_host:
        return SendReport()

    def prepare(session: Session, claim: Claim) -> EmailMessage:
        row = session.get_one(StaffMessage, claim.id)
        assert row.message_id is not None  # the claim gave it one
        return build_message(
            sender=formataddr(("Concord", settings.mail_from)),
            to=row.to_address,
            subject=row.subject,
            text=row.text_body,
            html=row.html_body,
            message_id=row.message_id,
            headers={"Auto-Submitted": "auto-generated"},
        )

    return STAFF_OUTBOX.send_due(hub.transaction, settings, prepare, now=now)
