"""Action item pages: overdue and open items, adding one (secretariat), closing one (owner).

HTTP glue only; the rules live in :mod:`concord.governance.actions.services`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance.actions import services
from concord.governance.actions.models import ActionStatus
from concord.governance.meetings import services as meetings
from concord.governance.permissions import clean_form_key, new_form_key
from concord.governance.web import http_errors
from concord.hub import Hub
from concord.inputs import row_id
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

PAGE = "concord/governance/actions/list/page.html"


def _back(target: str | None) -> str:
    # Only back to a meeting page or the list: never an address from the form.
    if target and target.startswith("/governance/meetings/") and row_id(target[21:]):
        return target + "#actions"
    return "/governance/actions"


class ActionItemsController(Controller):
    path = "/governance/actions"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def actions(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        meeting: FromQuery[int | None] = None,
    ) -> Template:
        form = {"form_key": new_form_key(), "meeting": str(meeting) if meeting else ""}
        return self._page(request, hub, form=form, errors={})

    @post("/", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def add(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                item = services.add_action(
                    session,
                    viewer_of(request),
                    title=data.get("title", ""),
                    owner=data.get("owner", ""),
                    due_on=data.get("due_on", ""),
                    meeting=data.get("meeting", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
                meeting_id = item.meeting_id
        except InvalidInput as error:
            return self._page(request, hub, form=data, errors=error.errors, status=400)
        if meeting_id:
            return see_other(f"/governance/meetings/{meeting_id}#actions")
        return see_other("/governance/actions?added=1")

    @post("/{action_id:int}/status", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def set_status(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        action_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.set_status(session, viewer_of(request), action_id, data.get("status", ""))
        except InvalidInput as error:
            return self._page(request, hub, form={}, errors=error.errors, status=400)
        return see_other(_back(data.get("back")))

    def _page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session:
            accounts = meetings.staff_accounts(session)
            context: dict[str, Any] = {
                "overdue": services.overdue(session),
                "open": services.open_actions(session),
                "closed": services.closed_recently(session),
                "accounts": accounts,
                "names": {a.id: a.display_name for a in accounts},
                "meetings": [*meetings.recent(session, limit=6), *meetings.upcoming(session)],
                "local_start": meetings.local_start,
                "today": utcnow().date(),
                "form": form,
                "errors": errors,
                "statuses": list(ActionStatus),
            }
        return page(request, PAGE, context, status_code=status)
