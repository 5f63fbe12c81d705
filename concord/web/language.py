"""Which language a page is in: the one asked for with ``?lang=``, else the one the person
is known to prefer, else their browser's ``Accept-Language``, else English.

No cookie is set: a stakeholder's choice travels in the link (``?lang=``), so the one-click
unsubscribe path stays cookie-free.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from litestar import Request
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from concord.languages import DEFAULT, from_accept_language, language_tag


def asked_for(scope: Scope) -> str | None:
    """The shipped language of the request's ``?lang=``, if it names one."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), max_num_fields=50)
    values = query.get("lang") or [""]
    return language_tag(values[0][:35]) or None


class LanguageMiddleware(ASGIMiddleware):
    """Sets ``scope["state"]["language"]`` (and its source) for every page, and says that
    answers vary by ``Accept-Language``."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] == ScopeType.HTTP:
            explicit = asked_for(scope)
            browser = from_accept_language(Headers.from_scope(scope).get("accept-language"))
            state = scope.setdefault("state", {})
            state["language"] = explicit or browser or DEFAULT
            state["language_asked"] = explicit

            async def vary(message: Message) -> None:
                if message["type"] == "http.response.start":
                    MutableScopeHeaders.from_message(message).add("vary", "Accept-Language")
                await send(message)

            await next_app(scope, receive, vary)
            return
        await next_app(scope, receive, send)


def request_language(request: Request[Any, Any, Any]) -> str:
    """The language chosen for this request by the middleware."""
    return str(request.scope.get("state", {}).get("language", DEFAULT))


def language_for(request: Request[Any, Any, Any], preferred: str | None) -> str:
    """The language of a page about a known person: ``?lang=`` if given, else the
    person's ``preferred`` language, else the request's."""
    state = request.scope.get("state", {})
    return str(
        state.get("language_asked") or language_tag(preferred or "") or request_language(request)
    )


def keep_language(request: Request[Any, Any, Any], path: str) -> str:
    """``path`` with the ``?lang=`` this request was asked in, so a redirect keeps it."""
    asked = request.scope.get("state", {}).get("language_asked")
    if not asked:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={asked}"
