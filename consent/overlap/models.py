"""What matching may tell a vault about its own contacts: "also held by N other partners".

``RoundPseudonym`` maps a round's pseudonyms back to contacts for as long as the round runs;
``OverlapFlag`` keeps the latest round's answer per contact. Neither names another partner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import UtcDateTime, utcnow
from consent.db import VaultBase


class RoundPseudonym(VaultBase):
    __tablename__ = "round_pseudonyms"

    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pseudonym: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OverlapFlag(VaultBase):
    __tablename__ = "overlap_flags"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    other_partners: Mapped[int] = mapped_column(Integer)
    round_id: Mapped[str] = mapped_column(String(36))
    flagged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
