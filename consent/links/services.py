"""Issuing and resolving stakeholder links.

A link's token is 256 random bits shown once, in the email that carries it; the vault keeps
only its SHA-256. Lifetimes follow what each link is for: a preference centre link lives about
three months, a one-click unsubscribe link a year (RFC 8058 asks that it keep working long
after the message was sent), a confirmation link a week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.secrets import new_token, token_hash
from consent.links.models import LinkKind, StakeholderLink
from consent.purposes.models import Channel
from consent.vault_info import VaultInfo

LIFETIMES = {
    LinkKind.PREFERENCES: timedelta(days=90),
    LinkKind.UNSUBSCRIBE: timedelta(days=365),
    LinkKind.CONFIRM: timedelta(days=7),
}


class LinkProblem(Exception):
    """A token that leads nowhere: ``status`` is 404 (unknown) or 410 (expired or used)."""

    def __init__(self, status: int) -> None:
        super().__init__("unknown link" if status == 404 else "expired link")
        self.status = status


def issue(
    session: Session,
    kind: LinkKind,
    contact_id: int,
    *,
    purpose_id: int | None = None,
    channel: Channel | None = None,
    now: datetime | None = None,
) -> str:
    """Create a link and return its token, which is never stored.

    The token names the vault's partner (``<partner>.<secret>``), so the public page it
    opens asks that one vault; only the hash of the whole token is kept.
    """
    now = now or utcnow()
    token = f"{owner(session)}.{new_token()}"
    session.add(
        StakeholderLink(
            token_hash=token_hash(token),
            kind=kind,
            contact_id=contact_id,
            purpose_id=purpose_id,
            channel=channel,
            created_at=now,
            expires_at=now + LIFETIMES[kind],
        )
    )
    session.flush()
    return token


def find(session: Session, token: str) -> StakeholderLink | None:
    """The link this token names, valid or not (None if this vault never issued it)."""
    if not token or len(token) > 100:
        return None
    return session.get(StakeholderLink, token_hash(token))


def resolve(
    session: Session, token: str, kind: LinkKind, *, now: datetime | None = None
) -> StakeholderLink:
    """The valid link of this kind, or :class:`LinkProblem` (404 unknown, 410 expired/used)."""
    link = find(session, token)
    if link is None or link.kind is not kind:
        raise LinkProblem(404)
    if link.expires_at <= (now or utcnow()) or link.used_at is not None:
        raise LinkProblem(410)
    return link


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete links past their expiry; returns how many went."""
    result = session.execute(
        delete(StakeholderLink).where(StakeholderLink.expires_at < (now or utcnow()))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def owner(session: Session) -> str:
    """The slug of the partner whose vault this session opened (read once per session)."""
    if "partner_slug" not in session.info:
        session.info["partner_slug"] = session.scalar(select(VaultInfo.partner_slug))
    return str(session.info["partner_slug"])
