"""Answering an invitation: capacity held across partners, answers kept in the vaults.

The hub's ``events.accepted`` is the one count that capacity bounds, and it only changes by
compare-and-set (``accepted = accepted + 1 WHERE accepted < capacity``, then the rowcount is
checked), so parallel answers at every partner can never take more places than there are.

Order and compensation: a place is taken in the hub *first*, then the answer is written in the
inviting partner's vault (itself a compare-and-set on the previous answer). If the vault write
fails or loses a race, the place is given back. A crash between the two leaves a place counted
but unused, never an over-full event; a decline does the reverse (vault first, then the place
is freed and offered to the first person on the waiting list, whichever partner invited them).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import partial

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.hub import Hub
from concord.partners.services import all_partners, by_slug
from concord.translations import N_
from consent.public import Answer, PlaceOffer, VaultDirectory
from outreach.events import wording
from outreach.events.models import EventHost, EventStatus, JointEvent, WaitingPlace


class Choice(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class RsvpClosed(Exception):
    """Answers are no longer taken: the event is cancelled or registration has closed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LinkProblem(Exception):
    """An RSVP link that leads nowhere: ``status`` is 404 (unknown) or 410 (over)."""

    def __init__(self, status: int) -> None:
        super().__init__("unknown link" if status == 404 else "expired link")
        self.status = status


@dataclass(frozen=True)
class InvitationHandle:
    """An invitation as the hub sees it: whose vault, an opaque reference, the answer."""

    partner_slug: str
    ref: str
    event_id: str
    answer: Answer
    language: str = ""


@dataclass(frozen=True)
class Rsvp:
    """Where an invitation stands after an answer (``changed`` is False for a repeat)."""

    answer: Answer
    changed: bool


def invitation(hub: Hub, vaults: VaultDirectory, rsvp_token: str) -> InvitationHandle:
    """The invitation an RSVP link names; :class:`LinkProblem` when it names none.

    A link names its partner (``<partner>.<secret>``), so one vault is asked; links sent
    before partners were named in them are looked for in every vault.
    """
    if not rsvp_token or len(rsvp_token) > 100:
        raise LinkProblem(404)
    with hub.transaction() as session:
        slugs = [p.slug for p in all_partners(session)]
    named, dot, _ = rsvp_token.partition(".")
    if dot:
        slugs = [slug for slug in slugs if slug == named]
    for slug in slugs:
        found = vaults.vault(slug).find_invitation(rsvp_token)
        if found is None:
            continue
        if found.expired:
            raise LinkProblem(410)
        return InvitationHandle(slug, found.ref, found.event_id, found.answer, found.language)
    raise LinkProblem(404)


