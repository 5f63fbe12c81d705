"""The retention preview and "run it now", for the partner's admins. HTTP glue only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from concord.inputs import count_of
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of
from consent.db import Vaults
from consent.host import Host
from consent.purposes.services import all_purposes
from consent.retention.runs import run_retention
from consent.retention.services import Reason, plan

PREVIEW = "consent/retention/preview/page.html"


class RetentionController(Controller):
    path = "/partners/{partner:str}/retention"
    opt = access(Access.PARTNER_ADMIN)
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def preview(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        return self._page(request, host, vaults, partner, {})

    @post("/run", sync_to_thread=True)
    def run(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        if data.get("confirm") != "anonymise":
            errors = {"confirm": "Tick the box to confirm: anonymising cannot be undone."}
            return self._page(request, host, vaults, partner, errors, 400)
        done = run_retention(host.settings, vaults, partner, actor=viewer_of(request).actor)
        return see_other(f"/partners/{partner}/retention?anonymised={done.anonymised}")

    def _page(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        partner: str,
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            due = plan(session, inactive_months=host.settings.inactive_months)
            purposes = all_purposes(session)
        anonymised = request.query_params.get("anonymised", "")
        context = {
            "partner": partner,
            "plan": due,
            "reasons": list(Reason),
            "purposes": purposes,
            "errors": errors,
            "anonymised": count_of(anonymised),
        }
        template = page(request, PREVIEW, context, status_code=status)
        template.headers["cache-control"] = "no-store"
        return template
