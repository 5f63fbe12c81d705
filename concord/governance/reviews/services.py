"""The rules of review rounds: documents, rounds, each partner's state, comments, deadlines.

A partner's state is set only by that partner's own staff, checked here against the viewer's
organisation whatever the form said. When the deadline passes, a partner that gave no answer
is counted as approving only if the principles in force say silence is consent; otherwise it
shows as "no response". Reminders and closing are compare-and-set, so the worker may run them
as often as it likes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.permissions import NotAllowed, NotFound, require_secretariat
from concord.governance.reviews import files
from concord.governance.reviews.models import (
    SETTABLE_STATES,
    PartnerReview,
    ReviewComment,
    ReviewDocument,
    ReviewRound,
    ReviewState,
    RoundStatus,
)
from concord.inputs import Window, chosen_row, parse_day
from concord.mail.outbox import send_staff_mail
from concord.partners.models import Partner
from concord.partners.services import all_partners, by_slug
from concord.partnership import settings as partnership
from concord.problems.rows import each_row
from concord.settings import Settings

# A review round's deadline: after today, and at most two years ahead.
DEADLINE = Window("The deadline", past=0, future=2 * 365)

MAX_COMMENT = 5_000


# Documents


def add_document(
    session: Session,
    settings: Settings,
    viewer: Viewer,
    *,
    title: str,
    version: str,
    link: str = "",
    upload: tuple[str, IO[bytes]] | None = None,
    form_key: str | None = None,
) -> ReviewDocument:
    """Register a joint document by link or by uploaded file (checked, stored under a random
    name)."""
    require_secretariat(viewer)
    if form_key and (done := session.scalar(select(ReviewDocument).filter_by(form_key=form_key))):
        return done
    errors: dict[str, str] = {}
    title, version, link = title.strip(), version.strip(), link.strip()
    if not title or len(title) > 200:
        errors["title"] = "Give the document's title (at most 200 characters)."
    if not version or len(version) > 40:
        errors["version"] = "Give the version, for example 1.0 or draft 3 (at most 40 characters)."
    if link and (not link.startswith(("https://", "http://")) or len(link) > 1000 or " " in link):
        errors["link"] = "Give a web address starting with https://."
    if not link and upload is None:
        errors["file"] = "Upload the document or give a link to it."
    if link and upload is not None:
        errors["file"] = "Give a link or a file, not both."
    if errors:
        raise InvalidInput(errors)
    stored = None
    if upload is not None:
        try:
            stored = files.receive(settings, upload[0], upload[1])
        except files.RefusedFile as refusal:
            raise InvalidInput.one("file", str(refusal)) from None
    document = ReviewDocument(
        title=title,
        version=version,
        link=link or None,
        file_name=stored.file_name if stored else None,
        stored_name=stored.stored_name if stored else None,
        kind=stored.kind if stored else None,
        size=stored.size if stored else None,
        sha256=stored.sha256 if stored else None,
        created_by=viewer.actor,
        form_key=form_key,
    )
    session.add(document)
    session.flush()
    chain.record(
        session,
        actor=viewer.actor,
        action="reviews.document.add",
        object_ref=f"document:{document.id}",
        detail=f"sha256:{stored.sha256}" if stored else "link",
    )
    return document


def get_document(session: Session, document_id: int) -> ReviewDocument:
    document = session.get(ReviewDocument, document_id)
    if document is None:
        raise NotFound("no such document")
    return document


def all_documents(session: Session) -> Sequence[ReviewDocument]:
    return session.scalars(select(ReviewDocument).order_by(ReviewDocument.id.desc())).all()


# Rounds


def open_round(
    session: Session,
    viewer: Viewer,
    *,
    document: str,
    deadline: str = "",
    form_key: str | None = None,
    today: date | None = None,
) -> ReviewRound:
    """Open a review round on a document for every partner; the deadline defaults to the
    partnership's review window."""
    require_secretariat(viewer)
    if form_key and (done := session.scalar(select(ReviewRound).filter_by(form_key=form_key))):
        return done
    today = today or utcnow().date()
    errors: dict[str, str] = {}
    found = chosen_row(session, ReviewDocument, document)
    if found is None:
        errors["document"] = "Choose a document from the list."
    elif session.scalar(
        select(ReviewRound.id).where(
            ReviewRound.document_id == found.id, ReviewRound.status == RoundStatus.OPEN
        )
    ):
        errors["document"] = "This document is under review already."
    if deadline.strip():
        try:
            due = parse_day(deadline, "deadline", DEADLINE, today=today)
        except InvalidInput as error:
            errors.update(error.errors)
            due = today
        if "deadline" not in errors and due <= today:
            errors["deadline"] = "The deadline must be after today."
    else:
        due = today + timedelta(days=partnership.current(session).review_window_days)
    if errors:
        raise InvalidInput(errors)
    assert found is not None
    review_round = ReviewRound(
        document_id=found.id,
        deadline=due,
        status=RoundStatus.OPEN,
        opened_by=viewer.actor,
        form_key=form_key,
    )
    session.add(review_round)
    session.flush()
    for partner in all_partners(session):
        session.add(
            PartnerReview(
                round_id=review_round.id, partner_id=partner.id, state=ReviewState.NOT_STARTED
            )
        )
    session.flush()
    chain.record(
        session,
        actor=viewer.actor,
        action="reviews.round.open",
        object_ref=f"review:{review_round.id}",
        detail=f"document:{found.id}",
    )
    return review_round