def _bump(session: Session, event_id: str, partner_slug: str, **deltas: int) -> None:
    values = {name: getattr(EventHost, name) + delta for name, delta in deltas.items() if delta}
    if values:
        session.execute(
            update(EventHost)
            .where(EventHost.event_id == event_id, EventHost.partner_slug == partner_slug)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _take_place(hub: Hub, event_id: str, *, behind_waiting_list: bool) -> bool:
    """Compare-and-set one more place taken. A newcomer (``behind_waiting_list``) gets none
    while people are waiting: a place freed by a decline goes to the waiting list first."""
    conditions = [
        JointEvent.id == event_id,
        JointEvent.accepted < JointEvent.capacity,
        JointEvent.status == EventStatus.OPEN,
    ]
    if behind_waiting_list:
        conditions.append(~exists().where(WaitingPlace.event_id == event_id))
    with hub.transaction() as session:
        result = session.execute(
            update(JointEvent)
            .where(*conditions)
            .values(accepted=JointEvent.accepted + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _give_back_place(session: Session, event_id: str) -> None:
    session.execute(
        update(JointEvent)
        .where(JointEvent.id == event_id, JointEvent.accepted > 0)
        .values(accepted=JointEvent.accepted - 1)
        .execution_options(synchronize_session=False)
    )


def _was(answer: Answer) -> dict[str, int]:
    """The per-co-host count an answer leaves when it changes."""
    name = {Answer.ACCEPTED: "accepted", Answer.DECLINED: "declined", Answer.WAITING: "waiting"}
    return {name[answer]: -1} if answer in name else {}


def answer(hub: Hub, vaults: VaultDirectory, rsvp_token: str, choice: Choice) -> Rsvp:
    """Record an invitee's answer; raises :class:`LinkProblem` or :class:`RsvpClosed`."""
    handle = invitation(hub, vaults, rsvp_token)
    with hub.transaction() as session:
        event = session.get(JointEvent, handle.event_id)
    if event is None:
        raise LinkProblem(404)
    if event.status is not EventStatus.OPEN:
        raise RsvpClosed(N_("This event is cancelled."))
    if event.registration_deadline <= utcnow():
        raise RsvpClosed(N_("Registration for this event has closed."))
    if choice is Choice.ACCEPT:
        return _accept(hub, vaults, handle, rsvp_token)
    return _decline(hub, vaults, handle)


def _accept(hub: Hub, vaults: VaultDirectory, handle: InvitationHandle, rsvp_token: str) -> Rsvp:
    if handle.answer in (Answer.ACCEPTED, Answer.WAITING):
        return Rsvp(handle.answer, changed=False)
    event_id, slug, ref = handle.event_id, handle.partner_slug, handle.ref
    if _take_place(hub, event_id, behind_waiting_list=True):
        try:
            written = vaults.vault(slug).change_invitation_answer(
                ref, expected=handle.answer, new=Answer.ACCEPTED
            )
        except BaseException:
            with hub.transaction() as session:
                _give_back_place(session, event_id)
            raise
        with hub.transaction() as session:
            if not written:  # a parallel request of the same invitee answered first
                _give_back_place(session, event_id)
            else:
                _bump(session, event_id, slug, accepted=1, **_was(handle.answer))
        return (
            Rsvp(Answer.ACCEPTED, changed=written) if written else _current(hub, vaults, rsvp_token)
        )
    # Full: a place on the waiting list, held in the hub first so that its order is fair.
    with hub.transaction() as session:
        session.add(WaitingPlace(event_id=event_id, partner_slug=slug, invitation_ref=ref))
    try:
        written = vaults.vault(slug).change_invitation_answer(
            ref, expected=handle.answer, new=Answer.WAITING
        )
    except BaseException:
        written = False
        raise
    finally:
        with hub.transaction() as session:
            if not written:
                session.execute(delete(WaitingPlace).where(WaitingPlace.invitation_ref == ref))
            else:
                _bump(session, event_id, slug, waiting=1, **_was(handle.answer))
    if not written:
        return _current(hub, vaults, rsvp_token)
    # A place may be free with people waiting (a promotion cut short by a crash): fill it
    # from the head of the queue, which may be this person.
    if promote_waiting(hub, vaults, event_id):
        return Rsvp(_current(hub, vaults, rsvp_token).answer, changed=True)
    return Rsvp(Answer.WAITING, changed=True)


def _current(hub: Hub, vaults: VaultDirectory, rsvp_token: str) -> Rsvp:
    """Where a parallel request of the same invitee left the invitation."""
    return Rsvp(invitation(hub, vaults, rsvp_token).answer, changed=False)


def _decline(hub: Hub, vaults: VaultDirectory, handle: InvitationHandle) -> Rsvp:
    if handle.answer is Answer.DECLINED:
        return Rsvp(Answer.DECLINED, changed=False)
    event_id, slug, ref = handle.event_id, handle.partner_slug, handle.ref
    if not vaults.vault(slug).change_invitation_answer(
        ref, expected=handle.answer, new=Answer.DECLINED
    ):
        return Rsvp(handle.answer, changed=False)
    with hub.transaction() as session:
        _bump(session, event_id, slug, declined=1, **_was(handle.answer))
        if handle.answer is Answer.WAITING:
            session.execute(delete(WaitingPlace).where(WaitingPlace.invitation_ref == ref))
        if handle.answer is Answer.ACCEPTED:
            _give_back_place(session, event_id)
    if handle.answer is Answer.ACCEPTED:
        promote_waiting(hub, vaults, event_id)
    return Rsvp(Answer.DECLINED, changed=True)


def promote_waiting(hub: Hub, vaults: VaultDirectory, event_id: str) -> int:
    """Give free places to the waiting list in order, across partners; returns how many."""
    promoted = 0
    while True:
        with hub.transaction() as session:
            first = session.scalar(
                select(WaitingPlace)
                .where(WaitingPlace.event_id == event_id)
                .order_by(WaitingPlace.id)
                .limit(1)
            )
            if first is None:
                return promoted
            place = (first.id, first.partner_slug, first.invitation_ref)
            event = session.get_one(JointEvent, event_id)
            title = event.title
            partner = by_slug(session, first.partner_slug)
            partner_name = partner.name if partner else first.partner_slug
        if not _take_place(hub, event_id, behind_waiting_list=False):
            return promoted
        with hub.transaction() as session:
            removed = session.execute(delete(WaitingPlace).where(WaitingPlace.id == place[0]))
            if removed.rowcount != 1:  # type: ignore[attr-defined]
                _give_back_place(session, event_id)  # another promoter took this one
                continue
        try:
            subject, body = wording.place_offer(title)
            offer = PlaceOffer(
                subject=subject,
                body=body,
                localised=wording.in_every_language(partial(wording.place_offer, title)),
            )
            offered = vaults.vault(place[1]).offer_event_place(
                place[2], offer, partner_name=partner_name
            )
        except BaseException:
            with hub.transaction() as session:
                _give_back_place(session, event_id)
            raise
        with hub.transaction() as session:
            if offered:
                _bump(session, event_id, place[1], accepted=1, waiting=-1)
                promoted += 1
            else:  # they declined while waiting
                _give_back_place(session, event_id)
