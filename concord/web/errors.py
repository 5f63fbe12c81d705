"""Error responses: JSON for the API, a page for people, a sign-in redirect for strangers."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from concord.web.auth import API_PREFIX

log = logging.getLogger("concord.web")

TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not available here",
    410: "This link has expired",
    413: "That upload is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if _is_api(request):
        body: dict[str, Any] = {"status_code": status, "detail": exc.detail}
        if exc.extra:
            body["extra"] = exc.extra
        headers = {"www-authenticate": "Bearer"} if status == 401 else None
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    if isinstance(exc, NotAuthorizedException):
        target = "/login?next_path=" + quote(request.url.path, safe="/")
        if isinstance(request, HTMXRequest) and request.htmx:
            return Response(b"", status_code=401, headers={"HX-Redirect": target})
        return Response(b"", status_code=303, headers={"location": target})
    detail = exc.detail
    if isinstance(exc, ValidationException) and detail.startswith("Validation failed"):
        # Litestar's own wording names the route; say what a person can do about it.
        detail = (
            "A field holds a character that cannot be stored (NUL), is longer than the form "
            "allows, or was sent twice. Go back, correct it and try again."
        )
    return Template(
        template_name="concord/errors/page.html",
        context={"status": status, "title": TITLES.get(status, "Error"), "detail": detail},
        status_code=status,
    )


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The exception type only: messages can carry values from the request.
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, _template(request))
    if _is_api(request):
        return Response(
            {"status_code": 500, "detail": "Internal Server Error"},
            status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return Template(
        template_name="concord/errors/page.html",
        context={"status": 500, "title": TITLES[500], "detail": ""},
        status_code=500,
    )


def _template(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("path_template") or "?")
