"""A liveness probe for operators: answers only whether the hub database responds."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from sqlalchemy import text

from concord.hub import Hub
from concord.web.access import Access, access


@get("/health", sync_to_thread=True, opt=access(Access.PUBLIC), include_in_schema=False)
def health(hub: NamedDependency[Hub]) -> dict[str, str]:
    with hub.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
