"""The notice every signed-in page shows while no version of the principles is in force."""

from __future__ import annotations

from typing import Any

from litestar import Request

from concord.governance.principles.in_force import version_in_force
from concord.hub import Hub


def defaults_apply(request: Request[Any, Any, Any]) -> bool:
    """True while no version is signed by every partner (templates call it for signed-in
    viewers only; a small indexed read of the hub)."""
    hub: Hub = request.app.state.hub
    with hub.transaction() as session:
        return version_in_force(session) is None
