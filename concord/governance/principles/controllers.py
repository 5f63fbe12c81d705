"""The Principles for Collaboration on the web: read (everyone signed in), draft and edit
(secretariat), sign (each partner's signatory, checked by the service)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from concord.accounts.models import Role
from concord.errors import InvalidInput
from concord.governance.errors import Missing, Refused
from concord.governance.markdown import render
from concord.governance.principles import services
from concord.hub import Hub
from concord.partnership.settings import DecisionRule, Disclosure
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

LIST = "concord/governance/principles/list/page.html"
VERSION = "concord/governance/principles/version/page.html"
EDIT = "concord/governance/principles/edit/page.html"
BASE = "/governance/principles"


class PrinciplesController(Controller):
    """Every partner's staff may read the principles: they are bound by them (the fatigue cap,
    what matching discloses) and the text holds no personal data."""

    path = BASE
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def versions(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        with hub.transaction() as session:
            in_force = services.in_force(session)
            context: dict[str, Any] = {
                "versions": services.versions(session),
                "in_force": in_force,
                "awaiting": services.awaiting_signature(session),
                "text": None,
            }
            if in_force is not None:
                current = services.version(session, in_force.version_id)
                context["text"] = render(current.text)
        return page(request, LIST, context)

    @post("/", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def draft(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
        with hub.transaction() as session:
            drafted = services.draft_new_version(session, actor=viewer_of(request).actor)
            target = f"{BASE}/{drafted.id}/edit"
        return see_other(target)

    @get("/{version_id:int}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def version(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], version_id: FromPath[int]
    ) -> Template:
        return self._version_page(request, hub, version_id, errors={})

    @post("/{version_id:int}/sign", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def sign(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        version_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        viewer = viewer_of(request)
        try:
            with hub.transaction() as session:
                services.sign(
                    session,
                    version_id,
                    signer_id=viewer.id,
                    # A signatory signs for their own organisation; nothing in the form says
                    # which, so nobody can sign for another by editing it.
                    partner_slug=viewer.partner_slug or "",
                    shown_hash=data.get("content_hash", ""),
                )
        except Missing as missing:
            raise NotFoundException() from missing
        except InvalidInput as error:
            return self._version_page(request, hub, version_id, errors=error.errors, status=409)
        except Refused as refused:
            errors = {"content_hash": refused.message}
            return self._version_page(
                request, hub, version_id, errors=errors, status=refused.status
            )
        return see_other(f"{BASE}/{version_id}?signed=1")

    @get("/{version_id:int}/edit", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def edit_form(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], version_id: FromPath[int]
    ) -> Response[Any]:
        with hub.transaction() as session:
            try:
                draft = services.version(session, version_id)
            except Missing as missing:
                raise NotFoundException() from missing
            if services.signature_count(session, version_id):
                return see_other(f"{BASE}/{version_id}")
            form = services.form_of(draft)
        return self._edit_page(request, hub, version_id, form=form, errors={})

    @post("/{version_id:int}/edit", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def edit(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        version_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                services.edit_draft(session, version_id, data, actor=viewer_of(request).actor)
        except Missing as missing:
            raise NotFoundException() from missing
        except InvalidInput as error:
            return self._edit_page(request, hub, version_id, form=data, errors=error.errors)
        except Refused as refused:
            return self._edit_page(
                request, hub, version_id, form=data, errors={"text": refused.message}, status=409
            )
        return see_other(f"{BASE}/{version_id}?saved=1")

    def _version_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        version_id: int,
        *,
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        viewer = viewer_of(request)
        with hub.transaction() as session:
            try:
                shown = services.version(session, version_id)
            except Missing as missing:
                raise NotFoundException() from missing
            lines = services.signatures_of(session, version_id)
            in_force = services.in_force(session)
            rules = services.rules_of(shown)
        own_line = next((line for line in lines if line.partner.slug == viewer.partner_slug), None)
        superseded = in_force is not None and shown.number < in_force.number
        may_sign = (
            viewer.role is Role.SIGNATORY
            and own_line is not None
            and own_line.signed_at is None
            and not superseded
        )
        context = {
            "version": shown,
            "text": render(shown.text),
            "rules": rules,
            "blackouts": services.blackouts_text(rules),
            "lines": lines,
            "signed_by_anyone": any(line.signed_at for line in lines),
            "is_in_force": in_force is not None and in_force.version_id == shown.id,
            "in_force": in_force,
            "may_sign": may_sign,
            "superseded": superseded,
            "errors": errors,
        }
        return page(request, VERSION, context, status_code=status)

    def _edit_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        version_id: int,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int | None = None,
    ) -> Template:
        with hub.transaction() as session:
            try:
                draft = services.version(session, version_id)
            except Missing as missing:
                raise NotFoundException() from missing
        context = {
            "version": draft,
            "form": form,
            "errors": errors,
            "ranges": services.NUMBER_RANGES,
            "disclosures": list(Disclosure),
            "rules": list(DecisionRule),
        }
        code = status or (400 if errors else 200)
        return page(request, EDIT, context, status_code=code)
