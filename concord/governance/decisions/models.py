"""Decisions, the partners' positions on them, and the delegates who may cast positions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from concord.db import HubBase, UtcDateTime, utcnow
from concord.partnership.settings import DecisionRule


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class Stance(enum.StrEnum):
    """A partner's position on a proposal."""

    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


class DecisionStatus(enum.StrEnum):
    OPEN = "open"
    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"


class Decision(HubBase):
    """A proposal and, once recorded, its outcome; the rule is the one in force when proposed."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A random key the proposal form carries, so that a double submit makes one decision.
    form_key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changes_principles: Mapped[bool] = mapped_column(default=False)
    rule: Mapped[DecisionRule] = mapped_column(_enum(DecisionRule, "decision_rule"))
    majority_percent: Mapped[int]
    quorum_organisations: Mapped[int]
    rules_source: Mapped[str] = mapped_column(String(200))
    status: Mapped[DecisionStatus] = mapped_column(
        _enum(DecisionStatus, "decision_status"), default=DecisionStatus.OPEN
    )
    outcome_note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    effective_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    # What the proposal came from, chosen when it is proposed (and sealed with it).
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_documents.id", ondelete="SET NULL")
    )


class Position(HubBase):
    """One partner's position on one decision; it may change until the outcome is recorded."""

    __tablename__ = "decision_positions"
    __table_args__ = (UniqueConstraint("decision_id", "partner_id", name="one_position_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    stance: Mapped[Stance] = mapped_column(_enum(Stance, "stance"))
    cast_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Delegate(HubBase):
    """The staff member a partner's signatory named to cast positions for the partner."""

    __tablename__ = "decision_delegates"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
