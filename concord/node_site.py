"""A partner's vault node as one web site: part of the composition root.

``concord node serve`` answers three audiences from one address:
- the hub, through the signed node API under ``/node/v1``;
- the partner's staff, through its vault pages (contacts, imports, purposes, requests,
  retention, records of processing); their accounts live in the node's own small staff
  database, never at the hub;
- its stakeholders, through the preference centre, one-click unsubscribe and find-my-data
  pages that the node's emailed links point to.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from concord.accounts.users import add_user
from concord.app import create_node_pages
from concord.errors import InvalidInput
from concord.federation.codec import PREFIX
from concord.hub import Hub
from concord.partners.services import add_partner, by_slug
from concord.settings import Settings
from concord.vault_host import HubHost
from consent.host import SharedCategoryCard, SharingRules
from consent.node import partnership_facts
from consent.node.enrolment import read_config
from consent.node.serving import node_app, node_settings

STAFF_DATABASE = "staff.sqlite3"
OPERATOR = "operator"
# The roles a node's own accounts may have: the partner's staff who work in its vault.
NODE_ROLES = ("partner_admin", "comms")


def staff_settings(folder: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The node's settings, with its staff database as the "hub" its pages sign in against."""
    return node_settings(folder, env).with_changes(
        hub_url=f"sqlite:///{(folder / STAFF_DATABASE).resolve()}", federated=False
    )


def open_staff(folder: Path, env: Mapping[str, str] | None = None) -> Hub:
    """The node's staff database, created or migrated first."""
    hub = Hub(staff_settings(folder, env))
    hub.migrate()
    return hub


def register_partner(
    folder: Path, *, name: str, country: str, timezone: str, env: Mapping[str, str] | None = None
) -> None:
    """Record the partner this node belongs to, once: its name is what stakeholders see."""
    slug = read_config(folder).partner
    hub = open_staff(folder, env)
    try:
        with hub.transaction() as session:
            if by_slug(session, slug) is None:
                add_partner(
                    session,
                    slug=slug,
                    name=name,
                    country=country,
                    timezone=timezone,
                    actor=OPERATOR,
                )
    finally:
        hub.dispose()


def add_staff(
    folder: Path,
    *,
    email: str,
    role: str,
    password: str,
    display_name: str = "",
    env: Mapping[str, str] | None = None,
) -> int:
    """A staff account on this node, for its own partner; raises InvalidInput."""
    if role not in NODE_ROLES:
        raise InvalidInput({"role": f"A node's accounts are {' or '.join(NODE_ROLES)}."})
    slug = read_config(folder).partner
    hub = open_staff(folder, env)
    try:
        with hub.transaction() as session:
            if by_slug(session, slug) is None:
                raise InvalidInput(
                    {"partner": "Run `concord node init` with the partner's name first."}
                )
            account = add_user(
                session,
                hub.password_hasher,
                email=email,
                role=role,
                password=password,
                partner_slug=slug,
                display_name=display_name,
                actor=OPERATOR,
            )
            return int(account.id)
    finally:
        hub.dispose()


class NodeHost(HubHost):
    """The node's answers to what its vault needs to know: the partner and its staff from
    the staff database, the partnership's shared categories and sharing rules from what the
    hub last told the node."""

    def __init__(self, hub: Hub, folder: Path) -> None:
        super().__init__(hub)
        self._folder = folder

    def shared_categories(self) -> list[SharedCategoryCard]:
        told = partnership_facts.read(self._folder).shared_categories
        by_name = sorted(told.items(), key=lambda pair: (pair[1], pair[0]))
        return [SharedCategoryCard(slug, name) for slug, name in by_name]

    def sharing_rules(self) -> SharingRules:
        return SharingRules(partnership_facts.read(self._folder).contact_flags)


class NodeSite:
    """Sends the node API's paths to the API, and everything else to the pages."""

    def __init__(self, api: ASGIApp, pages: ASGIApp) -> None:
        self.api = api
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == ScopeType.HTTP and (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.api(scope, receive, send)
        else:
            await self.pages(scope, receive, send)


def node_site(folder: Path, env: Mapping[str, str] | None = None) -> NodeSite:
    """The node's whole site over its vault and its staff database, both migrated first.
    The pages' lifespan closes both databases when the server stops."""
    api, vaults = node_app(folder, env)
    settings = staff_settings(folder, env)
    staff = open_staff(folder, env)
    pages = create_node_pages(settings, hub=staff, vaults=vaults, host=NodeHost(staff, folder))
    return NodeSite(api, pages)
