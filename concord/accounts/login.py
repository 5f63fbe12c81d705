"""Signing in: password check, rate limits, rehash on parameter change, session rotation."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from concord.accounts import login_limits, sessions
from concord.accounts.models import User
from concord.accounts.passwords import check_password
from concord.accounts.users import by_email
from concord.audit import chain
from concord.settings import Settings


class LoginResult(enum.Enum):
    SIGNED_IN = "signed_in"
    WRONG = "wrong"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    user: User | None = None
    session_token: str | None = None


@lru_cache(maxsize=4)
def _decoy_hash(ph: PasswordHasher) -> str:
    return ph.hash("not a password anyone has")


def sign_in(
    session: Session,
    settings: Settings,
    ph: PasswordHasher,
    *,
    email: str,
    password: str,
    client_address: str,
    previous_token: str | None,
) -> LoginOutcome:
    """Check the credentials and open a new session; failures count towards the limits."""
    limit_keys = login_limits.keys(settings, email, client_address)
    if login_limits.is_blocked(session, settings, limit_keys):
        return LoginOutcome(LoginResult.BLOCKED)
    user = by_email(session, email)
    if user is None or not user.is_active:
        # Spend the same time as a real check so that response times do not reveal accounts.
        check_password(_decoy_hash(ph), password, ph)
        login_limits.record_failure(session, limit_keys)
        return LoginOutcome(LoginResult.WRONG)
    if not check_password(user.password_hash, password, ph):
        login_limits.record_failure(session, limit_keys)
        chain.record(
            session, actor="anonymous", action="login.failed", object_ref=f"user:{user.id}"
        )
        return LoginOutcome(LoginResult.WRONG)
    if ph.check_needs_rehash(user.password_hash):
        user.password_hash = ph.hash(password)
    login_limits.forget_account_failures(session, limit_keys)
    token = sessions.start(session, user, previous_token)
    chain.record(session, actor=f"user:{user.id}", action="login", object_ref=f"user:{user.id}")
    return LoginOutcome(LoginResult.SIGNED_IN, user, token)
