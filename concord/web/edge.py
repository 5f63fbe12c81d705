"""Middleware that must see every request, routed or not, and every response, however made.

Litestar runs the app's middleware inside each route, after routing, and sends the responses
of its app-wide exception handlers (unknown paths, wrong methods, a CSRF refusal raised by its
own CSRF middleware) from outside them. Whatever has to hold for all of those (the request
log, the security headers, OPTIONS and HEAD) is put here, in front of the router instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Litestar
from litestar.middleware import ASGIMiddleware


def in_front_of_routing(app: Litestar, layers: Sequence[ASGIMiddleware]) -> None:
    """Wrap ``app``'s router and its exception handling in ``layers``, the first outermost."""
    handler = app.asgi_handler
    for layer in reversed(layers):
        handler = layer(handler)
    app.asgi_handler = handler
