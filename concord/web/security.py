"""Security headers on every response, and refusal of cross-site form posts.

The CSRF token (Litestar's CSRF middleware) is the main defence; checking ``Sec-Fetch-Site``
and ``Origin`` as well stops a forged post even where a token leaked.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar import MediaType, Request, Response
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Links carry secret tokens (password resets, preference centres): never leak them to
    # another site. ("no-referrer" would also make browsers send "Origin: null" on our forms.)
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SecurityHeadersMiddleware(ASGIMiddleware):
    """Adds the headers above (and HSTS behind https) to every HTTP response."""

    def __init__(self, *, hsts: bool) -> None:
        self.hsts = hsts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if self.hsts:
                    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await next_app(scope, receive, send_with_headers)


def _own_origin(scope: Scope, headers: Headers) -> str:
    scheme = scope.get("scheme", "http")
    return f"{scheme}://{headers.get('host', '')}"


class SameOriginPostMiddleware(ASGIMiddleware):
    """Rejects state-changing requests that a browser reports as coming from another site."""

    def __init__(self, *, exempt_prefixes: Sequence[str], trusted_origins: Sequence[str]) -> None:
        self.exempt_prefixes = tuple(exempt_prefixes)
        self.trusted_origins = frozenset(trusted_origins)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if (
            scope["type"] == ScopeType.HTTP
            and scope["method"] not in SAFE_METHODS
            and not scope["path"].startswith(self.exempt_prefixes)
        ):
            headers = Headers.from_scope(scope)
            fetch_site = headers.get("sec-fetch-site")
            origin = headers.get("origin")
            # Browsers that send Sec-Fetch-Site are judged by it; older ones by Origin.
            cross_site = fetch_site is not None and fetch_site not in {"same-origin", "none"}
            foreign_origin = (
                fetch_site is None
                and origin is not None
                and origin != _own_origin(scope, headers)
                and origin not in self.trusted_origins
            )
            if cross_site or foreign_origin:
                refusal = Response(
                    "Cross-site form submissions are refused.",
                    status_code=403,
                    media_type=MediaType.TEXT,
                )
                await refusal.to_asgi_response(app=None, request=Request(scope))(
                    scope, receive, send
                )
                return
        await next_app(scope, receive, send)
