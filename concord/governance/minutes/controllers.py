"""The minutes page of a meeting: draft, circulate, comment, approve, amend; printable.

HTTP glue only; the rules live in :mod:`concord.governance.minutes.services`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select

from concord.accounts.models import User
from concord.errors import InvalidInput
from concord.governance.meetings import services as meetings
from concord.governance.minutes import services
from concord.governance.minutes.models import MinutesStatus
from concord.governance.permissions import clean_form_key, new_form_key
from concord.governance.web import http_errors
from concord.hub import Hub
from concord.partners.models import Partner
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

PAGE = "concord/governance/minutes/page.html"


def _path(meeting_id: int, suffix: str = "") -> str:
    return f"/governance/meetings/{meeting_id}/minutes{suffix}"


class MinutesController(Controller):
    path = "/governance/meetings/{meeting_id:int}/minutes"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def minutes(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], meeting_id: FromPath[int]
    ) -> Template:
        return self._page(request, hub, meeting_id)

    @post("/", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def save(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.save_draft(session, viewer_of(request), meeting_id, data.get("text", ""))
        except InvalidInput as error:
            return self._page(request, hub, meeting_id, form=data, errors=error.errors, status=400)
        return see_other(_path(meeting_id, "?saved=1"))

    @post("/circulate", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def circulate(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], meeting_id: FromPath[int]
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.circulate(session, viewer_of(request), meeting_id)
        except InvalidInput as error:
            return self._page(request, hub, meeting_id, errors=error.errors, status=400)
        return see_other(_path(meeting_id))

    @post("/redraft", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def redraft(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], meeting_id: FromPath[int]
    ) -> Response[Any]:
        with hub.transaction() as session, http_errors():
            services.return_to_draft(session, viewer_of(request), meeting_id)
        return see_other(_path(meeting_id))

    @post("/approve", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def approve(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], meeting_id: FromPath[int]
    ) -> Response[Any]:
        with hub.transaction() as session, http_errors():
            services.approve(session, viewer_of(request), meeting_id)
        return see_other(_path(meeting_id))

    @post("/comments", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def comment(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.add_comment(
                    session,
                    viewer_of(request),
                    meeting_id,
                    data.get("comment", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
        except InvalidInput as error:
            return self._page(request, hub, meeting_id, form=data, errors=error.errors, status=400)
        return see_other(_path(meeting_id, "#comments"))

    @post("/amendments", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def propose(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.propose_amendment(
                    session,
                    viewer_of(request),
                    meeting_id,
                    reason=data.get("reason", ""),
                    text=data.get("text", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
        except InvalidInput as error:
            return self._page(request, hub, meeting_id, form=data, errors=error.errors, status=400)
        return see_other(_path(meeting_id, "#amendments"))

    @post(
        "/amendments/{amendment_id:int}/approve",
        sync_to_thread=True,
        opt=access(Access.SECRETARIAT),
    )
    def approve_amendment(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        amendment_id: FromPath[int],
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.approve_amendment(session, viewer_of(request), meeting_id, amendment_id)
        except InvalidInput as error:
            return self._page(request, hub, meeting_id, errors=error.errors, status=409)
        return see_other(_path(meeting_id, "#amendments"))

    def _page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        meeting_id: int,
        *,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session, http_errors():
            meeting = meetings.get_meeting(session, meeting_id)
            minutes = services.minutes_of(session, meeting_id)
            comments = services.comments(session, meeting_id)
            authors = {c.author_id for c in comments}
            names = dict(
                session.execute(
                    select(User.id, User.display_name).where(User.id.in_(authors))
                ).all()
            )
            partner_names = dict(session.execute(select(Partner.id, Partner.name)).all())
            present = meetings.organisations_present(session, meeting_id)
            context: dict[str, Any] = {
                "meeting": meeting,
                "local_start": meetings.local_start(meeting),
                "minutes": minutes,
                "status": minutes.status if minutes else MinutesStatus.DRAFT,
                "text_in_force": services.text_in_force(session, minutes) if minutes else "",
                "comments": comments,
                "names": names,
                "partner_names": partner_names,
                "present": sorted(partner_names[p] for p in present if p in partner_names),
                "quorum": meetings.quorum(session, meeting_id),
                "agenda": meetings.agenda(session, meeting_id),
                "amendments": services.amendment_views(session, minutes) if minutes else [],
                "intact": services.matches_audit_chain(session, minutes) if minutes else None,
            }
        context.update(
            form=form or {"form_key": new_form_key()},
            errors=errors or {},
            statuses=MinutesStatus,
        )
        return page(request, PAGE, context, status_code=status)
