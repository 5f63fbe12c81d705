"""HTTP glue shared by the governance pages: service errors become 403 and 404."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar.exceptions import NotFoundException, PermissionDeniedException

from concord.governance.permissions import NotAllowed, NotFound


@contextmanager
def http_errors() -> Iterator[None]:
    """Raise the HTTP error a service's refusal stands for."""
    try:
        yield
    except NotFound:
        raise NotFoundException() from None
    except NotAllowed as refusal:
        raise PermissionDeniedException(f"Not allowed: {refusal}.") from None
