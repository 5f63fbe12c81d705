"""The demo's local mailbox: every message the platform wrote, readable in the browser."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from concord.hub import Hub
from concord.mail.outbox import latest
from concord.web.access import Access, access
from concord.web.pages import page


class DemoMailboxController(Controller):
    opt = access(Access.DEMO)

    @get("/demo/mailbox", sync_to_thread=True)
    def mailbox(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        with hub.transaction() as session:
            messages = latest(session)
        return page(request, "concord/mail/mailbox/page.html", {"messages": messages})
