"""The decision register's rules: proposing, naming a delegate, casting positions, recording
the outcome. Every decision and position is sealed into the audit chain.

A proposal takes the decision rule of the principles in force when it is made (a change to the
principles always needs unanimity of every partner). A partner's position is cast by its
signatory or by the one delegate the signatory named among the partner's own staff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from concord.accounts.models import Role, User
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance import sealing
from concord.governance.decisions.models import (
    Decision,
    DecisionStatus,
    Delegate,
    Position,
    Stance,
)
from concord.governance.decisions.outcome import DecisionRules, Outcome, outcome
from concord.governance.errors import Missing, NotAllowed, Refused
from concord.governance.meetings.models import Meeting
from concord.governance.reviews.models import ReviewDocument
from concord.inputs import Window, chosen_row, parse_day, row_id
from concord.partners.models import Partner
from concord.partnership import settings as partnership

MAX_TITLE = 200
MAX_TEXT = 20_000


def decision_content(decision: Decision) -> dict[str, Any]:
    """What a decision's seal covers: the whole row but its form key.

    The meeting and document a proposal links to are set when it is proposed, so they are
    sealed with it. They enter the content only when set: decisions sealed before links existed
    keep their hashes, and setting a link by hand still breaks the seal.
    """
    links = {
        name: value
        for name, value in (
            ("meeting_id", decision.meeting_id),
            ("document_id", decision.document_id),
        )
        if value is not None
    }
    return links | {
        "id": decision.id,
        "title": decision.title,
        "text": decision.text,
        "proposer_id": decision.proposer_id,
        "proposed_at": decision.proposed_at,
        "changes_principles": decision.changes_principles,
        "rule": decision.rule.value,
        "majority_percent": decision.majority_percent,
        "quorum_organisations": decision.quorum_organisations,
        "rules_source": decision.rules_source,
        "status": decision.status.value,
        "outcome_note": decision.outcome_note,
        "recorded_at": decision.recorded_at,
        "recorded_by": decision.recorded_by,
        "effective_on": decision.effective_on,
        "review_on": decision.review_on,
    }


def position_content(position: Position) -> dict[str, Any]:
    return {
        "id": position.id,
        "decision_id": position.decision_id,
        "partner_id": position.partner_id,
        "stance": position.stance.value,
        "cast_by": position.cast_by,
        "cast_at": position.cast_at,
    }


def _seal_decision(session: Session, decision: Decision, *, actor: str, action: str) -> None:
    sealing.seal(
        session,
        actor=actor,
        action=action,
        object_ref=f"decision:{decision.id}",
        content=decision_content(decision),
        note=f"status:{decision.status.value}",
    )


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAllowed("Your account cannot act in the decision register.")
    return user


def acts_for(session: Session, user: User) -> Partner | None:
    """The partner whose positions ``user`` may cast: as its signatory or its named delegate."""
    if user.partner is None:
        return None
    if user.role is Role.SIGNATORY:
        return user.partner
    delegate = session.get(Delegate, user.partner.id)
    if delegate is not None and delegate.user_id == user.id:
        return user.partner
    return None


def _linked(
    session: Session,
    model: type[Meeting] | type[ReviewDocument],
    raw: str,
    field: str,
    errors: dict[str, str],
) -> int | None:
    """The id chosen in a link's select list, checked to exist (empty: no link)."""
    raw = raw.strip()
    if not raw:
        return None
    found = chosen_row(session, model, raw)
    if found is None:
        errors[field] = f"Choose a {field} from the list, or none."
        return None
    return found.id