def get_round(session: Session, round_id: int) -> ReviewRound:
    review_round = session.get(ReviewRound, round_id)
    if review_round is None:
        raise NotFound("no such review round")
    return review_round


def set_partner_state(
    session: Session, viewer: Viewer, round_id: int, partner_slug: str, state: str
) -> PartnerReview:
    """Set a partner's state in an open round: only that partner's own staff may."""
    review_round = get_round(session, round_id)
    if not viewer.works_for(partner_slug):
        raise NotAllowed("only a partner's own staff set its review status")
    partner = by_slug(session, partner_slug)
    row = session.get(PartnerReview, (round_id, partner.id)) if partner else None
    if row is None:
        raise NotFound("this partner is not part of the round")
    try:
        new = ReviewState(state)
    except ValueError:
        new = None
    if new not in SETTABLE_STATES:
        raise InvalidInput.one("state", "Choose one of the listed review states.")
    assert new is not None
    if review_round.status is not RoundStatus.OPEN:
        raise InvalidInput.one("state", "This round is closed; its states no longer change.")
    if row.state is not new:
        row.state = new
        row.updated_by = viewer.actor
        row.updated_at = utcnow()
        session.flush()
        chain.record(
            session,
            actor=viewer.actor,
            action="reviews.state",
            object_ref=f"review:{round_id}",
            detail=f"partner:{partner_slug} {new.value}",
        )
    return row


def comments(session: Session, round_id: int) -> Sequence[ReviewComment]:
    query = select(ReviewComment).where(ReviewComment.round_id == round_id)
    return session.scalars(query.order_by(ReviewComment.created_at, ReviewComment.id)).all()


def add_comment(
    session: Session, viewer: Viewer, round_id: int, text: str, form_key: str | None = None
) -> ReviewComment:
    """A comment on an open round, made for the commenter's own organisation."""
    review_round = get_round(session, round_id)
    if form_key and (done := session.scalar(select(ReviewComment).filter_by(form_key=form_key))):
        return done
    partner_id = None
    if viewer.partner_slug is not None:
        partner = by_slug(session, viewer.partner_slug)
        if partner is None:
            raise NotAllowed("the viewer's organisation is unknown")
        partner_id = partner.id
    elif not viewer.is_secretariat:
        raise NotAllowed("only partner staff and the secretariat comment")
    if review_round.status is not RoundStatus.OPEN:
        raise InvalidInput.one("comment", "This round is closed.")
    text = text.replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_COMMENT:
        raise InvalidInput.one("comment", f"Write a comment (at most {MAX_COMMENT} characters).")
    comment = ReviewComment(
        round_id=round_id, author_id=viewer.id, partner_id=partner_id, text=text, form_key=form_key
    )
    session.add(comment)
    session.flush()
    return comment


# The overview grid


@dataclass(frozen=True)
class RoundRow:
    review_round: ReviewRound
    document: ReviewDocument
    states: dict[int, ReviewState]


def states_of(session: Session, round_id: int) -> dict[int, ReviewState]:
    query = select(PartnerReview).where(PartnerReview.round_id == round_id)
    return {row.partner_id: row.state for row in session.scalars(query)}


