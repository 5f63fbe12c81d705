"""Joint events on the web: the hub's event pages, co-host actions, invitation lists,
attendance, and the public RSVP page. HTTP glue only; the rules live in the services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.partners.models import Partner
from concord.partnership.settings import current
from concord.translations import N_
from concord.web.access import Access, access
from concord.web.language import keep_language
from concord.web.pages import FormBody, page, see_other, stakeholder_page, viewer_of
from consent.public import Audience, UnknownPurpose, VaultDirectory
from outreach.events import services
from outreach.events.lists import ListBusy, cancel_event, commit_list, count_attendance
from outreach.events.models import EventHost, EventStatus, HostStatus, JointEvent
from outreach.events.rsvp import (
    Choice,
    InvitationHandle,
    LinkProblem,
    RsvpClosed,
    answer,
    invitation,
)
from outreach.matching.disclosure import publish

LINK_MESSAGES = {
    404: N_("We do not know this link. Please use the link in your newest invitation."),
    410: N_("This invitation link has expired: the event is over."),
}
ANSWERED = {
    "accepted": N_("Thank you: your place is booked. We look forward to seeing you."),
    "declined": N_("Thank you for letting us know: you have declined."),
    "waiting": N_(
        "The event is full, so you are on the waiting list. If a place opens up it "
        "is yours, and we will email you."
    ),
}
CHOOSE_ANSWER = N_("Choose to accept or decline.")
CANCELLED = N_("This event is cancelled.")
REGISTRATION_CLOSED = N_("Registration for this event has closed.")


def _event(hub: Hub, event_id: str) -> JointEvent:
    with hub.transaction() as session:
        found = session.get(JointEvent, event_id)
    if found is None:
        raise NotFoundException()
    return found


def _cohosted(hub: Hub, event_id: str, partner_slug: str) -> tuple[JointEvent, EventHost]:
    """The event and this partner's place among its co-hosts; 404 for anyone else."""
    with hub.transaction() as session:
        event = session.get(JointEvent, event_id)
        host = session.get(EventHost, (event_id, partner_slug))
    if event is None or host is None or host.status is HostStatus.DECLINED:
        raise NotFoundException()
    return event, host


def _names(hub: Hub) -> dict[str, str]:
    with hub.transaction() as session:
        return dict(session.execute(select(Partner.slug, Partner.name)).all())


