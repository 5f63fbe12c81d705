"""The hub's short-lived records of "find my data": keyed hashes only, never an address.

These are hub tables: the person is not yet anyone's contact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


class FinderChallenge(HubBase):
    """A one-time code sent to an address, awaiting the person who asked for it."""

    __tablename__ = "finder_challenges"

    # The hash of the random token in the asking browser's cookie.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # HMAC of the normalised address under the secret key.
    address_key: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FinderSession(HubBase):
    """A verified person's short session; the address itself travels sealed in their cookie."""

    __tablename__ = "finder_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    address_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class FinderRequest(HubBase):
    """One code request, counted per address and per client (both as keyed hashes)."""

    __tablename__ = "finder_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
