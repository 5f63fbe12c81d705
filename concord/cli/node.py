"""``concord node``: set up and run a partner's vault node on the partner's own server."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import click

from concord.cli.platform import new_password_option
from concord.federation.keys import BadKey
from concord.logs import configure_logging
from consent.node import enrolment, partnership_key

folder_option = click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".concord-node"),
    envvar="CONCORD_NODE_DIR",
    show_default=True,
    help="The node's data folder (env CONCORD_NODE_DIR).",
)


def _fail(message: str) -> None:
    click.echo(f"concord node: {message}", err=True)
    sys.exit(1)


@click.group()
def node() -> None:
    """Run a partner's vault node (federated mode)."""


@node.command("init")
@folder_option
@click.option("--partner", "partner_slug", required=True, help="The partner's slug at the hub.")
@click.option(
    "--public-url",
    required=True,
    help="The node's URL as the hub and stakeholders reach it (https:// in production).",
)
@click.option("--name", required=True, help="The organisation's name, as stakeholders see it.")
@click.option("--country", required=True, help="Two-letter ISO code, for phone numbers.")
@click.option("--timezone", default="UTC", show_default=True, help="Such as Europe/Berlin.")
def init(
    folder: Path, partner_slug: str, public_url: str, name: str, country: str, timezone: str
) -> None:
    """Create the node's folder, databases and keys; print the fingerprints to compare."""
    from concord.node_site import register_partner
    from concord.partners.services import validate_partner
    from consent.node.serving import open_node_vault

    if errors := validate_partner(partner_slug, name, country, timezone):
        _fail("; ".join(f"{field}: {message}" for field, message in errors.items()))
    try:
        prints = enrolment.init_node(folder, partner=partner_slug, public_url=public_url)
    except enrolment.EnrolmentError as error:
        _fail(str(error))
    open_node_vault(folder).dispose()
    register_partner(folder, name=name, country=country, timezone=timezone)
    click.echo(f"Node for {partner_slug} created in {folder}.")
    click.echo(f"Signing key (give it to the secretariat): {prints.signing}")
    click.echo(f"Sealing key:                              {prints.sealing}")
    click.echo("Compare both with the secretariat out of band, then run `concord node trust-hub`.")


@node.command("trust-hub")
@folder_option
@click.argument("hub_key")
def trust_hub(folder: Path, hub_key: str) -> None:
    """Pin the hub's signing key (compare it with the secretariat out of band first)."""
    try:
        enrolment.trust_hub(folder, hub_key)
    except (BadKey, enrolment.EnrolmentError) as error:
        _fail(str(error))
    click.echo(f"This node now answers the hub with key {hub_key.strip()}.")


@node.command("revoke-hub")
@folder_option
def revoke_hub(folder: Path) -> None:
    """Stop answering the hub at once."""
    try:
        enrolment.revoke_hub(folder)
    except enrolment.EnrolmentError as error:
        _fail(str(error))
    click.echo("This node answers no hub now.")


@node.command("keys")
@folder_option
def keys(folder: Path) -> None:
    """Print the node's public keys and the hub key it trusts."""
    try:
        config = enrolment.read_config(folder)
    except enrolment.EnrolmentError as error:
        _fail(str(error))
    prints = enrolment.fingerprints(folder)
    click.echo(f"partner:     {config.partner}")
    click.echo(f"signing key: {prints.signing}")
    click.echo(f"sealing key: {prints.sealing}")
    click.echo(f"hub key:     {config.hub_key or '(none trusted)'}")


@node.command("rotate-key")
@folder_option
def rotate_key(folder: Path) -> None:
    """Make a new partnership key here; the hub relays it, sealed, to every other node."""
    enrolment.read_config(folder)
    key = partnership_key.generate(folder)
    click.echo(f"New partnership key {key.key_id}; the other nodes receive it sealed.")


@node.command("serve")
@folder_option
@click.option("--host", default="127.0.0.1", show_default=True, envvar="CONCORD_HOST")
@click.option("--port", default=8100, show_default=True, type=int, envvar="CONCORD_PORT")
def serve(folder: Path, host: str, port: int) -> None:
    """Serve the node API to the hub it trusts, the vault pages to the partner's staff and
    the stakeholder pages to its contacts."""
    import uvicorn

    from concord.node_site import node_site

    configure_logging(os.environ.get("CONCORD_LOG_LEVEL", "INFO"))
    try:
        site = node_site(folder)
    except enrolment.EnrolmentError as error:
        _fail(str(error))
    click.echo(f"Vault node serving at http://{host}:{port} (Ctrl-C stops it).", err=True)
    uvicorn.run(site, host=host, port=port, log_config=None, access_log=False)


@node.command("worker")
@folder_option
@click.option("--once", is_flag=True, help="Run each job once and exit.")
@click.option("--every", default=30, show_default=True, help="Seconds between runs.")
def worker(folder: Path, once: bool, every: int) -> None:
    """Run the node's own jobs: its outbox through its own SMTP server, and retention."""
    from consent.node.worker import run_jobs

    configure_logging(os.environ.get("CONCORD_LOG_LEVEL", "INFO"))
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while True:
        report = run_jobs(folder)
        click.echo(report, err=True)
        if once or stopping:
            return
        for _ in range(every):
            if stopping:
                return
            time.sleep(1)


@node.group("user")
def user() -> None:
    """Manage the node's staff accounts: the partner's people who work in its vault."""


@user.command("add")
@folder_option
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["partner_admin", "comms"]))
@click.option("--name", "display_name", default="", help="The person's name.")
@new_password_option
def user_add(folder: Path, email: str, role: str, display_name: str, password: str) -> None:
    """Create a staff account on this node, for its own partner."""
    from concord.errors import InvalidInput
    from concord.node_site import add_staff

    try:
        account_id = add_staff(
            folder, email=email, role=role, password=password, display_name=display_name
        )
    except enrolment.EnrolmentError as error:
        _fail(str(error))
    except InvalidInput as error:
        _fail("; ".join(f"{field}: {message}" for field, message in error.errors.items()))
    click.echo(f"Account {account_id} created on this node.")
