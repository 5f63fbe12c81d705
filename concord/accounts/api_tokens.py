"""Per-user tokens for the JSON API: shown once, stored hashed, revocable."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import ApiToken, User
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.secrets import new_token, token_hash

PREFIX = "cct_"


def issue(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear value, which is never shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput.one("name", "Name the token (at most 100 characters).")
    clear = PREFIX + new_token()
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(clear))
    session.add(token)
    session.flush()
    chain.record(
        session,
        actor=f"user:{user.id}",
        action="api_token.issue",
        object_ref=f"api_token:{token.id}",
    )
    return token, clear


def authenticate(session: Session, clear: str) -> User | None:
    if not clear.startswith(PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(clear)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    token.last_used_at = utcnow()
    return user


def tokens_of(session: Session, user: User) -> Sequence[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    return session.scalars(query).all()


def revoke(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; another user's token id is treated as unknown."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        chain.record(
            session,
            actor=f"user:{user.id}",
            action="api_token.revoke",
            object_ref=f"api_token:{token.id}",
        )
    return True
