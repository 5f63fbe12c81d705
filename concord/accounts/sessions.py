"""Browser sessions: created at sign-in, ended by sign-out, idle timeout or password change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from concord.accounts.models import User, WebSession
from concord.db import utcnow
from concord.secrets import new_token, token_hash
from concord.settings import Settings

COOKIE_NAME = "concord_session"
# Writing last_seen on every request would turn every page view into a write.
_TOUCH_AFTER = timedelta(minutes=1)


def start(session: Session, user: User, previous_token: str | None) -> str:
    """Open a fresh session for ``user`` (ending the previous one) and return its cookie value."""
    if previous_token:
        end(session, previous_token)
    token = new_token()
    session.add(WebSession(token_hash=token_hash(token), user_id=user.id))
    return token


def end(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def resume(session: Session, settings: Settings, token: str) -> User | None:
    """The active user behind a cookie, or None when it is unknown, idle too long or disabled."""
    row = session.get(WebSession, token_hash(token))
    if row is None:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        session.delete(row)
        return None
    user = session.scalar(select(User).where(User.id == row.user_id, User.is_active.is_(True)))
    if user is None:
        return None
    if now - row.last_seen_at > _TOUCH_AFTER:
        row.last_seen_at = now
    return user


def purge_idle(session: Session, settings: Settings) -> int:
    cutoff = utcnow() - timedelta(minutes=settings.session_idle_minutes)
    result = session.execute(delete(WebSession).where(WebSession.last_seen_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
