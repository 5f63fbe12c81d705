"""Shared fixtures: real databases (SQLite, and PostgreSQL when configured), a real app.

Set ``CONCORD_TEST_POSTGRES_URL`` (for example ``postgresql+psycopg://postgres@127.0.0.1:5433/postgres``)
to run every database test on PostgreSQL as well as on SQLite.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from concord.accounts.models import Role
from concord.accounts.users import add_user
from concord.app import create_app
from concord.hub import Hub
from concord.partners.services import add_partner
from concord.settings import Settings
from concord.vault_host import HubHost
from concord.vaults.recording import RecordedDirectory
from concord.vaults.serialising import SerialisingDirectory
from consent.db import Vaults
from consent.host import Host
from consent.in_process import InProcessDirectory
from consent.public import VaultDirectory
from consent.setup import prepare_vault
from tests.nodes import Launcher, NodeFarm

POSTGRES_URL = os.environ.get("CONCORD_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
PASSWORD = "correct horse battery staple"
SECRET = "test-secret-key-" + "x" * 32

PARTNER_A = "alpha"
PARTNER_B = "bravo"
# How the hub reaches a vault: a function call, every call and answer through the wire codec,
# or signed HTTP to real node processes. Tests marked ``crosses_boundary`` run once with each.
ADAPTERS = ["in_process", "serialising", "http"]
_farm: NodeFarm | None = None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        metafunc.definition.get_closest_marker("crosses_boundary")
        and "vault_adapter" in metafunc.fixturenames
    ):
        metafunc.parametrize("vault_adapter", ADAPTERS, indirect=True)


@pytest.fixture
def vault_adapter(request: pytest.FixtureRequest) -> str:
    adapter = str(getattr(request, "param", "in_process"))
    if adapter == "http":
        request.getfixturevalue("node_farm")
    return adapter


@pytest.fixture(scope="session")
def node_launcher() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.close()


@pytest.fixture
def node_farm(node_launcher: Launcher, tmp_path: Path) -> Iterator[NodeFarm]:
    """The node processes of a test run over HTTP, started as the test first calls them."""
    global _farm
    _farm = NodeFarm(node_launcher, tmp_path / "nodes")
    yield _farm
    _farm.close()
    _farm = None


def vault_ports(hub: Hub, vaults: Vaults, settings: Settings, adapter: str) -> VaultDirectory:
    """The hub's way to the vaults through ``adapter``; ``settings`` are the vaults' own."""
    inner: VaultDirectory = InProcessDirectory(vaults, settings)
    if adapter == "serialising":
        inner = SerialisingDirectory(inner)
    if adapter == "http":
        assert _farm is not None, "the http adapter needs the node_farm fixture"
        inner = _farm.directory(settings)
    return RecordedDirectory(inner, hub)


def cheap_settings(data_dir: Path, **changes: object) -> Settings:
    """Settings for tests: argon2 at its cheapest, everything else as in production."""
    base = Settings(
        data_dir=data_dir,
        secret_key=SECRET,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        public_url="https://testserver.local",
    )
    return base.with_changes(**changes)


def _drop_postgres_databases(prefix: str) -> None:
    assert POSTGRES_URL
    admin = create_engine(
        make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": prefix + "%"}
        ).scalars()
        for name in list(names):
            if re.fullmatch(r"[a-z0-9_]+", name):
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Fresh, empty databases for one test, on each configured backend."""
    if request.param == "sqlite":
        yield cheap_settings(tmp_path / "data")
        return
    assert POSTGRES_URL
    prefix = f"t{uuid.uuid4().hex[:12]}_"
    url = make_url(POSTGRES_URL)
    hub_url = url.set(database=prefix + "hub").render_as_string(hide_password=False)
    template = url.set(database=prefix + "vault_{partner}").render_as_string(hide_password=False)
    template = template.replace("%7Bpartner%7D", "{partner}")
    yield cheap_settings(tmp_path / "data", hub_url=hub_url, vault_url_template=template)
    _drop_postgres_databases(prefix)


@dataclass
class World:
    """A small partnership: two partners, staff in each role, the secretariat."""

    settings: Settings
    hub: Hub
    vaults: Vaults
    users: dict[str, int]
    adapter: str = "in_process"

    def open_vault(self, slug: str) -> None:
        prepare_vault(self.vaults, slug)

    def ports(self, settings: Settings | None = None) -> VaultDirectory:
        """The hub's way to the vaults through the adapter under test; ``settings`` (default:
        the world's) are the vaults' own, such as their mail server."""
        return vault_ports(self.hub, self.vaults, settings or self.settings, self.adapter)

    @property
    def directory(self) -> VaultDirectory:
        return self.ports()

    @property
    def host(self) -> Host:
        """What the vaults are told about the partnership, as the app tells them."""
        return HubHost(self.hub, self.settings)

    def job_services(self, settings: Settings | None = None) -> dict[str, object]:
        """What ``jobs.bind`` hands the background jobs, as the worker does."""
        return {
            "vaults": self.vaults,
            "vault_directory": self.ports(settings),
            "vault_host": HubHost(self.hub, settings or self.settings),
        }


