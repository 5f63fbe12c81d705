"""The life of minutes: draft, circulated for comment, approved and locked, then amended.

Every change of state is a compare-and-set on the row's status, so a double click or two
secretaries at once change it once. The approved text's SHA-256 goes into the audit chain; an
amendment's approved text does too, so ``concord audit verify`` covers what was agreed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer
from concord.audit import chain
from concord.audit.models import AuditEntry
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.meetings.services import get_meeting
from concord.governance.minutes.diff import html_diff
from concord.governance.minutes.models import (
    AmendmentStatus,
    Minutes,
    MinutesAmendment,
    MinutesComment,
    MinutesStatus,
)
from concord.governance.permissions import NotAllowed, NotFound, require_secretariat
from concord.partners.services import by_slug

MAX_TEXT = 200_000
MAX_COMMENT = 5_000


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalise(text: str) -> str:
    # Browsers post CRLF; the hash must not depend on the browser.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def minutes_of(session: Session, meeting_id: int) -> Minutes | None:
    get_meeting(session, meeting_id)
    return session.get(Minutes, meeting_id)


def _minutes(session: Session, meeting_id: int) -> Minutes:
    minutes = minutes_of(session, meeting_id)
    if minutes is None:
        raise NotFound("no minutes yet")
    return minutes


def save_draft(session: Session, viewer: Viewer, meeting_id: int, text: str) -> Minutes:
    """Write the draft; refused once the minutes left the draft state."""
    require_secretariat(viewer)
    text = _normalise(text)
    if len(text) > MAX_TEXT:
        raise InvalidInput.one("text", f"Keep the minutes to {MAX_TEXT} characters.")
    minutes = minutes_of(session, meeting_id)
    if minutes is None:
        minutes = Minutes(
            meeting_id=meeting_id, status=MinutesStatus.DRAFT, text=text, updated_by=viewer.actor
        )
        session.add(minutes)
        session.flush()
        return minutes
    if minutes.status is MinutesStatus.APPROVED:
        raise InvalidInput.one(
            "text", "The minutes are approved and locked; propose an amendment instead."
        )
    if minutes.status is not MinutesStatus.DRAFT:
        raise InvalidInput.one("text", "The minutes are circulated; return them to draft first.")
    minutes.text = text
    minutes.updated_by = viewer.actor
    minutes.updated_at = utcnow()
    session.flush()
    return minutes


def _move(
    session: Session,
    meeting_id: int,
    source: MinutesStatus,
    target: MinutesStatus,
    **values: object,
) -> bool:
    """Compare-and-set the status; True when this call made the change."""
    changed = session.execute(
        update(Minutes)
        .where(Minutes.meeting_id == meeting_id, Minutes.status == source)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.expire_all()
    return bool(changed == 1)


def circulate(session: Session, viewer: Viewer, meeting_id: int) -> bool:
    """Send the draft to the partners for comment."""
    require_secretariat(viewer)
    minutes = _minutes(session, meeting_id)
    if minutes.status is MinutesStatus.DRAFT and not minutes.text:
        raise InvalidInput.one("text", "Write the minutes before circulating them.")
    moved = _move(
        session,
        meeting_id,
        MinutesStatus.DRAFT,
        MinutesStatus.CIRCULATED,
        circulated_at=utcnow(),
    )
    if moved:
        chain.record(
            session,
            actor=viewer.actor,
            action="minutes.circulate",
            object_ref=f"meeting:{meeting_id}",
        )
    return moved


def return_to_draft(session: Session, viewer: Viewer, meeting_id: int) -> bool:
    """Take circulated minutes back to draft to work the comments in (comments stay)."""
    require_secretariat(viewer)
    _minutes(session, meeting_id)
    return _move(session, meeting_id, MinutesStatus.CIRCULATED, MinutesStatus.DRAFT)


def approve(session: Session, viewer: Viewer, meeting_id: int) -> bool:
    """Approve circulated minutes: lock the text and put its hash in the audit chain."""
    require_secretariat(viewer)
    minutes = _minutes(session, meeting_id)
    digest = text_hash(minutes.text)
    moved = _move(
        session,
        meeting_id,
        MinutesStatus.CIRCULATED,
        MinutesStatus.APPROVED,
        approved_at=utcnow(),
        approved_by=viewer.actor,
        approved_hash=digest,
    )
    if moved:
        chain.record(
            session,
            actor=viewer.actor,
            action="minutes.approve",
            object_ref=f"meeting:{meeting_id}",
            detail=f"sha256:{digest}",
        )
    return moved


def comments(session: Session, meeting_id: int) -> Sequence[MinutesComment]:
    query = select(MinutesComment).where(MinutesComment.meeting_id == meeting_id)
    return session.scalars(query.order_by(MinutesComment.created_at, MinutesComment.id)).all()


def add_comment(
    session: Session, viewer: Viewer, meeting_id: int, text: str, form_key: str | None = None
) -> MinutesComment:
    """A comment on circulated minutes, for the commenter's own organisation only."""
    minutes = _minutes(session, meeting_id)
    if form_key and (done := session.scalar(select(MinutesComment).filter_by(form_key=form_key))):
        return done
    if minutes.status is not MinutesStatus.CIRCULATED:
        raise NotAllowed("minutes take comments only while they are circulated")
    partner_id = None
    if viewer.partner_slug is not None:
        partner = by_slug(session, viewer.partner_slug)
        if partner is None:
            raise NotAllowed("the viewer's organisation is unknown")
        partner_id = partner.id
    elif not viewer.is_secretariat:
        raise NotAllowed("only partner staff and the secretariat comment")
    text = _normalise(text)
    if not text or len(text) > MAX_COMMENT:
        raise InvalidInput.one("comment", f"Write a comment (at most {MAX_COMMENT} characters).")
    comment = MinutesComment(
        meeting_id=meeting_id,
        author_id=viewer.id,
        partner_id=partner_id,
        text=text,
        form_key=form_key,
    )
    session.add(comment)
    session.flush()
    return comment


