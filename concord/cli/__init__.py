"""The ``concord`` command: set up, run and inspect a Concord installation.

Part of the composition root, so it may wire ``consent`` (the vaults) into the platform.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from concord import scheduler as scheduling
from concord.accounts.users import add_user
from concord.audit import chain
from concord.cli.background import jobs_for
from concord.cli.importing import import_contacts
from concord.cli.platform import data_dir_option, new_password_option, open_platform
from concord.errors import InvalidInput
from concord.governance import seals as governance_seals
from concord.logs import configure_logging
from concord.partners.nodes import enrol_node, hub_signing_pair, revoke_node
from concord.partners.services import add_partner, all_partners
from concord.settings import SettingsError
from consent.audit import chain as vault_chain

OPERATOR = "operator:cli"


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"concord: {message}", err=True)
    sys.exit(code)


def _invalid(error: InvalidInput) -> None:
    for field, message in error.errors.items():
        click.echo(f"concord: {field}: {message}", err=True)
    sys.exit(2)


class ConcordGroup(click.Group):
    """Turns configuration errors into one line and a non-zero exit, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            _fail(f"configuration error: {error}", 2)
        return None


@click.group(cls=ConcordGroup)
@click.version_option(package_name="concord")
def main() -> None:
    """Concord: coordinate outreach across partners without pooling contact lists."""


@main.command()
@data_dir_option
def init(data_dir: Path | None) -> None:
    """Create the data folder and the hub database, and bring every database up to date."""
    with open_platform(data_dir, require_secret=False) as platform:
        platform.migrate_all()
        click.echo(f"Concord is ready (hub: {platform.hub_location}).")


@main.command()
@data_dir_option
def migrate(data_dir: Path | None) -> None:
    """Upgrade the hub database and every partner's vault to the newest schema."""
    with open_platform(data_dir, require_secret=False) as platform:
        slugs = platform.migrate_all()
        click.echo(f"Hub and {len(slugs)} vault(s) are up to date.")


@main.command()
@data_dir_option
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
def serve(data_dir: Path | None, port: int | None, host: str | None) -> None:
    """Serve the web app (run `concord worker` beside it for background jobs)."""
    from concord.cli.serving import run_server

    with open_platform(data_dir, port=port, host=host) as platform:
        platform.require_current()
        run_server(platform, with_scheduler=False)


@main.command()
@data_dir_option
def worker(data_dir: Path | None) -> None:
    """Run background jobs until stopped (SIGTERM or Ctrl-C stop it cleanly)."""
    with open_platform(data_dir) as platform:
        platform.require_current()
        configure_logging(platform.settings.log_level)
        scheduler = scheduling.build(
            platform.hub,
            blocking=True,
            services=platform.job_services(),
            extra_jobs=jobs_for(federated=platform.settings.federated),
        )

        def stop(signum: int, _frame: FrameType | None) -> None:
            click.echo(f"Stopping the worker (signal {signum}).", err=True)
            scheduler.shutdown(wait=True)

        signal.signal(signal.SIGTERM, stop)
        click.echo("Worker started.", err=True)
        try:
            scheduler.start()
        except KeyboardInterrupt:
            scheduler.shutdown(wait=True)


@main.command()
@data_dir_option
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Only create the demo partnership, do not serve.")
@click.option(
    "--federated",
    is_flag=True,
    help="Run the hub and four vault nodes as separate processes (folder .concord-federated).",
)
def demo(data_dir: Path | None, port: int | None, no_serve: bool, federated: bool) -> None:
    """Create (once) a fictional demo partnership and serve it at http://127.0.0.1:8000."""
    from concord.cli.demo import seed_demo
    from concord.cli.serving import run_server

    if federated:
        from concord.cli.demo_federated import run_federated_demo

        run_federated_demo(data_dir or Path(".concord-federated"), port or 8000, serve=not no_serve)
        return

    with open_platform(data_dir, port=port, demo=True) as platform:
        seed_demo(platform)
        if not no_serve:
            run_server(platform, with_scheduler=True)


@main.group()
def partner() -> None:
    """Manage the partnership's organisations."""


@partner.command("add")
@data_dir_option
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's full name.")
@click.option("--country", required=True, help="Default country, ISO 3166 alpha-2 (e.g. DE).")
@click.option("--timezone", default="Europe/Brussels", show_default=True, help="IANA time zone.")
@click.option("--node-url", default=None, help="Federated mode: where the partner's node answers.")
@click.option(
    "--node-key", default=None, help="Federated mode: the node's signing key, read out of band."
)
def partner_add(
    data_dir: Path | None,
    slug: str,
    name: str,
    country: str,
    timezone: str,
    node_url: str | None,
    node_key: str | None,
) -> None:
    """Register a partner: its vault database on a single box, its node when federated."""
    if bool(node_url) != bool(node_key):
        _fail("give --node-url and --node-key together", 2)
    with open_platform(data_dir, require_secret=False) as platform:
        platform.require_current()
        try:
            with platform.hub.transaction() as session:
                add_partner(
                    session,
                    slug=slug,
                    name=name,
                    country=country,
                    timezone=timezone,
                    actor=OPERATOR,
                )
                if node_url and node_key:
                    enrol_node(session, slug, url=node_url, key=node_key, actor=OPERATOR)
        except InvalidInput as error:
            _invalid(error)
        if platform.settings.federated:
            state = f"its node at {node_url} is enrolled" if node_url else "enrol its node next"
            click.echo(f"Partner {slug} added; {state}.")
            return
        platform.open_vault(slug)
        click.echo(f"Partner {slug} added; its vault is ready.")


