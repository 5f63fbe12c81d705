"""``concord demo --federated``: the hub and four vault nodes, each its own process.

The folder holds ``hub/`` (the hub's data: no contact, no vault, no matching key), one
``nodes/<partner>/`` per partner (its vault, its keys, its partnership key), the demo's
contact lists in ``lists/`` (what each partner imported into its own node), and one log per
process in ``logs/``. Nodes listen on the hub's port + 1 to + 4.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
from sqlalchemy import select

from concord.accounts.models import User
from concord.categories.services import ensure_shared_categories
from concord.cli.demo import (
    ACTOR,
    SECRETARIAT_EMAIL,
    _first_round,
    _plan_quarter,
    _seed_accounts,
    add_demo_partners,
    demo_settings,
)
from concord.cli.demo_governance import seed_demo_governance
from concord.cli.demo_rights import seed_demo_requests
from concord.cli.platform import DEMO_MARKER, Platform
from concord.demo.contacts import (
    DEMO_PARTNER_NAMES,
    DEMO_PARTNER_TIMEZONES,
    DEMO_PARTNERS,
    DEMO_PEOPLE,
    DEMO_SEED,
    generate,
    write_csvs,
)
from concord.hub import Hub
from concord.node_site import NODE_ROLES, open_staff, register_partner
from concord.partners.facts_relay import tell_nodes
from concord.partners.key_relay import share_partnership_key
from concord.partners.models import Partner
from concord.partners.nodes import enrol_node, hub_signing_pair
from concord.partners.services import by_slug
from concord.settings import Settings, load_settings
from concord.vault_host import HubHost
from consent.db import Vaults
from consent.importing.services import Importer
from consent.importing.terms import DEFAULT_PURPOSE, check_terms
from consent.node import enrolment
from consent.node.serving import node_settings, open_node_vault
from consent.purposes.models import LegalBasis

DEMO_SOURCE = "Demo list (fictional people)"


def hub_settings(folder: Path, port: int) -> Settings:
    base = load_settings(
        demo=True,
        require_secret=False,
        overrides={"data_dir": folder / "hub", "port": port, "federated": True},
    )
    return demo_settings(base)


def _node_url(port: int, number: int) -> str:
    return f"http://127.0.0.1:{port + number}"


def _set_up_nodes(folder: Path, port: int, hub_key: str) -> dict[str, Path]:
    nodes: dict[str, Path] = {}
    for number, partner in enumerate(DEMO_PARTNERS, start=1):
        node = folder / "nodes" / partner.slug
        if not (node / enrolment.CONFIG).exists():
            enrolment.init_node(node, partner=partner.slug, public_url=_node_url(port, number))
        enrolment.trust_hub(node, hub_key)
        nodes[partner.slug] = node
    return nodes


def _enrol(hub: Hub, nodes: dict[str, Path], port: int) -> None:
    with hub.transaction() as session:
        add_demo_partners(session)
        for number, partner in enumerate(DEMO_PARTNERS, start=1):
            key = enrolment.fingerprints(nodes[partner.slug]).signing
            row = by_slug(session, partner.slug)
            assert row is not None
            if row.node_key != key:
                enrol_node(session, partner.slug, url=_node_url(port, number), key=key, actor=ACTOR)
        ensure_shared_categories(session, actor=ACTOR)


def _seed_node_staff(hub: Hub, nodes: dict[str, Path]) -> None:
    """Each node's own staff accounts: the demo's comms and admin people of its partner, with
    the same password as at the hub (in production each partner admin adds its own)."""
    with hub.transaction() as session:
        people = [
            (u.partner.slug, u.email, u.display_name, u.role, u.password_hash)
            for u in session.scalars(select(User))
            if u.partner is not None and u.role.value in NODE_ROLES
        ]
    for slug, node in nodes.items():
        register_partner(
            node,
            name=DEMO_PARTNER_NAMES[slug],
            country=next(p.country for p in DEMO_PARTNERS if p.slug == slug),
            timezone=DEMO_PARTNER_TIMEZONES[slug],
        )
        staff = open_staff(node)
        try:
            with staff.transaction() as session:
                partner = by_slug(session, slug)
                held = set(session.scalars(select(User.email)))
                for owner, email, name, role, password_hash in people:
                    if owner == slug and email not in held:
                        session.add(
                            User(
                                email=email,
                                display_name=name,
                                role=role,
                                partner=partner,
                                password_hash=password_hash,
                            )
                        )
        finally:
            staff.dispose()


def _import_lists(hub: Hub, nodes: dict[str, Path], lists: Path) -> None:
    """Each partner imports its own list into its own node (as its admin would)."""
    if not (lists / "ground_truth.json").exists():
        write_csvs(generate(DEMO_PARTNERS, people=DEMO_PEOPLE, seed=DEMO_SEED), lists)
    for slug, node in nodes.items():
        vaults = open_node_vault(node)
        try:
            settings = node_settings(node)
            host = HubHost(hub, settings)
            importer = Importer.for_partner(vaults, host, slug)
            with vaults.transaction(slug) as session:
                terms, _ = check_terms(
                    session,
                    lawful_basis=LegalBasis.LEGITIMATE_INTEREST.value,
                    source=DEMO_SOURCE,
                    purpose_code=DEFAULT_PURPOSE,
                )
            importer.import_once(lists / f"{slug}.csv", terms=terms, operator=ACTOR)
            seed_demo_requests(Platform(settings, hub, vaults), [slug])
        finally:
            vaults.dispose()


@contextlib.contextmanager
def _node_processes(folder: Path, nodes: dict[str, Path], port: int) -> Iterator[None]:
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CONCORD_NODE_DIR": "",
        "CONCORD_LOG_LEVEL": "INFO",
        "CONCORD_HUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("CONCORD_DATA_DIR", None)
    started: list[subprocess.Popen[bytes]] = []
    try:
        for number, (slug, node) in enumerate(nodes.items(), start=1):
            for role, extra in (
                ("node", ["serve", "--port", str(port + number)]),
                ("worker", ["worker"]),
            ):
                log = (logs / f"{slug}-{role}.log").open("ab")
                started.append(
                    subprocess.Popen(  # noqa: S603 (our own interpreter and command)
                        [
                            sys.executable,
                            "-m",
                            "concord.cli",
                            "node",
                            *extra,
                            "--folder",
                            str(node),
                        ],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=env,
                    )
                )
        for number in range(1, len(nodes) + 1):
            _wait_for(_node_url(port, number))
        click.echo(f"{len(nodes)} vault nodes are up, each with its staff's vault pages:", err=True)
        for number, slug in enumerate(nodes, start=1):
            click.echo(f"  {slug:<12} {_node_url(port, number)}", err=True)
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


def _wait_for(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/node/v1/identity", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise click.ClickException(f"the node at {url} did not start; see its log")


def run_federated_demo(folder: Path, port: int, *, serve: bool) -> None:
    """Create (once) and run the federated demo."""
    from concord.cli.serving import run_server

    settings = hub_settings(folder, port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / DEMO_MARKER).write_text(
        "This data folder holds a federated Concord demo's hub: no contact and no key.\n"
    )
    hub = Hub(settings)
    vaults = Vaults(settings)  # never opened: a federated hub has no vault
    platform = Platform(settings, hub, vaults)
    try:
        hub.migrate()
        hub_key = hub_signing_pair(settings).public_text
        nodes = _set_up_nodes(folder, port, hub_key)
        _enrol(hub, nodes, port)
        _import_lists(hub, nodes, folder / "lists")
        _seed_accounts(platform)
        _seed_node_staff(hub, nodes)
        with _node_processes(folder, nodes, port):
            with hub.transaction() as session:
                slugs = list(session.scalars(select(Partner.slug).order_by(Partner.slug)))
            share_partnership_key(platform.directory, slugs)
            _first_round(platform)
            _plan_quarter(platform)
            seed_demo_governance(platform, SECRETARIAT_EMAIL)
            tell_nodes(hub, platform.directory, slugs)
            click.echo(f"Hub key: {hub_key}", err=True)
            if serve:
                run_server(platform, with_scheduler=True)
    finally:
        vaults.dispose()
        hub.dispose()
