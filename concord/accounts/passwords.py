"""Password hashing with argon2id (RFC 9106), parameters from settings."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from concord.settings import Settings

MIN_PASSWORD_LENGTH = 12


def hasher(settings: Settings) -> PasswordHasher:
    """An argon2id hasher with the configured cost (RFC 9106's second profile by default)."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def check_password(password_hash: str, password: str, ph: PasswordHasher) -> bool:
    """Whether ``password`` matches; a malformed stored hash never matches."""
    try:
        return ph.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 1024:
        return "Use at most 1024 characters."
    if password.strip() != password:
        return "Do not start or end the password with spaces."
    return None
