"""Carrying out a data-subject request: the action its kind calls for, then closing it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from concord.errors import InvalidInput
from consent.contacts.models import Contact
from consent.ledger.models import CollectionMethod
from consent.rights.erasure import Erased, erase
from consent.rights.models import RequestKind, RequestStatus, RightsRequest, Verification
from consent.rights.objection import object_to_direct_marketing
from consent.rights.requests import close, receive_request, requests_of
from consent.rights.restriction import set_restricted
from consent.suppression.services import SuppressionKey


@dataclass(frozen=True)
class CarriedOut:
    """What completing a request did: its outcome line, and the erasure's counts if any."""

    outcome: str
    erased: Erased | None = None


def _method(request: RightsRequest) -> CollectionMethod:
    by_staff = request.verified_by.by_staff
    return CollectionMethod.STAFF if by_staff else CollectionMethod.PREFERENCE_CENTRE


def carry_out(
    session: Session,
    request: RightsRequest,
    *,
    key: SuppressionKey,
    handled_by: int | None,
    actor: str,
) -> CarriedOut:
    """Do what the request asks and mark it done, in the caller's transaction.

    Access, portability and rectification are done by staff beforehand (sending the copy,
    editing the record); closing them records that. Restriction, objection and erasure are
    done here. Raises :class:`InvalidInput` when the request is closed or its person is gone.
    """
    if not request.is_open:
        raise InvalidInput.one("status", "This request is closed already.")
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    if contact is None:
        raise InvalidInput.one("status", "The person this request concerns is no longer held.")
    erased: Erased | None = None
    if request.kind is RequestKind.RESTRICTION:
        set_restricted(session, contact, True, actor=actor)
        outcome = "processing restricted"
    elif request.kind is RequestKind.OBJECTION:
        withdrawn = object_to_direct_marketing(
            session, contact, key=key, actor=actor, method=_method(request)
        )
        outcome = f"identifiers suppressed; {withdrawn} direct-marketing consents withdrawn"
    elif request.kind is RequestKind.ERASURE:
        # The person's other open requests cannot be answered once they are gone.
        for other in requests_of(session, contact.id):
            if other.id != request.id and other.is_open:
                close(
                    session,
                    other,
                    status=RequestStatus.DONE,
                    handled_by=handled_by,
                    outcome=f"answered by erasure (request #{request.id})",
                )
        erased = erase(session, [contact.id], key=key)
        outcome = "erased: " + erased.describe()
    elif request.kind is RequestKind.RECTIFICATION:
        outcome = "record corrected"
    else:
        outcome = "copy of the data provided"
    close(session, request, status=RequestStatus.DONE, handled_by=handled_by, outcome=outcome)
    return CarriedOut(outcome, erased)


def object_now(
    session: Session,
    *,
    contact_id: int,
    key: SuppressionKey,
    verified_by: Verification | str,
    actor: str,
) -> RightsRequest:
    """An objection to direct marketing, logged and applied at once (Art. 21(3) is absolute).

    For the preference centre: the request is recorded as received and done in one step, with
    no staff account as its handler. Raises what :func:`receive_request` raises.
    """
    request = receive_request(
        session,
        contact_id=contact_id,
        kind=RequestKind.OBJECTION,
        verified_by=verified_by,
        actor=actor,
    )
    carry_out(session, request, key=key, handled_by=None, actor=actor)
    return request
