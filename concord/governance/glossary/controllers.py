"""The glossary crosswalk on the web: everyone signed in reads it; the secretariat edits the
shared column, each partner's staff their own column (the guard checks the partner in the path,
the service checks it again)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from concord.errors import InvalidInput
from concord.governance.errors import Missing, Refused
from concord.governance.glossary import services
from concord.hub import Hub
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

BASE = "/governance/glossary"
LIST = "concord/governance/glossary/list/page.html"
TERM = "concord/governance/glossary/term/page.html"


class GlossaryController(Controller):
    path = BASE
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def crosswalk(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return self._list(request, hub, form={}, errors={})

    @post("/", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def add(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                added = services.add_term(
                    session,
                    term=data.get("term", ""),
                    definition=data.get("definition", ""),
                    editor_id=viewer_of(request).id,
                )
                target = f"{BASE}/{added.id}"
        except InvalidInput as error:
            return self._list(request, hub, form=data, errors=error.errors, status=400)
        return see_other(target)

    @get("/{term_id:int}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def term(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], term_id: FromPath[int]
    ) -> Template:
        return self._term(request, hub, term_id, form={}, errors={})

    @post("/{term_id:int}", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def edit_shared(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        term_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                services.edit_term(
                    session,
                    term_id,
                    term_text=data.get("term", ""),
                    definition=data.get("definition", ""),
                    editor_id=viewer_of(request).id,
                )
        except Missing as missing:
            raise NotFoundException() from missing
        except InvalidInput as error:
            return self._term(request, hub, term_id, form=data, errors=error.errors, status=400)
        return see_other(f"{BASE}/{term_id}?saved=1")

    @post(
        "/{term_id:int}/partners/{partner:str}",
        sync_to_thread=True,
        opt=access(Access.PARTNER_MEMBER),
    )
    def edit_own(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        term_id: FromPath[int],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                services.edit_wording(
                    session,
                    term_id,
                    partner_slug=partner,
                    term_text=data.get("term", ""),
                    definition=data.get("definition", ""),
                    editor_id=viewer_of(request).id,
                )
        except Missing as missing:
            raise NotFoundException() from missing
        except InvalidInput as error:
            return self._term(request, hub, term_id, form=data, errors=error.errors, status=400)
        except Refused as refused:
            errors = {"term": refused.message}
            return self._term(
                request, hub, term_id, form=data, errors=errors, status=refused.status
            )
        return see_other(f"{BASE}/{term_id}?saved=1")

    def _list(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session:
            walk = services.crosswalk(session)
        context = {"crosswalk": walk, "form": form, "errors": errors}
        return page(request, LIST, context, status_code=status)

    def _term(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        term_id: int,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            try:
                shared = services.term(session, term_id)
            except Missing as missing:
                raise NotFoundException() from missing
            walk = services.crosswalk(session)
            row = next(r for r in walk.rows if r.term.id == term_id)
            edits = services.history(session, term_id)
        own = None
        for partner, wording in zip(walk.partners, row.wordings, strict=True):
            if partner.slug == viewer.partner_slug:
                own = wording
        context = {
            "term": shared,
            "columns": list(zip(walk.partners, row.wordings, strict=True)),
            "own": own,
            "history": edits,
            "form": form,
            "errors": errors,
        }
        return page(request, TERM, context, status_code=status)
