"""A partner's own pages: its profile, and (for its admins) its staff accounts."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select

from concord.accounts.models import Role, User
from concord.accounts.users import add_user
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.partners.models import Partner
from concord.partners.services import by_slug
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, viewer_of

STAFF_ROLES = (Role.COMMS, Role.PARTNER_ADMIN, Role.SIGNATORY)


def _partner(hub: Hub, slug: str) -> Partner:
    with hub.transaction() as session:
        partner = by_slug(session, slug)
    if partner is None:
        raise NotFoundException()
    return partner


class PartnerController(Controller):
    path = "/partners/{partner:str}"

    @get("/", sync_to_thread=True, opt=access(Access.PARTNER_MEMBER))
    def profile(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], partner: FromPath[str]
    ) -> Template:
        return page(
            request, "concord/partners/profile/page.html", {"partner": _partner(hub, partner)}
        )

    @get("/staff", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def staff(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], partner: FromPath[str]
    ) -> Template:
        return self._staff_page(request, hub, partner, errors={}, form={})

    @post("/staff", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def add_staff(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        partner: FromPath[str],
        data: FormBody,
    ) -> Template:
        viewer = viewer_of(request)
        role = data.get("role", "")
        if role not in {r.value for r in STAFF_ROLES}:
            return self._staff_page(
                request, hub, partner, errors={"role": "Choose a role."}, form=data, status=400
            )
        try:
            with hub.transaction() as session:
                add_user(
                    session,
                    hub.password_hasher,
                    email=data.get("email", ""),
                    role=role,
                    password=data.get("password", ""),
                    partner_slug=partner,
                    display_name=data.get("display_name", ""),
                    actor=viewer.actor,
                )
        except InvalidInput as error:
            return self._staff_page(
                request, hub, partner, errors=error.errors, form=data, status=400
            )
        return self._staff_page(request, hub, partner, errors={}, form={}, status=201, added=True)

    def _staff_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        slug: str,
        *,
        errors: dict[str, str],
        form: dict[str, str],
        status: int = 200,
        added: bool = False,
    ) -> Template:
        partner = _partner(hub, slug)
        with hub.transaction() as session:
            staff = session.scalars(
                select(User).where(User.partner_id == partner.id).order_by(User.display_name)
            ).all()
        return page(
            request,
            "concord/partners/staff/page.html",
            {
                "partner": partner,
                "staff": staff,
                "roles": STAFF_ROLES,
                "errors": errors,
                "form": {k: v for k, v in form.items() if k != "password"},
                "added": added,
            },
            status_code=status,
        )
