"""The partner's category mapping page: staff read it, the partner's admins change it."""

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
from consent.categories.services import own_categories, set_mappings, suggestion
from consent.db import Vaults
from consent.host import Host, SharedCategoryCard

PAGE = "consent/categories/mapping/page.html"


def _chosen(form: dict[str, str]) -> dict[str, str]:
    """Own category to chosen slug; the form numbers its rows, as category names are free text."""
    return {
        form[name]: form.get("shared-" + name.removeprefix("own-"), "")
        for name in form
        if name.startswith("own-")
    }


class CategoryMappingController(Controller):
    """Each own category with its contact count and the shared category it maps onto."""

    path = "/partners/{partner:str}/categories"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def mapping(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        return self._page(request, host, vaults, partner, chosen={}, errors={})

    @post("/", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def save(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        chosen = _chosen(data)
        slugs = {c.slug for c in host.shared_categories()}
        try:
            with vaults.transaction(partner) as session:
                changed = set_mappings(session, chosen, slugs)
                if changed:
                    audit.record(
                        session,
                        actor=viewer_of(request).actor,
                        action="categories.map",
                        object_ref=f"partner:{partner}",
                        detail=f"changed={changed}",
                    )
        except InvalidInput as error:
            return self._page(
                request, host, vaults, partner, chosen=chosen, errors=error.errors, status=400
            )
        return see_other(f"/partners/{partner}/categories?saved={changed}")

    def _page(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        partner: str,
        *,
        chosen: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            own = own_categories(session)
        shared: list[SharedCategoryCard] = host.shared_categories()
        names = {c.slug: c.name for c in shared}
        suggested = {c.name: suggestion(c.name, names) for c in own if c.shared is None}
        context = {
            "partner": partner,
            "own": own,
            "shared": shared,
            "shared_names": names,
            "suggested": suggested,
            "chosen": chosen,
            "errors": errors,
        }
        return page(request, PAGE, context, status_code=status)
