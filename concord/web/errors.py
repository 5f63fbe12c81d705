"""Error responses: JSON for the API, a page for people, a sign-in redirect for strangers.

A failure on our side says so and gives a reference, never its own message: messages can name
internals or carry values from the request. The log line carries the same reference.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from concord.translations import N_
from concord.web.auth import API_PREFIX
from concord.web.language import request_language
from consent.public import NodeUnavailable

log = logging.getLogger("concord.web")

TITLES = {
    400: N_("That request could not be understood"),
    401: N_("Please sign in"),
    403: N_("You do not have access to this page"),
    404: N_("Page not found"),
    405: N_("That action is not available here"),
    409: N_("That could not be done"),
    410: N_("This link has expired"),
    413: N_("That upload is too large"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("A partner's vault node cannot be reached"),
}
# Where stakeholders land from emails: their error pages speak their language, and lead
# back to finding their data rather than to the staff sign-in.
STAKEHOLDER_PATHS = ("/p/", "/u/", "/my-data", "/rsvp/")


def error_page(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    reference: str | None = None,
    headers: dict[str, str] | None = None,
) -> Template:
    """The error page, in the stakeholder's language on the pages emails link to."""
    context: dict[str, Any] = {
        "status": status,
        "title": TITLES.get(status, N_("That could not be done")),
        "detail": detail,
        "reference": reference,
    }
    if request.url.path.startswith(STAKEHOLDER_PATHS):
        context.update(lang=request_language(request), stakeholder=True)
    return Template(
        template_name="concord/errors/page.html",
        context=context,
        status_code=status,
        headers=headers,
    )


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        return _failure(request, exc, status)
    # Such as the Allow of a 405, which RFC 9110 requires.
    headers = dict(exc.headers or {})
    if _is_api(request):
        body: dict[str, Any] = {"status_code": status, "detail": exc.detail}
        if exc.extra:
            body["extra"] = exc.extra
        if status == 401:
            headers["www-authenticate"] = "Bearer"
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    if isinstance(exc, NotAuthorizedException):
        target = "/login?next_path=" + quote(request.url.path, safe="/")
        if isinstance(request, HTMXRequest) and request.htmx:
            return Response(b"", status_code=401, headers={"HX-Redirect": target})
        return Response(b"", status_code=303, headers={"location": target})
    detail = exc.detail
    if isinstance(exc, ValidationException) and detail.startswith("Validation failed"):
        # Litestar's own wording names the route; say what a person can do about it.
        detail = N_(
            "A field holds a character that cannot be stored (NUL), is longer than the form "
            "allows, or was sent twice. Go back, correct it and try again."
        )
    return error_page(request, status, detail, headers=headers)


def node_unavailable(request: Request[Any, Any, Any], exc: NodeUnavailable) -> Response[Any]:
    """A vault node that is down or failing, after the retries: 503, naming the node (the
    message is ours: a partner's slug and what went wrong, no value from the request)."""
    log.warning("%s on %s %s", exc, request.method, _template(request))
    detail = f"{str(exc)[:1].upper()}{str(exc)[1:]}. Nothing was changed; try again in a moment."
    if _is_api(request):
        return Response(
            {"status_code": 503, "detail": detail}, status_code=503, media_type=MediaType.JSON
        )
    return error_page(request, 503, detail, headers={"retry-after": "30"})


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _failure(request, exc, HTTP_500_INTERNAL_SERVER_ERROR)


def _failure(request: Request[Any, Any, Any], exc: Exception, status: int) -> Response[Any]:
    reference = secrets.token_hex(4)
    # The exception type only: messages can carry values from the request.
    log.error(
        "unhandled %s on %s %s, reference %s",
        type(exc).__name__,
        request.method,
        _template(request),
        reference,
    )
    title = TITLES[HTTP_500_INTERNAL_SERVER_ERROR]
    if _is_api(request):
        body = {"status_code": status, "detail": title, "reference": reference}
        return Response(body, status_code=status, media_type=MediaType.JSON)
    return error_page(request, status, "", reference=reference)


def _template(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("path_template") or "?")
