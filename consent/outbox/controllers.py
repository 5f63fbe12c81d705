"""The demo's stakeholder mailbox: what the vaults (and "find my data") sent, in demo mode only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from concord.mail.smtp import demo_messages, text_of
from concord.settings import Settings
from concord.web.access import Access, access
from concord.web.pages import page


class StakeholderMailboxController(Controller):
    opt = access(Access.DEMO)
    include_in_schema = False

    @get("/demo/stakeholder-mail", sync_to_thread=True)
    def mailbox(self, request: Request[Any, Any, Any]) -> Template:
        settings: Settings = request.app.state.settings
        messages = [
            {
                "subject": str(m["Subject"]),
                "to": str(m["To"]),
                "sender": str(m["From"]),
                "date": str(m["Date"]),
                "unsubscribe": str(m["List-Unsubscribe"] or ""),
                "text": text_of(m),
            }
            for m in demo_messages(settings)
        ]
        return page(request, "consent/outbox/mailbox/page.html", {"messages": messages})
