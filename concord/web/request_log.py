"""One log line per request, naming the route's template and never the raw path.

Raw paths carry secret tokens (password resets, preference centres, feeds) and query strings
can carry search terms, so neither is logged.
"""

from __future__ import annotations

import logging
import time

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("concord.requests")


class RequestLogMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await next_app(scope, receive, capture)
        finally:
            log.info(
                "%s %s %d %.1fms",
                scope.get("method", "-"),
                scope.get("path_template") or "(unrouted)",
                status,
                (time.perf_counter() - started) * 1000,
            )
