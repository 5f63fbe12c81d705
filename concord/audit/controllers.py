"""The secretariat's view of the audit chain."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy import select

from concord.audit import chain
from concord.audit.models import AuditEntry
from concord.governance import seals as governance_seals
from concord.hub import Hub
from concord.inputs import row_id
from concord.web.access import Access, access
from concord.web.pages import page

PAGE_SIZE = 50


class AuditController(Controller):
    opt = access(Access.SECRETARIAT)

    @get("/secretariat/audit", sync_to_thread=True)
    def audit(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        before: FromQuery[int | None] = None,
    ) -> Template:
        with hub.transaction() as session:
            query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE)
            # A cursor no entry can have (0, negative, past 64 bits) starts at the newest, as
            # no cursor does; the database driver would raise on it.
            cursor = None if before is None else row_id(before)
            if cursor is not None:
                query = query.where(AuditEntry.seq < cursor)
            entries = session.scalars(query).all()
            report = chain.verify(session)
            sealed = governance_seals.verify(session) if report.ok else []
        older = entries[-1].seq if len(entries) == PAGE_SIZE else None
        return page(
            request,
            "concord/audit/log/page.html",
            {"entries": entries, "report": report, "older": older, "sealed": sealed},
            partial="concord/audit/log/_entries.html",
        )
