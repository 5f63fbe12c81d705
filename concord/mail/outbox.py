"""Mail to staff accounts goes to the hub's local outbox (stakeholder mail lives in vaults).

Each email is a subject / text / html template triplet under ``templates/concord/mail/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.languages import DEFAULT
from concord.mail.models import StaffMessage
from concord.mail.rendering import render_email
from concord.mail.smtp import new_message_id
from concord.settings import Settings


def send_staff_mail(
    session: Session,
    settings: Settings,
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    language: str = DEFAULT,
) -> StaffMessage:
    """Queue one email to a staff member, in their ``language``."""
    subject, text, html = render_email(
        "concord/mail", template, {**context, "settings": settings}, language=language or DEFAULT
    )
    message = StaffMessage(
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        message_id=new_message_id(settings),
    )
    session.add(message)
    return message


def latest(session: Session, limit: int = 50) -> Sequence[StaffMessage]:
    query = select(StaffMessage).order_by(StaffMessage.id.desc()).limit(limit)
    return session.scalars(query).all()
