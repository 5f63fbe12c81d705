"""The secretariat's page for the partnership's shared stakeholder categories."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from concord.categories.services import add_category, all_categories
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of

PAGE = "concord/categories/list/page.html"


class SharedCategoriesController(Controller):
    """The shared list, and the form that adds to it."""

    path = "/secretariat/categories"
    include_in_schema = False
    opt = access(Access.SECRETARIAT)

    @get("/", sync_to_thread=True)
    def categories(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return self._page(request, hub, form={}, errors={})

    @post("/", sync_to_thread=True)
    def add(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session:
                add_category(
                    session,
                    slug=data.get("slug", ""),
                    name=data.get("name", ""),
                    description=data.get("description", ""),
                    actor=viewer_of(request).actor,
                )
        except InvalidInput as error:
            return self._page(request, hub, form=data, errors=error.errors, status=400)
        return see_other("/secretariat/categories?added=1")

    def _page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        form: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session:
            categories = all_categories(session)
        context = {"categories": categories, "form": form, "errors": errors}
        return page(request, PAGE, context, status_code=status)
