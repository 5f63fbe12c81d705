"""Staff accounts, their sessions, API tokens, password resets and failed logins."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from concord.db import HubBase, UtcDateTime, utcnow
from concord.partners.models import Partner


class Role(enum.StrEnum):
    """What a staff account may do; every role but the secretariat belongs to one partner."""

    PARTNER_ADMIN = "partner_admin"
    COMMS = "comms"
    SIGNATORY = "signatory"
    SECRETARIAT = "secretariat"

    @property
    def label(self) -> str:
        return {
            Role.PARTNER_ADMIN: "Partner admin",
            Role.COMMS: "Comms staff",
            Role.SIGNATORY: "Signatory",
            Role.SECRETARIAT: "Secretariat",
        }[self]

    @property
    def belongs_to_partner(self) -> bool:
        return self is not Role.SECRETARIAT


class User(HubBase):
    """A staff member of a partner, or of the secretariat, who signs in with a password."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'secretariat' AND partner_id IS NULL)"
            " OR (role <> 'secretariat' AND partner_id IS NOT NULL)",
            name="role_matches_partner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The language of the mail the platform sends this person ("": English).
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    partner: Mapped[Partner | None] = relationship(lazy="joined")


class WebSession(HubBase):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiToken(HubBase):
    """A revocable bearer token for the JSON API, stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PasswordReset(HubBase):
    """A single-use, expiring password-reset link; only the token's hash is kept."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginFailure(HubBase):
    """One failed sign-in, keyed by a keyed hash of the account or client (never in clear)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
