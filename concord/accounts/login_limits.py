"""Rate limits on sign-in: failures are counted per account and per client address.

Both keys are HMACs under the secret key, so the table holds no address or email in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from concord.accounts.models import LoginFailure
from concord.db import utcnow
from concord.secrets import keyed_hash
from concord.settings import Settings


@dataclass(frozen=True)
class LoginKeys:
    account: str
    client: str


def keys(settings: Settings, email: str, client_address: str) -> LoginKeys:
    return LoginKeys(
        account=keyed_hash(settings.secret_key, "login-account", email.strip().lower()),
        client=keyed_hash(settings.secret_key, "login-client", client_address),
    )


def _recent(session: Session, key: str, settings: Settings) -> int:
    since = utcnow() - timedelta(minutes=settings.login_lockout_minutes)
    query = select(func.count()).where(LoginFailure.key == key, LoginFailure.at >= since)
    return session.scalar(query) or 0


def is_blocked(session: Session, settings: Settings, login: LoginKeys) -> bool:
    """Whether this account or this client has failed too often recently."""
    return (
        _recent(session, login.account, settings) >= settings.login_max_failures_per_account
        or _recent(session, login.client, settings) >= settings.login_max_failures_per_client
    )


def record_failure(session: Session, login: LoginKeys) -> None:
    now = utcnow()
    session.add_all(
        [LoginFailure(key=login.account, at=now), LoginFailure(key=login.client, at=now)]
    )


def forget_account_failures(session: Session, login: LoginKeys) -> None:
    """After a successful sign-in the account's count starts again (the client's does not)."""
    session.execute(delete(LoginFailure).where(LoginFailure.key == login.account))


def purge_old(session: Session, settings: Settings) -> int:
    """Delete failures older than the lockout window; returns how many went."""
    since = utcnow() - timedelta(minutes=settings.login_lockout_minutes)
    result = session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    return int(result.rowcount)  # type: ignore[attr-defined]