def propose(
    session: Session,
    *,
    proposer_id: int,
    title: str,
    text: str,
    changes_principles: bool,
    form_key: str,
    meeting: str = "",
    document: str = "",
) -> Decision:
    """Register a proposal under the rules in force now, optionally linked to the meeting it
    came from and the joint document it is about; the same form key returns the same proposal
    (a double submit makes no twin)."""
    title, text = title.strip(), text.replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    meeting_id = _linked(session, Meeting, meeting, "meeting", errors)
    document_id = _linked(session, ReviewDocument, document, "document", errors)
    if not title or len(title) > MAX_TITLE:
        errors["title"] = f"Give the proposal a title (at most {MAX_TITLE} characters)."
    if not text or len(text) > MAX_TEXT:
        errors["text"] = f"Say what is proposed (at most {MAX_TEXT} characters)."
    if not 16 <= len(form_key) <= 64:
        errors["title"] = "The form expired: reload the page and submit again."
    if errors:
        raise InvalidInput(errors)
    proposer = _user(session, proposer_id)
    if proposer.role is not Role.SECRETARIAT and acts_for(session, proposer) is None:
        raise NotAllowed(
            "Proposals come from the secretariat or from a partner's signatory or delegate."
        )
    existing = session.scalar(select(Decision).where(Decision.form_key == form_key))
    if existing is not None:
        return existing
    rules = partnership.current(session)
    decision = Decision(
        form_key=form_key,
        title=title,
        text=text,
        proposer_id=proposer.id,
        proposed_at=utcnow(),
        changes_principles=changes_principles,
        rule=partnership.DecisionRule.UNANIMITY if changes_principles else rules.decision_rule,
        majority_percent=rules.majority_percent,
        quorum_organisations=rules.quorum_organisations,
        rules_source=rules.source[:200],
        status=DecisionStatus.OPEN,
        outcome_note="",
        meeting_id=meeting_id,
        document_id=document_id,
    )
    session.add(decision)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # The same form, submitted twice at once: the other submission won.
        return session.scalars(select(Decision).where(Decision.form_key == form_key)).one()
    _seal_decision(session, decision, actor=f"user:{proposer.id}", action="decision.propose")
    return decision


def decision(session: Session, decision_id: int, *, lock: bool = False) -> Decision:
    found = session.get(Decision, decision_id, with_for_update=lock)
    if found is None:
        raise Missing()
    return found


def cast_position(session: Session, decision_id: int, *, user_id: int, stance: str) -> Position:
    """Record (or change, while the decision is open) the position of the user's partner."""
    try:
        chosen = Stance(stance)
    except ValueError:
        raise InvalidInput.one("stance", "Choose agree, abstain, disagree or block.") from None
    target = decision(session, decision_id, lock=True)
    user = _user(session, user_id)
    partner = acts_for(session, user)
    if partner is None:
        raise NotAllowed(
            "Only a partner's signatory, or the delegate the signatory named, casts its position."
        )
    if target.status is not DecisionStatus.OPEN:
        raise Refused("The outcome of this decision is recorded; positions can no longer change.")
    position = session.scalar(
        select(Position).where(Position.decision_id == target.id, Position.partner_id == partner.id)
    )
    if position is not None and position.stance is chosen:
        return position
    if position is None:
        position = Position(decision_id=target.id, partner_id=partner.id)
        session.add(position)
    position.stance = chosen
    position.cast_by = user.id
    position.cast_at = utcnow()
    session.flush()
    sealing.seal(
        session,
        actor=f"user:{user.id}",
        action="decision.position",
        object_ref=f"decision-position:{position.id}",
        content=position_content(position),
        note=f"decision:{target.id} partner:{partner.slug} stance:{chosen.value}",
    )
    return position


def rules_of(session: Session, target: Decision) -> DecisionRules:
    partners = session.scalar(select(func.count()).select_from(Partner)) or 0
    if target.changes_principles:
        return DecisionRules.for_principles_change(partners)
    return DecisionRules(
        target.rule, target.majority_percent, target.quorum_organisations, partners
    )


def positions_of(session: Session, decision_id: int) -> Sequence[Position]:
    return session.scalars(
        select(Position).where(Position.decision_id == decision_id).order_by(Position.id)
    ).all()


def current_outcome(session: Session, target: Decision) -> Outcome:
    return outcome(rules_of(session, target), [p.stance for p in positions_of(session, target.id)])


# A decision takes effect, or comes up for review, within ten years either side of today
# (an outcome may be recorded for a decision taken long ago).
DECISION_DAY = Window("The date", past=10 * 365, future=10 * 365)


def _date(raw: str, field: str, errors: dict[str, str]) -> date | None:
    if not raw.strip():
        return None
    try:
        return parse_day(raw, field, DECISION_DAY)
    except InvalidInput as error:
        errors.update(error.errors)
        return None


