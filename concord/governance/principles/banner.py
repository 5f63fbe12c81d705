"""The notice every signed-in page shows while no version of the principles is in force."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request
from sqlalchemy.exc import SQLAlchemyError

from concord.governance.principles.in_force import version_in_force
from concord.hub import Hub

log = logging.getLogger("concord.governance")


def defaults_apply(request: Request[Any, Any, Any]) -> bool:
    """True while no version is signed by every partner (templates call it for signed-in
    viewers only; a small indexed read of the hub)."""
    hub: Hub = request.app.state.hub
    try:
        with hub.transaction() as session:
            return version_in_force(session) is None
    except SQLAlchemyError:
        # Error pages use the same layout; a database fault must not hide the error itself.
        log.warning("could not read the principles in force for the banner")
        return False
