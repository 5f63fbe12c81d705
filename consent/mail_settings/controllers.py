"""The partner admin's page for how the partner writes to its stakeholders."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from concord.errors import InvalidInput
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of
from consent.audit import chain as audit
from consent.db import Vaults
from consent.mail_settings import services

PAGE = "consent/mail_settings/page.html"


class MailSettingsController(Controller):
    path = "/partners/{partner:str}/mail-settings"
    include_in_schema = False
    opt = access(Access.PARTNER_ADMIN)

    @get("/", sync_to_thread=True)
    def show(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        with vaults.transaction(partner) as session:
            identity = services.current(session)
        form = {
            "default_language": identity.default_language,
            "sender_name": identity.sender_name,
            "sender_address": identity.sender_address,
        }
        return self._page(request, partner, form, {})

    @post("/", sync_to_thread=True)
    def change(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        actor = viewer_of(request).actor
        try:
            with vaults.transaction(partner) as session:
                services.save(session, data, actor=actor)
                audit.record(
                    session,
                    actor=actor,
                    action="mail_settings.change",
                    object_ref=f"partner:{partner}",
                )
        except InvalidInput as error:
            return self._page(request, partner, data, error.errors, status=400)
        return see_other(f"/partners/{partner}/mail-settings?saved=1")

    def _page(
        self,
        request: Request[Any, Any, Any],
        partner: str,
        form: dict[str, str],
        errors: dict[str, str],
        *,
        status: int = 200,
    ) -> Template:
        settings = request.app.state.settings
        context = {
            "partner": partner,
            "form": form,
            "errors": errors,
            "platform_address": settings.mail_from,
        }
        return page(request, PAGE, context, status_code=status)
