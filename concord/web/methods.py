"""OPTIONS and HEAD on every route as RFC 9110 has them, answered in front of the router.

Litestar sends HEAD only to handlers that declare it, and answers OPTIONS with a handler of
its own, on which no access level can be declared. Here OPTIONS is answered for any path that
exists, to anyone (which methods a path takes is no secret), and HEAD is served by the GET
handler wherever there is one, with the body left out, so that the access guard and
everything else treat it exactly as the GET it stands for. A 405 names every method the path
takes, HEAD and OPTIONS included.
"""

from __future__ import annotations

from typing import cast

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.response.base import ASGIResponse
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_405_METHOD_NOT_ALLOWED
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils import normalize_path


def allow_header(methods: frozenset[str]) -> str:
    implied = {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(sorted(methods | implied))


class HttpMethodsMiddleware(ASGIMiddleware):
    """Answers OPTIONS, serves HEAD from GET, and completes the Allow header of a 405."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, app: Litestar) -> None:
        self.app = app

    def route_of(self, scope: Scope) -> tuple[str, frozenset[str]] | None:
        """The template and methods of the HTTP route that ``scope``'s path names, if any."""
        path = scope["path"]
        if root_path := scope.get("root_path", ""):
            path = path.split(root_path, maxsplit=1)[-1]
        try:
            # Every HTTP route takes OPTIONS (Litestar adds a handler), so this finds any.
            *_, template = self.app.asgi_router.handle_routing(
                path=normalize_path(path), method="OPTIONS"
            )
        except HTTPException:
            return None
        # Read from the route table each time, so that routes registered later count too.
        methods = frozenset(
            method
            for route in self.app.routes
            if isinstance(route, HTTPRoute) and route.path_format == template
            for method in route.methods
        )
        return (template, methods) if methods else None

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP:  # for the type checker: scopes admits only HTTP
            await next_app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS" and (route := self.route_of(scope)) is not None:
            scope["path_template"], methods = route
            answer = ASGIResponse(
                status_code=HTTP_204_NO_CONTENT, headers={"allow": allow_header(methods)}
            )
            await answer(scope, receive, send)
            return
        if method == "HEAD":
            send = _without_body(send)
            # Even where a HEAD handler exists (static files): Litestar's HEAD responses leave
            # out the Content-Type that the GET sends.
            if (route := self.route_of(scope)) is not None and "GET" in route[1]:
                await self._as_get(scope, receive, send, next_app)
                return
        await next_app(scope, receive, self._complete_allow(scope, send))

    async def _as_get(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # A copy: the server reads the method in its own scope to know that no body follows.
        as_get = cast("Scope", {**scope, "method": "GET"})
        try:
            await next_app(as_get, receive, send)
        finally:
            # What the router found, for the request log outside.
            if "path_template" in as_get:
                scope["path_template"] = as_get["path_template"]

    def _complete_allow(self, scope: Scope, send: Send) -> Send:
        async def send_with_allow(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] == HTTP_405_METHOD_NOT_ALLOWED
                and (route := self.route_of(scope)) is not None
            ):
                scope["path_template"], methods = route
                MutableScopeHeaders.from_message(message)["allow"] = allow_header(methods)
            await send(message)

        return send_with_allow


def _without_body(send: Send) -> Send:
    """A ``send`` that passes the status and headers on and drops the body (RFC 9110 9.3.2)."""

    async def send_head(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
        elif not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return send_head
