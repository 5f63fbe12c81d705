"""Meeting pages: the list, scheduling (series or single), one meeting's agenda and attendance.

HTTP glue only; the rules live in :mod:`concord.governance.meetings.services`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from concord.accounts.models import Role, User
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.actions.services import actions_of_meeting
from concord.governance.decisions.models import Decision
from concord.governance.decisions.services import acts_for, decisions_of_meeting, register
from concord.governance.meetings import services
from concord.governance.meetings.models import Meeting, Presence
from concord.governance.minutes.services import minutes_of
from concord.governance.permissions import clean_form_key, new_form_key
from concord.governance.reviews.services import all_documents
from concord.governance.web import http_errors
from concord.hub import Hub
from concord.inputs import row_id
from concord.partners.services import all_partners
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

LIST = "concord/governance/meetings/list/page.html"
NEW_SERIES = "concord/governance/meetings/new_series/page.html"
NEW_MEETING = "concord/governance/meetings/new/page.html"
MEETING = "concord/governance/meetings/meeting/page.html"
DEFAULT_SERIES = {
    "title": "Monthly partnership meeting",
    "rrule": "FREQ=MONTHLY;BYDAY=2TU",
    "start_time": "10:00",
    "duration": "90",
    "timezone": "Europe/Brussels",
}


def meeting_path(meeting_id: int, suffix: str = "") -> str:
    return f"/governance/meetings/{meeting_id}{suffix}"


class MeetingsController(Controller):
    path = "/governance/meetings"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def meetings(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        with hub.transaction() as session:
            context = {
                # Enough for a year of a few monthly series side by side.
                "upcoming": services.upcoming(session, limit=60),
                "recent": services.recent(session),
                "series": services.all_series(session),
                "local_start": services.local_start,
            }
        return page(request, LIST, context)

    @get("/new-series", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def new_series(self, request: Request[Any, Any, Any]) -> Template:
        form = {**DEFAULT_SERIES, "form_key": new_form_key()}
        return page(request, NEW_SERIES, {"form": form, "errors": {}})

    @post("/series", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def add_series(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                series = services.add_series(
                    session,
                    viewer_of(request),
                    title=data.get("title", ""),
                    rrule_text=data.get("rrule", ""),
                    first_date=data.get("first_date", ""),
                    start_time=data.get("start_time", ""),
                    duration=data.get("duration", ""),
                    timezone=data.get("timezone", ""),
                    location=data.get("location", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
                series_id = series.id
        except InvalidInput as error:
            return page(
                request, NEW_SERIES, {"form": data, "errors": error.errors}, status_code=400
            )
        return see_other(f"/governance/meetings?series={series_id}")

    @get("/new", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def new_meeting(self, request: Request[Any, Any, Any]) -> Template:
        form = {**DEFAULT_SERIES, "title": "", "form_key": new_form_key()}
        return page(request, NEW_MEETING, {"form": form, "errors": {}})

    @post("/", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def add_meeting(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                meeting = services.add_meeting(
                    session,
                    viewer_of(request),
                    title=data.get("title", ""),
                    on=data.get("on", ""),
                    start_time=data.get("start_time", ""),
                    duration=data.get("duration", ""),
                    timezone=data.get("timezone", ""),
                    location=data.get("location", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
                meeting_id = meeting.id
        except InvalidInput as error:
            return page(
                request, NEW_MEETING, {"form": data, "errors": error.errors}, status_code=400
            )
        return see_other(meeting_path(meeting_id))

    @get("/{meeting_id:int}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def meeting(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], meeting_id: FromPath[int]
    ) -> Template:
        return self._meeting_page(request, hub, meeting_id)

    @post("/{meeting_id:int}/time", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def reschedule(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.reschedule(
                    session,
                    viewer_of(request),
                    meeting_id,
                    on=data.get("on", ""),
                    start_time=data.get("start_time", ""),
                    duration=data.get("length", ""),
                )
        except InvalidInput as error:
            if "duration" in error.errors:
                error.errors["length"] = error.errors.pop("duration")
            return self._meeting_page(
                request, hub, meeting_id, time_form=data, time_errors=error.errors, status=400
            )
        return see_other(meeting_path(meeting_id, "?saved=time"))

    @post("/{meeting_id:int}/agenda", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def add_agenda_item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.add_agenda_item(
                    session,
                    viewer_of(request),
                    meeting_id,
                    title=data.get("title", ""),
                    owner=data.get("owner", ""),
                    duration=data.get("duration", ""),
                    position=data.get("position", ""),
                    document=data.get("document", ""),
                    decision=data.get("decision", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
        except InvalidInput as error:
            return self._meeting_page(
                request, hub, meeting_id, agenda_form=data, agenda_errors=error.errors, status=400
            )
        return see_other(meeting_path(meeting_id, "#agenda"))

    @post(
        "/{meeting_id:int}/agenda/{item_id:int}/move",
        sync_to_thread=True,
        opt=access(Access.SECRETARIAT),
    )
    def move_agenda_item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        item_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        step = -1 if data.get("direction") == "up" else 1
        shown = data.get("position", "")
        expected = row_id(shown)
        with hub.transaction() as session, http_errors():
            services.move_agenda_item(
                session, viewer_of(request), meeting_id, item_id, step, expected
            )
        return see_other(meeting_path(meeting_id, "#agenda"))

    @post(
        "/{meeting_id:int}/agenda/{item_id:int}/remove",
        sync_to_thread=True,
        opt=access(Access.SECRETARIAT),
    )
    def remove_agenda_item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        item_id: FromPath[int],
    ) -> Response[Any]:
        with hub.transaction() as session, http_errors():
            services.remove_agenda_item(session, viewer_of(request), meeting_id, item_id)
        return see_other(meeting_path(meeting_id, "#agenda"))

    @post("/{meeting_id:int}/attendance", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def record_attendance(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        people: dict[int, str] = {}
        partners: dict[int, str] = {}
        for name, value in data.items():
            kind, _, number = name.partition("-")
            ident = row_id(number)
            if kind in {"person", "partner"} and ident is not None:
                (people if kind == "person" else partners)[ident] = value.strip()
        try:
            with hub.transaction() as session, http_errors():
                services.record_attendance(
                    session, viewer_of(request), meeting_id, people=people, partners=partners
                )
        except InvalidInput as error:
            return self._meeting_page(
                request, hub, meeting_id, attendance_errors=error.errors, status=400
            )
        return see_other(meeting_path(meeting_id, "?saved=attendance#attendance"))

    def _meeting_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        meeting_id: int,
        *,
        agenda_form: dict[str, str] | None = None,
        agenda_errors: dict[str, str] | None = None,
        attendance_errors: dict[str, str] | None = None,
        time_form: dict[str, str] | None = None,
        time_errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session, http_errors():
            meeting = services.get_meeting(session, meeting_id)
            context = meeting_context(session, meeting)
            user = session.get_one(User, viewer_of(request).id)
            context["may_propose"] = user.role is Role.SECRETARIAT or acts_for(session, user)
        context.update(
            agenda_form=agenda_form or {"form_key": new_form_key()},
            agenda_errors=agenda_errors or {},
            attendance_errors=attendance_errors or {},
            time_form=time_form
            or {
                "on": context["local_start"].date().isoformat(),
                "start_time": context["local_start"].strftime("%H:%M"),
                "length": str(context["meeting"].duration_minutes),
            },
            time_errors=time_errors or {},
        )
        return page(request, MEETING, context, status_code=status)


def meeting_context(session: Session, meeting: Meeting) -> dict[str, Any]:
    """Everything the meeting page (and its printable agenda) shows."""
    people, partner_presence = services.attendance(session, meeting.id)
    accounts = services.staff_accounts(session)
    documents = all_documents(session)
    items = services.agenda(session, meeting.id)
    decisions_here = decisions_of_meeting(session, meeting.id)
    decision_choices = register(session, limit=50)
    # Agenda items may point at decisions older than the fifty shown in the select list.
    linked = [
        session.get_one(Decision, item.decision_id)
        for item in items
        if item.decision_id is not None
    ]
    context: dict[str, Any] = {
        "meeting": meeting,
        "local_start": services.local_start(meeting),
        "local_end": services.ends_at(meeting).astimezone(services.local_start(meeting).tzinfo),
        "agenda": items,
        "accounts": accounts,
        "names": {a.id: a.display_name for a in accounts},
        "partners": all_partners(session),
        "people_presence": people,
        "partner_presence": partner_presence,
        "present_organisations": services.organisations_present(session, meeting.id),
        "quorum": services.quorum(session, meeting.id),
        "presences": list(Presence),
        "actions": actions_of_meeting(session, meeting.id),
        "document_choices": documents,
        "documents": {d.id: d for d in documents},
        "decisions_here": decisions_here,
        "decision_choices": decision_choices,
        "decisions": {d.id: d for d in (*decision_choices, *decisions_here, *linked)},
        "today": utcnow().date(),
        "minutes_status": (
            minutes.status.label if (minutes := minutes_of(session, meeting.id)) else "not started"
        ),
    }
    return context
