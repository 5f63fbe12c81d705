"""Receiving and tracking data-subject requests: due dates, extensions, and closing them.

GDPR Art. 12(3): a request is answered within one calendar month of receipt; that may be
extended by two further months where necessary, with the reason. A month here is a calendar
month: 31 January is due on the last day of February.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.errors import InvalidInput
from consent.contacts.models import Contact
from consent.public import RequestCounts
from consent.rights.models import (
    OPEN_STATUSES,
    RequestExtension,
    RequestKind,
    RequestStatus,
    RightsRequest,
    Verification,
)

MONTHS_TO_ANSWER = 1
# Art. 12(3): "extended by two further months where necessary".
MAX_FURTHER_MONTHS = 2
MAX_NOTE = 1000
# A second identical extension within this time is taken for a double submit.
RESUBMIT_WINDOW = timedelta(minutes=10)


class UnknownContact(LookupError):
    """The vault holds no contact with this id."""


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` calendar months later, or that month's last day if it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def latest_due(request: RightsRequest) -> datetime:
    """The furthest a request's due date may be moved: three months after receipt."""
    return add_months(request.received_at, MONTHS_TO_ANSWER + MAX_FURTHER_MONTHS)


def _kind(value: RequestKind | str) -> RequestKind:
    try:
        return RequestKind(value)
    except ValueError:
        raise InvalidInput.one("kind", "Choose what the person asks for.") from None


def _verification(value: Verification | str) -> Verification:
    try:
        return Verification(value)
    except ValueError:
        raise InvalidInput.one("verified_by", "Say how you checked who the person is.") from None


def open_request(session: Session, contact_id: int, kind: RequestKind) -> RightsRequest | None:
    """The person's open request of this kind, if any."""
    return session.scalar(
        select(RightsRequest).where(
            RightsRequest.contact_id == contact_id,
            RightsRequest.kind == kind,
            RightsRequest.status.in_(OPEN_STATUSES),
        )
    )


def receive_request(
    session: Session,
    *,
    contact_id: int,
    kind: RequestKind | str,
    verified_by: Verification | str,
    actor: str,
    note: str | None = None,
    received_at: datetime | None = None,
) -> RightsRequest:
    """Log a request, due one calendar month after receipt; the preference centre calls this.

    A request of a kind the person already has open returns that open request instead of a
    second one (a double click, or the same request by email and by letter). Raises
    :class:`UnknownContact` for an id the vault does not hold, :class:`InvalidInput` for a
    kind or verification it does not know, or a staff-logged request with no note when the
    identity check was "other".
    """
    kind, verification = _kind(kind), _verification(verified_by)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput.one("note", f"Keep the note to {MAX_NOTE} characters.")
    if verification is Verification.STAFF_OTHER and not note:
        raise InvalidInput.one("note", "Say how you checked who the person is.")
    if session.get(Contact, contact_id) is None:
        raise UnknownContact(contact_id)
    existing = open_request(session, contact_id, kind)
    if existing is not None:
        return existing
    received = received_at or utcnow()
    request = RightsRequest(
        kind=kind,
        contact_id=contact_id,
        received_at=received,
        received_by=actor,
        verified_by=verification,
        verification_note=note,
        due_at=add_months(received, MONTHS_TO_ANSWER),
        status=RequestStatus.RECEIVED,
    )
    session.add(request)
    session.flush()
    return request


def all_requests(session: Session, *, open_only: bool) -> Sequence[RightsRequest]:
    """Requests by due date (open ones) or newest first (all of them)."""
    query = select(RightsRequest)
    if open_only:
        query = query.where(RightsRequest.status.in_(OPEN_STATUSES)).order_by(
            RightsRequest.due_at, RightsRequest.id
        )
    else:
        query = query.order_by(RightsRequest.received_at.desc(), RightsRequest.id.desc())
    return session.scalars(query).all()


def requests_of(session: Session, contact_id: int) -> Sequence[RightsRequest]:
    """One person's requests, newest first."""
    return session.scalars(
        select(RightsRequest)
        .where(RightsRequest.contact_id == contact_id)
        .order_by(RightsRequest.id.desc())
    ).all()


def counts(session: Session, now: datetime | None = None) -> RequestCounts:
    now = now or utcnow()
    row = session.execute(
        select(func.count(), func.count().filter(RightsRequest.due_at < now))
        .select_from(RightsRequest)
        .where(RightsRequest.status.in_(OPEN_STATUSES))
    ).one()
    return RequestCounts(int(row[0]), int(row[1]))


def _still_open(request: RightsRequest) -> None:
    if not request.is_open:
        raise InvalidInput.one("status", "This request is closed already.")


def start(session: Session, request: RightsRequest) -> None:
    """Mark a received request as being worked on (doing so twice changes nothing)."""
    _still_open(request)
    request.status = RequestStatus.IN_PROGRESS
    session.flush()


def extend(
    session: Session, request: RightsRequest, *, months: int, reason: str, actor: str
) -> RequestExtension:
    """Move the due date on by whole months, with the reason the person will be told.

    The same extension sent twice by the same person within minutes (a double click) is
    taken once.
    """
    _still_open(request)
    if request.extensions:
        last = request.extensions[-1]
        if (
            last.actor == actor
            and last.reason == reason.strip()
            and last.new_due_at == add_months(last.previous_due_at, months)
            and last.at >= utcnow() - RESUBMIT_WINDOW
        ):
            return last
    errors: dict[str, str] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = "Give the reason for the extension: the person must be told it."
    elif len(reason) > MAX_NOTE:
        errors["reason"] = f"Keep the reason to {MAX_NOTE} characters."
    new_due = add_months(request.due_at, months) if months in (1, 2) else None
    if new_due is None:
        errors["months"] = "Extend by one or two months."
    elif new_due > latest_due(request):
        errors["months"] = (
            "A request may be extended by two further months in all; "
            f"the latest due date is {latest_due(request):%Y-%m-%d}."
        )
    if errors or new_due is None:
        raise InvalidInput(errors)
    extension = RequestExtension(
        request_id=request.id,
        reason=reason,
        previous_due_at=request.due_at,
        new_due_at=new_due,
        actor=actor,
    )
    request.due_at = new_due
    request.extensions.append(extension)
    session.flush()
    return extension


def close(
    session: Session,
    request: RightsRequest,
    *,
    status: RequestStatus,
    handled_by: int | None,
    outcome: str = "",
    refusal_reason: str = "",
) -> None:
    """Close a request as done or refused (a refusal needs its reason).

    ``handled_by`` is the staff account that closed it; None when the person's own action
    completed it (an objection in the preference centre takes effect at once).
    """
    _still_open(request)
    if status is RequestStatus.REFUSED:
        refusal_reason = refusal_reason.strip()
        if not refusal_reason:
            raise InvalidInput.one(
                "refusal_reason", "Give the reason for refusing: the person must be told it."
            )
        if len(refusal_reason) > MAX_NOTE:
            raise InvalidInput.one("refusal_reason", f"Keep the reason to {MAX_NOTE} characters.")
    elif status is not RequestStatus.DONE:
        raise ValueError(f"a request closes as done or refused, not {status}")
    request.status = status
    request.refusal_reason = refusal_reason
    request.outcome = outcome
    request.done_at = utcnow()
    request.handled_by = handled_by
    session.flush()
