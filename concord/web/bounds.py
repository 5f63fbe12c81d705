"""The app-wide guard on what a URL carries: ids a row can have, text a database can store.

Path ids past the 64-bit range, and NULs or runaway lengths in path or query values, would
otherwise reach the database driver and fail there. No row can have such an id, so it is a
404; a query value that cannot be stored is a 400 that says why.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, ValidationException
from litestar.handlers.base import BaseRouteHandler

from concord.inputs import MAX_ROW_ID

MAX_PATH_VALUE = 512
MAX_QUERY_VALUE = 2_000


def _storable(value: str, limit: int) -> bool:
    return "\x00" not in value and len(value) <= limit


def enforce_bounds(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    for value in connection.path_params.values():
        if isinstance(value, int) and not 1 <= value <= MAX_ROW_ID:
            raise NotFoundException()
        if not isinstance(value, int) and not _storable(str(value), MAX_PATH_VALUE):
            raise NotFoundException()
    for name, value in connection.query_params.multi_items():
        if not (_storable(name, MAX_QUERY_VALUE) and _storable(value, MAX_QUERY_VALUE)):
            raise ValidationException(
                f"A search or filter value holds a NUL or more than {MAX_QUERY_VALUE:,} "
                "characters; change it and try again."
            )
