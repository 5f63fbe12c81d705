"""The attendance sheet of a joint event: the partner's own invitees, for its own staff.

It is a vault page: the names on it never leave the vault. The partnership sees only how
many came, which the hub asks the vault for.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other
from consent.db import Vaults
from consent.invitations import services
from consent.invitations.models import InvitedEvent


class AttendanceController(Controller):
    path = "/partners/{partner:str}/events/{event_id:str}/attendance"
    opt = access(Access.PARTNER_VAULT)

    @get("/", sync_to_thread=True)
    def sheet(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        event_id: FromPath[str],
    ) -> Template:
        with vaults.transaction(partner) as session:
            event = session.get(InvitedEvent, event_id)
            if event is None:
                raise NotFoundException()
            context = {
                "event": {"id": event.event_id, "title": event.title},
                "partner": partner,
                "sheet": list(services.attendance_sheet(session, event_id)),
                "attended": services.counts(session, event_id)["attended"],
            }
        return page(request, "consent/invitations/attendance/page.html", context)

    @post("/", sync_to_thread=True)
    def record(
        self,
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        event_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        # One checkbox per invitee, named after its opaque reference.
        present = [name.removeprefix("present-") for name in data if name.startswith("present-")]
        with vaults.transaction(partner) as session:
            if session.get(InvitedEvent, event_id) is None:
                raise NotFoundException()
            services.record_attendance(session, event_id, present)
        return see_other(f"/partners/{partner}/events/{event_id}/attendance?saved=1")