# Amendments


def amendments(session: Session, meeting_id: int) -> Sequence[MinutesAmendment]:
    query = select(MinutesAmendment).where(MinutesAmendment.meeting_id == meeting_id)
    return session.scalars(query.order_by(MinutesAmendment.id)).all()


def text_in_force(session: Session, minutes: Minutes) -> str:
    """The approved text as amended by every approved amendment."""
    approved = [
        a for a in amendments(session, minutes.meeting_id) if a.status is AmendmentStatus.APPROVED
    ]
    return approved[-1].text if approved else minutes.text


def propose_amendment(
    session: Session,
    viewer: Viewer,
    meeting_id: int,
    *,
    reason: str,
    text: str,
    form_key: str | None = None,
) -> MinutesAmendment:
    """Propose a change to approved minutes (one pending amendment at a time)."""
    require_secretariat(viewer)
    minutes = _minutes(session, meeting_id)
    if form_key and (done := session.scalar(select(MinutesAmendment).filter_by(form_key=form_key))):
        return done
    if minutes.status is not MinutesStatus.APPROVED:
        raise InvalidInput.one("text", "Only approved minutes are amended; edit the draft instead.")
    errors: dict[str, str] = {}
    reason, text = reason.strip(), _normalise(text)
    current = text_in_force(session, minutes)
    if not reason or len(reason) > 1000:
        errors["reason"] = "Say why the minutes change (at most 1000 characters)."
    if not text or len(text) > MAX_TEXT:
        errors["text"] = "Give the whole amended text."
    elif text == current:
        errors["text"] = "This is the text in force: change it to propose an amendment."
    pending = [a for a in amendments(session, meeting_id) if a.status is AmendmentStatus.PROPOSED]
    if pending:
        errors["text"] = "An amendment is awaiting approval already; approve it first."
    if errors:
        raise InvalidInput(errors)
    amendment = MinutesAmendment(
        meeting_id=meeting_id,
        reason=reason,
        text=text,
        base_hash=text_hash(current),
        status=AmendmentStatus.PROPOSED,
        proposed_by=viewer.actor,
        form_key=form_key,
    )
    session.add(amendment)
    session.flush()
    chain.record(
        session,
        actor=viewer.actor,
        action="minutes.amendment.propose",
        object_ref=f"meeting:{meeting_id}",
        detail=f"amendment:{amendment.id}",
    )
    return amendment


def approve_amendment(session: Session, viewer: Viewer, meeting_id: int, amendment_id: int) -> bool:
    """Approve a proposed amendment; its text becomes the text in force, its hash is chained."""
    require_secretariat(viewer)
    minutes = _minutes(session, meeting_id)
    amendment = session.get(MinutesAmendment, amendment_id)
    if amendment is None or amendment.meeting_id != meeting_id:
        raise NotFound("no such amendment")
    if amendment.base_hash != text_hash(text_in_force(session, minutes)):
        raise InvalidInput.one("text", "The text in force changed since this was proposed.")
    digest = text_hash(amendment.text)
    changed = session.execute(
        update(MinutesAmendment)
        .where(
            MinutesAmendment.id == amendment_id,
            MinutesAmendment.status == AmendmentStatus.PROPOSED,
        )
        .values(
            status=AmendmentStatus.APPROVED,
            approved_by=viewer.actor,
            approved_at=utcnow(),
            approved_hash=digest,
        )
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.expire_all()
    if changed != 1:
        return False
    chain.record(
        session,
        actor=viewer.actor,
        action="minutes.amendment.approve",
        object_ref=f"meeting:{meeting_id}",
        detail=f"amendment:{amendment_id} sha256:{digest}",
    )
    return True


def matches_audit_chain(session: Session, minutes: Minutes) -> bool | None:
    """Whether the approved text, and each approved amendment, still hash to what the audit
    chain recorded when they were approved (None while nothing is approved).

    The chain itself is checked by ``concord audit verify``; this catches an edit to the
    minutes' own rows, which the chain does not hold.
    """
    if minutes.status is not MinutesStatus.APPROVED:
        return None
    recorded = set(
        session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.object_ref == f"meeting:{minutes.meeting_id}",
                AuditEntry.action.in_(["minutes.approve", "minutes.amendment.approve"]),
            )
        )
    )
    expected = {f"sha256:{text_hash(minutes.text)}"} | {
        f"amendment:{a.id} sha256:{text_hash(a.text)}"
        for a in amendments(session, minutes.meeting_id)
        if a.status is AmendmentStatus.APPROVED
    }
    return expected <= recorded


@dataclass(frozen=True)
class AmendmentView:
    amendment: MinutesAmendment
    diff: Markup


def amendment_views(session: Session, minutes: Minutes) -> list[AmendmentView]:
    """Each amendment with its diff against the text in force when it was proposed."""
    views: list[AmendmentView] = []
    base = minutes.text
    for amendment in amendments(session, minutes.meeting_id):
        views.append(AmendmentView(amendment, html_diff(base, amendment.text)))
        if amendment.status is AmendmentStatus.APPROVED:
            base = amendment.text
    return views
