"""Running the web server (and, in the demo, the scheduler inside the same process)."""

from __future__ import annotations

import click
import uvicorn

from concord import scheduler as scheduling
from concord.app import create_app
from concord.cli.background import jobs_for
from concord.cli.platform import Platform
from concord.logs import configure_logging


def run_server(platform: Platform, *, with_scheduler: bool) -> None:
    settings = platform.settings
    configure_logging(settings.log_level)
    app = create_app(
        settings, hub=platform.hub, vaults=platform.vaults, directory=platform.directory
    )
    background = (
        scheduling.build(
            platform.hub,
            blocking=False,
            services=platform.job_services(),
            extra_jobs=jobs_for(federated=platform.settings.federated),
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