def record_outcome(
    session: Session, decision_id: int, form: Mapping[str, str], *, actor_id: int
) -> Decision:
    """Close the decision as adopted (only if the rules are met) or not adopted."""
    target = decision(session, decision_id, lock=True)
    if target.status is not DecisionStatus.OPEN:
        raise Refused("The outcome of this decision is already recorded.")
    errors: dict[str, str] = {}
    choice = form.get("outcome", "")
    if choice not in {DecisionStatus.ADOPTED.value, DecisionStatus.NOT_ADOPTED.value}:
        errors["outcome"] = "Choose adopted or not adopted."
    effective = _date(form.get("effective_on", ""), "effective_on", errors)
    review = _date(form.get("review_on", ""), "review_on", errors)
    if (
        choice == DecisionStatus.ADOPTED.value
        and effective is None
        and "effective_on" not in errors
    ):
        errors["effective_on"] = "An adopted decision needs the date it takes effect."
    if effective and review and review < effective:
        errors["review_on"] = "The review date comes before the decision takes effect."
    computed = current_outcome(session, target)
    if choice == DecisionStatus.ADOPTED.value and not computed.adopted:
        errors["outcome"] = f"This decision cannot be recorded as adopted. {computed.reason}"
    if errors:
        raise InvalidInput(errors)
    target.status = DecisionStatus(choice)
    target.outcome_note = computed.reason[:500]
    target.recorded_at = utcnow()
    target.recorded_by = actor_id
    target.effective_on = effective
    target.review_on = review
    session.flush()
    _seal_decision(session, target, actor=f"user:{actor_id}", action="decision.outcome")
    return target


def name_delegate(session: Session, *, signatory_id: int, delegate_id: str) -> Delegate | None:
    """The signatory names one of their own partner's staff to cast positions (or nobody)."""
    raw = delegate_id.strip()
    if raw != "0" and row_id(raw) is None:
        raise InvalidInput.one("delegate_id", "Choose a member of your staff, or nobody.")
    signatory = _user(session, signatory_id)
    if signatory.role is not Role.SIGNATORY or signatory.partner is None:
        raise NotAllowed("Only the organisation's signatory names its delegate.")
    current = session.get(Delegate, signatory.partner.id)
    if raw == "0":
        if current is not None:
            session.delete(current)
            session.flush()
            chain.record(
                session,
                actor=f"user:{signatory.id}",
                action="decision.delegate",
                object_ref=f"partner:{signatory.partner.slug}",
                detail="nobody",
            )
        return None
    chosen = chosen_row(session, User, raw)
    if chosen is None or chosen.partner_id != signatory.partner.id or not chosen.is_active:
        raise InvalidInput.one("delegate_id", "Choose a member of your organisation's staff.")
    if current is None:
        current = Delegate(partner_id=signatory.partner.id)
        session.add(current)
    current.user_id = chosen.id
    current.named_by = signatory.id
    current.named_at = utcnow()
    session.flush()
    chain.record(
        session,
        actor=f"user:{signatory.id}",
        action="decision.delegate",
        object_ref=f"partner:{signatory.partner.slug}",
        detail=f"user:{chosen.id}",
    )
    return current


def decisions_of_meeting(session: Session, meeting_id: int) -> Sequence[Decision]:
    """The decisions proposed at (or for) a meeting, in the order they were proposed."""
    return session.scalars(
        select(Decision).where(Decision.meeting_id == meeting_id).order_by(Decision.id)
    ).all()


def register(session: Session, *, limit: int = 200) -> Sequence[Decision]:
    return session.scalars(
        select(Decision).order_by(Decision.proposed_at.desc(), Decision.id.desc()).limit(limit)
    ).all()


@dataclass(frozen=True)
class PartnerPosition:
    partner: Partner
    stance: Stance | None
    cast_by_name: str | None


def positions_by_partner(session: Session, decision_id: int) -> list[PartnerPosition]:
    cast = {p.partner_id: p for p in positions_of(session, decision_id)}
    lines: list[PartnerPosition] = []
    for partner in session.scalars(select(Partner).order_by(Partner.name)):
        position = cast.get(partner.id)
        user = session.get(User, position.cast_by) if position else None
        lines.append(
            PartnerPosition(
                partner, position.stance if position else None, user.display_name if user else None
            )
        )
    return lines


def delegate_of(session: Session, partner_id: int) -> User | None:
    named = session.get(Delegate, partner_id)
    return session.get(User, named.user_id) if named else None


def staff_of(session: Session, partner_id: int) -> Sequence[User]:
    return session.scalars(
        select(User)
        .where(User.partner_id == partner_id, User.is_active.is_(True))
        .order_by(User.display_name)
    ).all()