def overview(session: Session, *, status: RoundStatus = RoundStatus.OPEN) -> list[RoundRow]:
    """Rounds with each partner's state, soonest deadline first."""
    query = (
        select(ReviewRound, ReviewDocument)
        .join(ReviewDocument, ReviewDocument.id == ReviewRound.document_id)
        .where(ReviewRound.status == status)
        .order_by(ReviewRound.deadline, ReviewRound.id)
    )
    if status is RoundStatus.CLOSED:
        query = query.limit(20)
    return [
        RoundRow(review_round, document, states_of(session, review_round.id))
        for review_round, document in session.execute(query).all()
    ]


def rounds_between(session: Session, start: date, end: date) -> Sequence[ReviewRound]:
    """Open rounds whose deadline falls on days from ``start`` to ``end`` (inclusive)."""
    query = select(ReviewRound).where(ReviewRound.deadline >= start, ReviewRound.deadline <= end)
    return session.scalars(query.order_by(ReviewRound.deadline)).all()


# Deadlines: reminders and closing


def send_reminders(session: Session, settings: Settings, today: date | None = None) -> int:
    """Remind the staff of each partner that has not answered, once per round and deadline;
    return how many partners were reminded."""
    today = today or utcnow().date()
    horizon = today + timedelta(days=settings.reminder_days)
    pending = session.execute(
        select(PartnerReview, ReviewRound)
        .join(ReviewRound, ReviewRound.id == PartnerReview.round_id)
        .where(
            ReviewRound.status == RoundStatus.OPEN,
            ReviewRound.deadline >= today,
            ReviewRound.deadline <= horizon,
            PartnerReview.state.not_in([s for s in ReviewState if s.answered]),
            or_(
                PartnerReview.reminded_for.is_(None),
                PartnerReview.reminded_for != ReviewRound.deadline,
            ),
        )
    ).all()

    def remind(pair: Any) -> bool:
        row, review_round = pair
        claimed = session.execute(
            update(PartnerReview)
            .where(
                PartnerReview.round_id == row.round_id,
                PartnerReview.partner_id == row.partner_id,
                or_(
                    PartnerReview.reminded_for.is_(None),
                    PartnerReview.reminded_for != review_round.deadline,
                ),
            )
            .values(reminded_for=review_round.deadline)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return False
        document = session.get_one(ReviewDocument, review_round.document_id)
        partner = session.get_one(Partner, row.partner_id)
        staff = session.scalars(
            select(User).where(User.partner_id == row.partner_id, User.is_active.is_(True))
        ).all()
        for person in staff:
            send_staff_mail(
                session,
                settings,
                to=person.email,
                language=person.language,
                template="review_reminder",
                context={
                    "person": person,
                    "partner": partner,
                    "document": document,
                    "round": review_round,
                    "state": row.state,
                    "days": (review_round.deadline - today).days,
                    "link": f"{settings.public_url}/governance/reviews/rounds/{review_round.id}",
                },
            )
        return True

    return each_row(
        session,
        "reviews.remind",
        "partner review",
        pending,
        remind,
        ident=lambda pair: f"{pair[0].round_id}:{pair[0].partner_id}",
    ).done


def close_due_rounds(
    session: Session,
    today: date | None = None,
    rules: partnership.PartnershipSettings | None = None,
) -> int:
    """Close open rounds whose deadline has passed; silent partners become "approved (silence)"
    where the rules in force (``rules``, or else the current ones) allow it, "no response"
    otherwise. Return how many rounds closed."""
    today = today or utcnow().date()
    silence = (rules or partnership.current(session)).silence_is_consent
    due = session.scalars(
        select(ReviewRound.id).where(
            ReviewRound.status == RoundStatus.OPEN, ReviewRound.deadline < today
        )
    ).all()

    def close(round_id: int) -> bool:
        claimed = session.execute(
            update(ReviewRound)
            .where(ReviewRound.id == round_id, ReviewRound.status == RoundStatus.OPEN)
            .values(status=RoundStatus.CLOSED, closed_at=utcnow(), silence_was_consent=silence)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            return False
        outcome = ReviewState.APPROVED_BY_SILENCE if silence else ReviewState.NO_RESPONSE
        session.execute(
            update(PartnerReview)
            .where(
                PartnerReview.round_id == round_id,
                PartnerReview.state.not_in([s for s in ReviewState if s.answered]),
            )
            .values(state=outcome, updated_by="operator:deadline", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        chain.record(
            session,
            actor="operator:deadline",
            action="reviews.round.close",
            object_ref=f"review:{round_id}",
            detail=f"silence={'consent' if silence else 'no_response'}",
        )
        return True

    closed = each_row(session, "reviews.close", "review round", due, close, ident=str).done
    session.expire_all()
    return closed
