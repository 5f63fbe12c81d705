"""The composition root: builds the Litestar app from the platform, the vaults and outreach.

This is one of the two places (with the CLI) where ``concord`` may import ``consent`` and
``outreach``; everything else in ``concord`` stays independent of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from jinja2 import Environment
from js_lib_htmx import __file__ as htmx_package_file
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.router import Router
from litestar.template.config import TemplateConfig

from concord import translations
from concord.accounts.controllers import AccountController, SignInController
from concord.api.controllers import HubApiController
from concord.audit.controllers import AuditController
from concord.categories.controllers import SharedCategoriesController
from concord.dashboard.controllers import DashboardController
from concord.dashboard.requests import open_requests_section
from concord.dashboard.sections import platform_sections
from concord.finder.controllers import FindMyDataController
from concord.governance.actions.controllers import ActionItemsController
from concord.governance.decisions.controllers import DecisionsController
from concord.governance.glossary.controllers import GlossaryController
from concord.governance.meetings.controllers import MeetingsController
from concord.governance.minutes.controllers import MinutesController
from concord.governance.principles.banner import defaults_apply
from concord.governance.principles.controllers import PrinciplesController
from concord.governance.reviews.controllers import review_controllers
from concord.hub import Hub
from concord.mail.controllers import DemoMailboxController
from concord.partners.controllers import PartnerController
from concord.paths import STATIC, TEMPLATES
from concord.settings import Settings
from concord.vault_host import HubHost
from concord.vaults.enrolled import enrolled_directory
from concord.vaults.recording import RecordedDirectory
from concord.web.access import Access, access, enforce_access
from concord.web.auth import API_PREFIX, ViewerMiddleware
from concord.web.bounds import enforce_bounds
from concord.web.edge import in_front_of_routing
from concord.web.errors import http_error, node_unavailable, server_error
from concord.web.health import health
from concord.web.language import LanguageMiddleware
from concord.web.methods import HttpMethodsMiddleware
from concord.web.request_log import RequestLogMiddleware
from concord.web.security import SameOriginPostMiddleware, SecurityHeadersMiddleware
from concord.web.static_files import static_files
from consent.categories.controllers import CategoryMappingController
from consent.contacts.controllers import ContactsApiController, ContactsController
from consent.db import Vaults
from consent.host import Host
from consent.importing.controllers import import_controllers
from consent.in_process import InProcessDirectory
from consent.invitations.controllers import AttendanceController
from consent.mail_settings.controllers import MailSettingsController
from consent.outbox.controllers import StakeholderMailboxController
from consent.overview.controllers import VaultOverviewController
from consent.preferences.controllers import PreferenceCentreController, UnsubscribeController
from consent.preferences.rights import StakeholderRightsController
from consent.processing_records.controllers import ProcessingRecordsController
from consent.public import NodeUnavailable, VaultDirectory
from consent.purposes.controllers import PurposesController
from consent.retention.controllers import RetentionController
from consent.rights.controllers import ContactRightsController, RightsRequestsController
from outreach.calendar.controllers import CalendarController, CalendarItemsController, feed
from outreach.events.controllers import EventsController, PartnerEventsController, RsvpController
from outreach.matching.controllers import MatchingController
from outreach.matching.dashboard import latest_round

HTMX_DIR = Path(htmx_package_file).parent / "static" / "htmx"
# Paths whose POSTs are authenticated by something other than the session cookie: the API by
# bearer tokens, one-click unsubscribe (RFC 8058) by the opaque token in its URL.
CSRF_EXEMPT = [f"^{API_PREFIX}/", "^/u/"]


def _template_engine(engine: JinjaTemplateEngine) -> None:
    env: Environment = engine.engine
    env.globals["Access"] = Access
    env.globals["principles_defaults_apply"] = defaults_apply
    translations.install(env)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True}


def vault_directory(hub: Hub, vaults: Vaults, settings: Settings | None = None) -> VaultDirectory:
    """The hub's port to each partner's vault, recording what it asks of them: in process on
    a single box, over signed HTTP to each partner's node in federated mode."""
    settings = settings or hub.settings
    if settings.federated:
        return RecordedDirectory(enrolled_directory(hub, settings), hub)
    return RecordedDirectory(InProcessDirectory(vaults, settings), hub)