# Who is who in the ownership tests: (fixture key, email, role, partner)
PEOPLE: list[tuple[str, str, Role, str | None]] = [
    ("comms_a", "comms@alpha.example", Role.COMMS, PARTNER_A),
    ("admin_a", "admin@alpha.example", Role.PARTNER_ADMIN, PARTNER_A),
    ("signatory_a", "signatory@alpha.example", Role.SIGNATORY, PARTNER_A),
    ("comms_b", "comms@bravo.example", Role.COMMS, PARTNER_B),
    ("admin_b", "admin@bravo.example", Role.PARTNER_ADMIN, PARTNER_B),
    ("secretariat", "secretariat@partnership.example", Role.SECRETARIAT, None),
]
EMAILS = {key: email for key, email, _, _ in PEOPLE}


@pytest.fixture
def world(settings: Settings, vault_adapter: str) -> Iterator[World]:
    hub = Hub(settings)
    hub.migrate()
    vaults = Vaults(settings)
    users: dict[str, int] = {}
    with hub.transaction() as session:
        for slug, name, country, tz in (
            (PARTNER_A, "Alpha Standards Body", "DE", "Europe/Berlin"),
            (PARTNER_B, "Bravo Norms Office", "FR", "Europe/Paris"),
        ):
            add_partner(session, slug=slug, name=name, country=country, timezone=tz, actor="test")
        for key, email, role, partner in PEOPLE:
            user = add_user(
                session,
                hub.password_hasher,
                email=email,
                role=role.value,
                password=PASSWORD,
                partner_slug=partner,
                display_name=key.replace("_", " ").title(),
                actor="test",
            )
            users[key] = user.id
    built = World(settings, hub, vaults, users, vault_adapter)
    for slug in (PARTNER_A, PARTNER_B):
        built.open_vault(slug)
    yield built
    vaults.dispose()
    hub.dispose()


@pytest.fixture
def app(world: World) -> Litestar:
    return create_app(world.settings, hub=world.hub, vaults=world.vaults, directory=world.directory)


def new_client(app: Litestar) -> TestClient[Litestar]:
    return TestClient(app, base_url="https://testserver.local")


def csrf_token(client: TestClient[Litestar]) -> str:
    """The CSRF token a browser would have, fetching a page first if needed."""
    token = client.cookies.get("concord_csrf")
    if not token:
        client.get("/login")
        token = client.cookies.get("concord_csrf")
    assert token
    return token


def post_form(client: TestClient[Litestar], path: str, form: dict[str, str], **kwargs: object):  # type: ignore[no-untyped-def]
    return client.post(path, data={**form, "_csrf_token": csrf_token(client)}, **kwargs)  # type: ignore[arg-type]


def sign_in(client: TestClient[Litestar], key: str, password: str = PASSWORD) -> None:
    response = post_form(
        client, "/login", {"email": EMAILS[key], "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def anonymous(app: Litestar) -> TestClient[Litestar]:
    # Clients are not entered as context managers: several share one app, and the app's
    # lifespan (which disposes the engines) belongs to the world fixture here.
    return new_client(app)


@pytest.fixture
def as_user(app: Litestar) -> Callable[[str], TestClient[Litestar]]:
    """A factory of signed-in clients: ``as_user("comms_a")``."""

    def make(key: str) -> TestClient[Litestar]:
        client = new_client(app)
        sign_in(client, key)
        return client

    return make


@dataclass
class DemoServer:
    """``concord demo`` running in a subprocess on a free loopback port."""

    url: str
    data_dir: Path
    password: str
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(
    process: subprocess.Popen[bytes], url: str, log: Path, *, seconds: float
) -> None:
    """Wait until a started demo answers its sign-in page; fail with its log if it dies."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError("the demo exited early:\n" + log.read_text())
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the demo did not serve in time:\n" + log.read_text())
        time.sleep(0.3)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo exactly as an operator starts it, with a known password."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    port = free_port()
    password = "demo password for tests"
    log = data_dir.parent / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")} | {
        "CONCORD_DEMO_PASSWORD": password,
        "CONCORD_ARGON2_MEMORY_KIB": "8",
        "CONCORD_ARGON2_TIME_COST": "1",
        "CONCORD_ARGON2_PARALLELISM": "1",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "concord.cli",
                "demo",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log, seconds=180)
        yield DemoServer(url, data_dir, password, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


from tests.mailserver import mail_server  # noqa: E402, F401  (the loopback SMTP server fixture)
