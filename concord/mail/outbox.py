"""Mail to staff accounts goes to the hub's local outbox (stakeholder mail lives in vaults).

Each email is a subject / text / html template triplet under ``templates/concord/mail/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.mail.models import StaffMessage
from concord.paths import TEMPLATES
from concord.settings import Settings


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES / "concord" / "mail"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render the subject, text and html of one email."""
    env = _environment()
    subject = env.get_template(f"{template}.subject.txt").render(context).strip()
    text = env.get_template(f"{template}.txt").render(context)
    html = env.get_template(f"{template}.html").render(context)
    return subject, text, html


def send_staff_mail(
    session: Session, settings: Settings, *, to: str, template: str, context: Mapping[str, Any]
) -> StaffMessage:
    subject, text, html = render(template, {**context, "settings": settings})
    message = StaffMessage(to_address=to, subject=subject, text_body=text, html_body=html)
    session.add(message)
    return message


def latest(session: Session, limit: int = 50) -> Sequence[StaffMessage]:
    query = select(StaffMessage).order_by(StaffMessage.id.desc()).limit(limit)
    return session.scalars(query).all()