@partner.command("enrol")
@data_dir_option
@click.argument("slug")
@click.option("--node-url", required=True, help="Where the partner's node answers.")
@click.option("--node-key", required=True, help="The node's signing key, read out of band.")
def partner_enrol(data_dir: Path | None, slug: str, node_url: str, node_key: str) -> None:
    """Enrol (or re-enrol, with a new key) a partner's vault node."""
    with open_platform(data_dir, require_secret=False) as platform:
        try:
            with platform.hub.transaction() as session:
                enrol_node(session, slug, url=node_url, key=node_key, actor=OPERATOR)
        except InvalidInput as error:
            _invalid(error)
    click.echo(f"The node of {slug} at {node_url} is enrolled with key {node_key}.")


@partner.command("revoke")
@data_dir_option
@click.argument("slug")
def partner_revoke(data_dir: Path | None, slug: str) -> None:
    """Stop trusting a partner's node key, at once; enrol it again to restore it."""
    with open_platform(data_dir, require_secret=False) as platform:
        try:
            with platform.hub.transaction() as session:
                revoke_node(session, slug, actor=OPERATOR)
        except InvalidInput as error:
            _invalid(error)
    click.echo(f"The node key of {slug} is revoked; the hub will not call it again.")


@main.command("hub-key")
@data_dir_option
def hub_key(data_dir: Path | None) -> None:
    """Print the hub's signing key, for each partner admin to pin with `concord node trust-hub`."""
    with open_platform(data_dir, require_secret=False) as platform:
        click.echo(hub_signing_pair(platform.settings).public_text)


@partner.command("list")
@data_dir_option
def partner_list(data_dir: Path | None) -> None:
    """List the partners."""
    with (
        open_platform(data_dir, require_secret=False) as platform,
        platform.hub.transaction() as session,
    ):
        for p in all_partners(session):
            click.echo(f"{p.slug}\t{p.country}\t{p.timezone}\t{p.name}")


@main.group()
def user() -> None:
    """Manage staff accounts."""


@user.command("add")
@data_dir_option
@click.argument("email")
@click.option(
    "--role",
    required=True,
    help="partner_admin, comms, signatory (each needs --partner) or secretariat.",
)
@click.option("--partner", "partner_slug", default=None, help="The partner's slug.")
@click.option("--name", "display_name", default="", help="The person's name.")
@new_password_option
def user_add(
    data_dir: Path | None,
    email: str,
    role: str,
    partner_slug: str | None,
    display_name: str,
    password: str,
) -> None:
    """Create a staff account."""
    with open_platform(data_dir, require_secret=False) as platform:
        platform.require_current()
        try:
            with platform.hub.transaction() as session:
                account = add_user(
                    session,
                    platform.hub.password_hasher,
                    email=email,
                    role=role,
                    password=password,
                    partner_slug=partner_slug,
                    display_name=display_name,
                    actor=OPERATOR,
                )
                account_id = account.id
        except InvalidInput as error:
            _invalid(error)
        click.echo(f"Account {account_id} created.")


@main.group()
def audit() -> None:
    """Inspect the audit chain."""


@audit.command("verify")
@data_dir_option
def audit_verify(data_dir: Path | None) -> None:
    """Check every entry of the hub's audit chain and of each vault's; exit 1 and name the
    first bad entry of each broken chain."""
    with open_platform(data_dir, require_secret=False) as platform:
        with platform.hub.transaction() as session:
            reports = [("the hub's audit chain", chain.verify(session))]
            sealed = governance_seals.verify(session) if reports[0][1].ok else []
        for slug in platform.partner_slugs():
            with platform.vaults.transaction(slug) as session:
                reports.append((f"the audit chain of {slug}'s vault", vault_chain.verify(session)))
    broken = [(name, report) for name, report in reports if not report.ok]
    for name, report in broken:
        click.echo(
            f"concord: {name} is broken at entry {report.first_bad_seq}: {report.reason}",
            err=True,
        )
    if broken:
        _fail(f"{len(broken)} audit chain(s) broken", 1)
    if sealed:
        for problem in sealed:
            click.echo(f"concord: {problem.reason} ({problem.object_ref})", err=True)
        _fail(f"{len(sealed)} governance record(s) do not match the audit chain", 1)
    for name, report in reports:
        click.echo(f"Audit chain intact: {name}, {report.checked} entries verified.")


def _register_package_commands() -> None:
    from concord.cli.matching import match
    from concord.cli.node import node
    from concord.cli.retention import retention
    from concord.cli.translations import translations

    main.add_command(translations)
    main.add_command(match)
    main.add_command(retention)
    main.add_command(node)


_register_package_commands()
main.add_command(import_contacts)
