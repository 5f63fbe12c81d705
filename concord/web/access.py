"""Who may reach each route: every handler declares an access level in ``opt["access"]``.

One guard enforces it for the whole app, and the route-matrix test walks the route table and
checks each role against each level, so a new route is covered the day it is added.
"""

from __future__ import annotations

import enum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import (
    ImproperlyConfiguredException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler

from concord.accounts.models import Role
from concord.accounts.viewer import Viewer

PARTNER_PARAM = "partner"


class Access(enum.StrEnum):
    """Access levels, from open to narrow."""

    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    SECRETARIAT = "secretariat"
    # Any staff member of the partner named in the path.
    PARTNER_MEMBER = "partner_member"
    # The partner's comms staff and admins: the only people who may see its vault.
    PARTNER_VAULT = "partner_vault"
    PARTNER_ADMIN = "partner_admin"
    # Pages that exist only in demo mode (the local mailbox).
    DEMO = "demo"


VAULT_ROLES = frozenset({Role.COMMS, Role.PARTNER_ADMIN})
PARTNER_SCOPED = frozenset({Access.PARTNER_MEMBER, Access.PARTNER_VAULT, Access.PARTNER_ADMIN})


def access(level: Access) -> dict[str, Any]:
    """The ``opt`` of a handler with this access level."""
    return {"access": level}


def level_of(handler: BaseRouteHandler) -> Access:
    level = handler.opt.get("access")
    if not isinstance(level, Access):
        raise ImproperlyConfiguredException(f"route handler {handler} declares no access level")
    return level


def allows(level: Access, viewer: Viewer | None, partner_slug: str | None, demo: bool) -> bool:
    """The rule itself, kept apart from Litestar so that tests can state it as a table."""
    if level is Access.PUBLIC:
        return True
    if level is Access.DEMO:
        return demo
    if viewer is None:
        return False
    if level is Access.SIGNED_IN:
        return True
    if level is Access.SECRETARIAT:
        return viewer.is_secretariat
    if partner_slug is None or not viewer.works_for(partner_slug):
        return False
    if level is Access.PARTNER_VAULT:
        return viewer.role in VAULT_ROLES
    if level is Access.PARTNER_ADMIN:
        return viewer.role is Role.PARTNER_ADMIN
    return True


def enforce_access(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The app-wide guard: 401 for strangers, 404 for another partner's space, 403 otherwise."""
    level = level_of(handler)
    viewer: Viewer | None = connection.scope.get("user")
    partner_slug = connection.path_params.get(PARTNER_PARAM)
    demo = bool(connection.app.state.settings.demo)
    if allows(level, viewer, partner_slug, demo):
        return
    if level is Access.DEMO:
        raise NotFoundException()
    if viewer is None:
        raise NotAuthorizedException("Sign in to continue.")
    if level in PARTNER_SCOPED and not (partner_slug and viewer.works_for(partner_slug)):
        # Another partner's space does not exist, as far as this viewer can tell.
        raise NotFoundException()
    raise PermissionDeniedException("Your role does not give access to this page.")