# The vault's own pages: on a single box the hub serves them; in federated mode they live on
# each partner's node, and the hub serves none.
VAULT_PAGES: list[Any] = [
    VaultOverviewController,
    ContactsController,
    ContactsApiController,
    PurposesController,
    CategoryMappingController,
    StakeholderMailboxController,
    PreferenceCentreController,
    StakeholderRightsController,
    UnsubscribeController,
    RightsRequestsController,
    ContactRightsController,
    RetentionController,
    MailSettingsController,
    ProcessingRecordsController,
    AttendanceController,
]


def create_app(
    settings: Settings,
    *,
    hub: Hub | None = None,
    vaults: Vaults | None = None,
    directory: VaultDirectory | None = None,
) -> Litestar:
    """Build the web app for ``settings``; tests may hand in the hub, vaults and directory
    they made."""
    hub = hub or Hub(settings)
    vaults = vaults or Vaults(settings)
    directory = directory or vault_directory(hub, vaults, settings)
    handlers = [
        SignInController,
        AccountController,
        DashboardController,
        PartnerController,
        AuditController,
        DemoMailboxController,
        HubApiController,
        MatchingController,
        *([] if settings.federated else [*VAULT_PAGES, *import_controllers(settings)]),
        SharedCategoriesController,
        FindMyDataController,
        MeetingsController,
        MinutesController,
        ActionItemsController,
        *review_controllers(settings),
        PrinciplesController,
        DecisionsController,
        GlossaryController,
        CalendarController,
        CalendarItemsController,
        feed,
        EventsController,
        PartnerEventsController,
        RsvpController,
    ]
    sections = [*platform_sections(), latest_round, open_requests_section(directory)]
    host = HubHost(hub, settings)
    return _site(settings, hub, vaults, directory, handlers, sections, host=host, node=False)


def create_node_pages(settings: Settings, *, hub: Hub, vaults: Vaults, host: Host) -> Litestar:
    """A partner node's own pages: its vault pages for its staff, whose accounts live in the
    node's small staff database ``hub``, and the stakeholder pages for its contacts; ``host``
    answers what the vault needs to know of the partnership."""
    directory = InProcessDirectory(vaults, settings)
    handlers = [
        SignInController,
        AccountController,
        DashboardController,
        *VAULT_PAGES,
        *import_controllers(settings),
    ]
    return _site(settings, hub, vaults, directory, handlers, [], host=host, node=True)


def _site(
    settings: Settings,
    hub: Hub,
    vaults: Vaults,
    directory: VaultDirectory,
    handlers: list[Any],
    sections: list[Any],
    *,
    host: Host,
    node: bool,
) -> Litestar:

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            vaults.dispose()
            hub.dispose()

    public = access(Access.PUBLIC)
    app = Litestar(
        route_handlers=[
            *handlers,
            health,
            static_files("/static", STATIC, name="static"),
            static_files("/static/vendor/htmx", HTMX_DIR, name="htmx"),
        ],
        state=State(
            {
                "settings": settings,
                "hub": hub,
                "vaults": vaults,
                # One partial per section; later features append their providers here.
                "dashboard_sections": sections,
                # A partner node serves only its own vault and stakeholder pages.
                "node_site": node,
            }
        ),
        dependencies={
            "hub": Provide(lambda: hub, sync_to_thread=False),
            "vaults": Provide(lambda: vaults, sync_to_thread=False),
            "directory": Provide(lambda: directory, sync_to_thread=False),
            "host": Provide(lambda: host, sync_to_thread=False),
        },
        guards=[enforce_access, enforce_bounds],
        middleware=[
            SameOriginPostMiddleware(
                exempt_prefixes=[API_PREFIX + "/", "/u/"], trusted_origins=[settings.public_url]
            ),
            ViewerMiddleware(),
            LanguageMiddleware(),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="concord_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="strict",
            exclude=CSRF_EXEMPT,
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_template_engine
        ),
        plugins=[HTMXPlugin()],
        openapi_config=OpenAPIConfig(
            title="Concord API",
            version="1",
            render_plugins=[JsonRenderPlugin()],  # no UI: the UIs load scripts from CDNs
            openapi_router=Router(path=f"{API_PREFIX}/schema", route_handlers=[], opt=public),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="API token")
                }
            ),
            security=[{"bearer": []}],
        ),
        exception_handlers={
            HTTPException: http_error,
            NodeUnavailable: node_unavailable,
            Exception: server_error,
        },
        lifespan=[lifespan],
        logging_config=None,
        debug=False,
    )
    in_front_of_routing(
        app,
        [
            RequestLogMiddleware(),
            SecurityHeadersMiddleware(hsts=settings.public_url.startswith("https://")),
            HttpMethodsMiddleware(app),
        ],
    )
    return app
