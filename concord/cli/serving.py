"""Running the web server (and, in the demo, the scheduler inside the same process)."""

from __future__ import annotations

import click
import uvicorn

from concord import scheduler as scheduling
from concord.app import configure_logging, create_app
from concord.cli.platform import Platform
from consent.outbox.jobs import JOBS as CONSENT_JOBS
from outreach.events.jobs import JOBS as EVENT_JOBS
from outreach.matching.jobs import JOBS as OUTREACH_JOBS


def run_server(platform: Platform, *, with_scheduler: bool) -> None:
    settings = platform.settings
    configure_logging(settings.log_level)
    app = create_app(settings, hub=platform.hub, vaults=platform.vaults)
    background = (
        scheduling.build(
            platform.hub,
            blocking=False,
            services={"vaults": platform.vaults},
            extra_jobs=OUTREACH_JOBS + CONSENT_JOBS + EVENT_JOBS,
        )
        if with_scheduler
        else None
    )
    if background:
        background.start()
    click.echo(f"Concord is serving at {settings.public_url} (Ctrl-C stops it).", err=True)
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )
    finally:
        if background:
            background.shutdown(wait=False)