class EventsController(Controller):
    """The partnership's joint events, for the co-hosts' staff and the secretariat."""

    path = "/events"

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def list(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            events = services.visible_events(session, viewer.partner_slug, viewer.is_secretariat)
        return page(
            request,
            "outreach/events/list/page.html",
            {"events": events, "local": services.local_time},
        )

    @get("/{event_id:str}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def detail(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        event_id: FromPath[str],
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            if not services.may_see(session, event_id, viewer.partner_slug, viewer.is_secretariat):
                raise NotFoundException()
        count_attendance(hub, directory, event_id)
        return _detail(request, hub, event_id, errors={})


def _detail(
    request: Request[Any, Any, Any],
    hub: Hub,
    event_id: str,
    *,
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    viewer = viewer_of(request)
    with hub.transaction() as session:
        if not services.may_see(session, event_id, viewer.partner_slug, viewer.is_secretariat):
            raise NotFoundException()
        event = session.get(JointEvent, event_id)
        if event is None:
            raise NotFoundException()
        hosts = services.hosts(session, event_id)
        rules = current(session)
        waiting = sum(h.waiting for h in hosts)
    names = _names(hub)
    own = next((h for h in hosts if h.partner_slug == viewer.partner_slug), None)
    return page(
        request,
        "outreach/events/detail/page.html",
        {
            "event": event,
            "hosts": hosts,
            "own": own,
            "names": names,
            "waiting": waiting,
            "errors": errors,
            "local": services.local_time,
            "own_skipped": publish(own.skipped, rules).label(rules.suppression_threshold)
            if own and own.list_committed_at
            else None,
            "others": [slug for slug in names if slug not in {h.partner_slug for h in hosts}],
            "vault_staff": viewer.partner_slug is not None
            and viewer.role.value in ("comms", "partner_admin"),
        },
        status_code=status,
    )


class PartnerEventsController(Controller):
    """What a co-host's comms and admin staff do with events: create, co-host, invite, record
    attendance."""

    path = "/partners/{partner:str}/events"
    opt = access(Access.PARTNER_VAULT)

    @get("/new", sync_to_thread=True)
    def new(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], partner: FromPath[str]
    ) -> Template:
        with hub.transaction() as session:
            found = session.scalar(select(Partner).where(Partner.slug == partner))
        zone = found.timezone if found else "UTC"
        return self._form(request, partner, {"timezone": zone, "capacity": "50"}, {})

    @post("/new", sync_to_thread=True)
    def create(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            details = services.check_details(data)
        except InvalidInput as error:
            return self._form(request, partner, data, error.errors, status=400)
        with hub.transaction() as session:
            event = services.create_event(
                session, details, partner_slug=partner, actor=viewer_of(request).actor
            )
        return see_other(f"/events/{event.id}")

    def _form(
        self,
        request: Request[Any, Any, Any],
        partner: FromPath[str],
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        return page(
            request,
            "outreach/events/new/page.html",
            {"partner": partner, "form": form, "errors": errors},
            status_code=status,
        )

    @post("/{event_id:str}/cohosts", sync_to_thread=True)
    def invite_cohost(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        partner: FromPath[str],
        event_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        event, _ = _cohosted(hub, event_id, partner)
        try:
            with hub.transaction() as session:
                services.invite_cohost(
                    session,
                    event,
                    partner_slug=partner,
                    cohost_slug=data.get("cohost", ""),
                    actor=viewer_of(request).actor,
                )
        except InvalidInput as error:
            return _detail(request, hub, event_id, errors=error.errors, status=400)
        return see_other(f"/events/{event_id}")

    @post("/{event_id:str}/cancel", sync_to_thread=True)
    def cancel(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        event_id: FromPath[str],
    ) -> Response[Any]:
        _cohosted(hub, event_id, partner)
        try:
            cancel_event(
                hub,
                directory,
                request.app.state.settings,
                event_id=event_id,
                partner_slug=partner,
                actor=viewer_of(request).actor,
            )
        except InvalidInput as error:
            return _detail(request, hub, event_id, errors=error.errors, status=400)
        return see_other(f"/events/{event_id}")

    @post("/{event_id:str}/cohosting", sync_to_thread=True)
    def answer_cohosting(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        partner: FromPath[str],
        event_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        _cohosted(hub, event_id, partner)
        choice = data.get("answer")
        if choice not in ("accept", "decline"):
            return _detail(
                request, hub, event_id, errors={"answer": "Accept or decline."}, status=400
            )
        with hub.transaction() as session:
            services.answer_cohosting(
                session,
                event_id,
                partner_slug=partner,
                accept=choice == "accept",
                actor=viewer_of(request).actor,
            )
        return see_other(f"/events/{event_id}" if choice == "accept" else "/events")

    @get("/{event_id:str}/invitations", sync_to_thread=True)
    def invitations(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        event_id: FromPath[str],
        purpose: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
    ) -> Template:
        form = {"purpose": purpose or "", "category": category or "", "tag": tag or ""}
        return self._invitations(request, hub, directory, partner, event_id, form, {})

    def _invitations(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        directory: VaultDirectory,
        partner: FromPath[str],
        event_id: str,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        event, host = _cohosted(hub, event_id, partner)
        vault = directory.vault(partner)
        purposes = [
            (p.code, p.name) for p in vault.audience_choices().purposes if "email" in p.channels
        ]
        size = None
        if form.get("purpose") and not errors:
            try:
                size = vault.event_audience_size(_audience(form))
            except UnknownPurpose:
                errors = {"purpose": "Choose a purpose you write to by email."}
        with hub.transaction() as session:
            rules = current(session)
        return page(
            request,
            "outreach/events/invitations/page.html",
            {
                "event": event,
                "host": host,
                "partner": partner,
                "purposes": purposes,
                "form": form,
                "errors": errors,
                "size": size,
                "skipped": publish(host.skipped, rules).label(rules.suppression_threshold),
            },
            partial="outreach/events/invitations/_preview.html",
            status_code=status,
        )

    @post("/{event_id:str}/invitations", sync_to_thread=True)
    def commit(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        partner: FromPath[str],
        event_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        _cohosted(hub, event_id, partner)
        form = {k: data.get(k, "") for k in ("purpose", "category", "tag")}
        if not form["purpose"]:
            errors = {"purpose": "Choose whom to invite: a purpose you write to by email."}
            return self._invitations(request, hub, directory, partner, event_id, form, errors, 400)
        try:
            commit_list(
                hub,
                directory,
                request.app.state.settings,
                event_id=event_id,
                partner_slug=partner,
                audience=_audience(form),
                actor=viewer_of(request).actor,
            )
        except InvalidInput as error:
            return self._invitations(
                request, hub, directory, partner, event_id, form, error.errors, 400
            )
        except ListBusy:
            errors = {"purpose": "Another co-host's list is being matched. Try again shortly."}
            return self._invitations(request, hub, directory, partner, event_id, form, errors, 409)
        return see_other(f"/partners/{partner}/events/{event_id}/invitations")


def _audience(form: dict[str, str]) -> Audience:
    return Audience(
        purpose_code=form["purpose"],
        category=form.get("category") or None,
        tag=form.get("tag") or None,
    )


class RsvpController(Controller):
    """The invitee's answer page, reached from the invitation email: no account needed."""

    path = "/rsvp/{token:str}"
    opt = access(Access.PUBLIC)
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=True)
    def show(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        token: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        try:
            handle = invitation(hub, directory, token)
        except LinkProblem as problem:
            raise HTTPException(
                status_code=problem.status, detail=LINK_MESSAGES[problem.status]
            ) from None
        event = _event(hub, handle.event_id)
        done_text = ANSWERED.get(done or "")
        return _rsvp_page(request, hub, event, token, handle, done_text)

    @post("/", sync_to_thread=True)
    def answer(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        directory: NamedDependency[VaultDirectory],
        token: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            choice = Choice(data.get("answer", ""))
        except ValueError:
            raise HTTPException(status_code=400, detail=CHOOSE_ANSWER) from None
        try:
            result = answer(hub, directory, token, choice)
        except LinkProblem as problem:
            raise HTTPException(
                status_code=problem.status, detail=LINK_MESSAGES[problem.status]
            ) from None
        except RsvpClosed as closed:
            raise HTTPException(status_code=409, detail=closed.reason) from None
        return see_other(keep_language(request, f"/rsvp/{token}?done={result.answer.value}"))


def _rsvp_page(
    request: Request[Any, Any, Any],
    hub: Hub,
    event: JointEvent,
    token: str,
    handle: InvitationHandle,
    done: str | None,
) -> Template:
    with hub.transaction() as session:
        hosts = services.hosts(session, event.id)
    names = _names(hub)
    return stakeholder_page(
        request,
        "outreach/events/rsvp/page.html",
        {
            "event": event,
            "token": token,
            "answer": handle.answer.value,
            "done": done,
            "hosts": [
                names.get(h.partner_slug, h.partner_slug)
                for h in hosts
                if h.status is HostStatus.ACCEPTED
            ],
            "full": event.accepted >= event.capacity,
            "closed": CANCELLED
            if event.status is EventStatus.CANCELLED
            else REGISTRATION_CLOSED
            if event.registration_deadline <= utcnow()
            else None,
        },
        preferred=handle.language,
    )
