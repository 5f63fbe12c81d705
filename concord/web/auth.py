"""Works out who is calling: a session cookie for pages, a bearer token for the JSON API.

The API never accepts the cookie, so that it can be exempt from CSRF checks safely.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import anyio.to_thread
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from concord.accounts import api_tokens, sessions
from concord.accounts.viewer import Viewer
from concord.hub import Hub

API_PREFIX = "/api/v1"


def session_cookie(headers: Headers) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return None
    morsel = jar.get(sessions.COOKIE_NAME)
    return morsel.value if morsel else None


def bearer_token(headers: Headers) -> str | None:
    raw = headers.get("authorization", "")
    scheme, _, value = raw.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _viewer_from_cookie(hub: Hub, token: str) -> Viewer | None:
    with hub.transaction() as session:
        user = sessions.resume(session, hub.settings, token)
        return Viewer.of(user) if user else None


def _viewer_from_bearer(hub: Hub, token: str) -> Viewer | None:
    with hub.transaction() as session:
        user = api_tokens.authenticate(session, token)
        return Viewer.of(user) if user else None


class ViewerMiddleware(ASGIMiddleware):
    """Sets ``scope["user"]`` to a :class:`Viewer`, or None for an anonymous caller."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        viewer: Viewer | None = None
        if scope["type"] == ScopeType.HTTP:
            hub: Hub = scope["litestar_app"].state.hub
            headers = Headers.from_scope(scope)
            if scope["path"].startswith(API_PREFIX):
                if token := bearer_token(headers):
                    viewer = await anyio.to_thread.run_sync(_viewer_from_bearer, hub, token)
            elif token := session_cookie(headers):
                viewer = await anyio.to_thread.run_sync(_viewer_from_cookie, hub, token)
        scope["user"] = viewer
        await next_app(scope, receive, send)
