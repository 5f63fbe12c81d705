"""The organisations of the partnership."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow


class Partner(HubBase):
    """One organisation of the partnership, a separate controller of its own contact list."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Federated mode: where the partner's vault node answers and the signing key pinned for
    # it at enrolment; a revoked node is never called again.
    node_url: Mapped[str | None] = mapped_column(String(300), default=None)
    node_key: Mapped[str | None] = mapped_column(String(80), default=None)
    node_revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
