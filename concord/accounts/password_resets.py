"""Password reset by an emailed link that expires and works once."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.orm import Session

from concord.accounts.models import PasswordReset, User
from concord.accounts.users import by_email, set_password
from concord.db import utcnow
from concord.mail.outbox import send_staff_mail
from concord.secrets import new_token, token_hash
from concord.settings import Settings


def request_reset(session: Session, settings: Settings, email: str) -> None:
    """Mail a reset link if an active account has this address; say nothing either way."""
    user = by_email(session, email)
    if user is None or not user.is_active:
        return
    token = new_token()
    session.add(
        PasswordReset(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(minutes=settings.password_reset_minutes),
        )
    )
    send_staff_mail(
        session,
        settings,
        to=user.email,
        language=user.language,
        template="password_reset",
        context={
            "user": user,
            "link": f"{settings.public_url}/password-reset/{token}",
            "minutes": settings.password_reset_minutes,
        },
    )


def valid_reset(session: Session, token: str) -> PasswordReset | None:
    reset = session.get(PasswordReset, token_hash(token))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def complete_reset(session: Session, ph: PasswordHasher, token: str, new_password: str) -> bool:
    """Set the new password if the link is still valid; the link is spent either way."""
    reset = valid_reset(session, token)
    if reset is None:
        return False
    user = session.get(User, reset.user_id)
    if user is None:
        return False
    set_password(session, ph, user, new_password)
    # Compare-and-set, so that two submits of the same link cannot both succeed.
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == reset.token_hash, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError("password reset link spent concurrently")
    return True
