"""Rendering pages: one handler serves the whole page, or its partial to an htmx request."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Body
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from msgspec import Meta
from sqlalchemy.orm import Session

from concord.accounts.viewer import Viewer
from concord.inputs import MAX_FIELD_CHARS, row_id
from concord.web.language import language_for


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
) -> Template:
    """Render ``template`` (``.../page.html``), or ``partial`` when htmx asks for a fragment.

    Boosted navigation wants the whole page, and so does htmx restoring history after a cache
    miss (Back/Forward), so only other htmx requests get the partial.
    """
    name = template
    details = request.htmx if isinstance(request, HTMXRequest) else None
    if partial and details and not details.boosted and not details.history_restore_request:
        name = partial
    return Template(template_name=name, context=context or {}, status_code=status_code)


def stakeholder_page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    *,
    preferred: str | None = None,
    status_code: int = 200,
) -> Template:
    """A page for a stakeholder, in their language: ``?lang=`` if they chose one, else the
    ``preferred`` language of the contact the link is for, else their browser's."""
    language = language_for(request, preferred)
    chosen = {"lang": language, "lang_asked": bool(request.scope["state"].get("language_asked"))}
    return page(request, template, {**context, **chosen}, status_code=status_code)


def see_other(path: str) -> Redirect:
    """The redirect after a successful form post, so that reloading does not post again."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    """The signed-in viewer; only called behind a guard that requires one."""
    viewer = request.scope.get("user")
    if not isinstance(viewer, Viewer):
        raise RuntimeError("viewer_of called on a route open to anonymous callers")
    return viewer


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths may be redirected to after sign-in."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


FormText = Annotated[str, Meta(max_length=MAX_FIELD_CHARS, pattern="^[^\\x00]*$")]
"""A form field's value as it may reach a service: no NUL, no runaway length."""

FormBody = Annotated[dict[str, FormText], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A submitted form as a handler parameter (sync handlers cannot await ``request.form()``).

Every field is checked for NULs and length here, before any handler sees it; each service
checks its own fields' shorter limits."""


MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
"""A submitted form with a file; read its text fields through :func:`text_fields`."""


def text_fields(data: dict[str, Any]) -> dict[str, str]:
    """The text fields of a multipart form, checked as :data:`FormBody` checks a plain one."""
    fields = {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}
    for value in fields.values():
        if "\x00" in value or len(value) > MAX_FIELD_CHARS:
            raise ValidationException(
                "A field holds a NUL character or is longer than the form allows."
            )
    return fields


Row = TypeVar("Row")


def found_or_404(session: Session, model: type[Row], ident: int) -> Row:
    """The row with this id, or the page's 404 (an unknown id and another partner's look alike)."""
    checked = row_id(ident)
    row = None if checked is None else session.get(model, checked)
    if row is None:
        raise NotFoundException()
    return row
