"""A partner's purpose catalogue and notices: staff read it, the partner's admins change it.

Notices are never edited: publishing writes a new version, and consent given earlier keeps
naming the version it was given under. Each change is recorded in the vault's audit chain by
purpose code, which is the partner's own vocabulary and never personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from concord.errors import InvalidInput
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of
from consent.audit import chain as audit
from consent.db import Vaults
from consent.purposes.models import Channel, LegalBasis, Purpose
from consent.purposes.services import (
    add_purpose,
    add_translation,
    all_purposes,
    publish_notice,
)

LIST = "consent/purposes/list/page.html"
PURPOSE = "consent/purposes/purpose/page.html"


def _retention(raw: str) -> int:
    # Anything that is not a whole number fails the service's range check with its message.
    try:
        return int(raw.strip())
    except ValueError:
        return -1


class PurposesController(Controller):
    """The purpose list, one purpose with its notice versions, and the admin's changes."""

    path = "/partners/{partner:str}/purposes"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def purposes(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        return self._list(request, vaults, partner, form={}, errors={})

    @post("/", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def add(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with vaults.transaction(partner) as session:
                purpose = add_purpose(
                    session,
                    code=data.get("code", "").strip(),
                    name=data.get("name", ""),
                    description=data.get("description", ""),
                    legal_basis=data.get("legal_basis", ""),
                    channels=[c.value for c in Channel if data.get(f"channel_{c.value}")],
                    retention_days=_retention(data.get("retention_days", "")),
                    notice_text=data.get("notice_text", ""),
                )
                purpose_id, code = purpose.id, purpose.code
        except InvalidInput as error:
            return self._list(request, vaults, partner, form=data, errors=error.errors, status=400)
        with vaults.transaction(partner) as session:
            audit.record(
                session,
                actor=viewer_of(request).actor,
                action="purposes.add",
                object_ref=f"partner:{partner}",
                detail=code,
            )
        return see_other(f"/partners/{partner}/purposes/{purpose_id}?added=1")

    @get("/{purpose_id:int}", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def purpose(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        purpose_id: FromPath[int],
    ) -> Template:
        return self._purpose(request, vaults, partner, purpose_id, form={}, errors={})

    @post("/{purpose_id:int}/notices", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def publish(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        purpose_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        """A new notice version."""

        def change(session: Session, purpose: Purpose) -> str:
            text = data.get("notice_text", "")
            current = purpose.current_notice
            if current is not None and text.strip() == current.text:
                raise InvalidInput.one(
                    "notice_text", "This is the current wording: change it to publish a new one."
                )
            notice = publish_notice(session, purpose, text)
            return f"{purpose.code} notice v{notice.version}"

        where = (request, vaults, partner, purpose_id, data)
        return self._change_notice(*where, change, action="purposes.notice", done="published")

    @post(
        "/{purpose_id:int}/notices/translations",
        sync_to_thread=True,
        opt=access(Access.PARTNER_ADMIN),
    )
    def translate(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        purpose_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        """The current notice version in one more language."""

        def change(session: Session, purpose: Purpose) -> str:
            current = purpose.current_notice
            if current is None:
                raise InvalidInput.one("translation_text", "Publish a notice first.")
            added = add_translation(
                session,
                current,
                language=data.get("translation_language", ""),
                name=data.get("translation_name", ""),
                text=data.get("translation_text", ""),
            )
            return f"{purpose.code} notice v{current.version} {added.language}"

        where = (request, vaults, partner, purpose_id, data)
        return self._change_notice(
            *where, change, action="purposes.notice_translation", done="translated"
        )

    def _change_notice(
        self,
        request: Request[Any, Any, Any],
        vaults: Vaults,
        partner: str,
        purpose_id: int,
        data: dict[str, str],
        change: Callable[[Session, Purpose], str],
        *,
        action: str,
        done: str,
    ) -> Response[Any]:
        """Apply ``change`` to the purpose and record it in the vault's audit chain, in one
        transaction; the page again with the errors when it is refused."""
        try:
            with vaults.transaction(partner) as session:
                purpose = session.get(Purpose, purpose_id)
                if purpose is None:
                    raise NotFoundException()
                detail = change(session, purpose)
                audit.record(
                    session,
                    actor=viewer_of(request).actor,
                    action=action,
                    object_ref=f"partner:{partner}",
                    detail=detail,
                )
        except InvalidInput as error:
            return self._purpose(
                request, vaults, partner, purpose_id, form=data, errors=error.errors, status=400
            )
        return see_other(f"/partners/{partner}/purposes/{purpose_id}?{done}=1")

    def _list(
        self,
        request: Request[Any, Any, Any],
        vaults: Vaults,
        partner: str,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            purposes = all_purposes(session)
        context = {
            "partner": partner,
            "purposes": purposes,
            "bases": list(LegalBasis),
            "channels": list(Channel),
            "form": form,
            "errors": errors,
        }
        return page(request, LIST, context, status_code=status)

    def _purpose(
        self,
        request: Request[Any, Any, Any],
        vaults: Vaults,
        partner: str,
        purpose_id: int,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            purpose = session.get(Purpose, purpose_id)
        if purpose is None:
            raise NotFoundException()
        context = {"partner": partner, "purpose": purpose, "form": form, "errors": errors}
        return page(request, PURPOSE, context, status_code=status)
