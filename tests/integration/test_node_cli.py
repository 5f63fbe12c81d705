"""A partner admin sets up a node from the command line, adds the organisation's staff on it,
and they sign in to their vault pages on the node's own server; bad input is refused, in
words, with nothing half made."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DemoServer, free_port, wait_until_serving
from tests.integration.test_demo import _sign_in

PASSWORD = "a long enough node password"


FAST_HASHES = {
    "CONCORD_ARGON2_MEMORY_KIB": "8",
    "CONCORD_ARGON2_TIME_COST": "1",
    "CONCORD_ARGON2_PARALLELISM": "1",
}


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")} | FAST_HASHES


def node(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "concord.cli", "node", *args],
        env=_clean_env() | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _init(folder: Path, port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return node(
        "init",
        "--folder",
        str(folder),
        "--partner",
        "riverside",
        "--public-url",
        f"http://127.0.0.1:{port}",
        *extra,
    )


@pytest.fixture
def serving_node(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder, port = tmp_path / "node", free_port()
    made = _init(folder, port, "--name", "Riverside Standards", "--country", "NL")
    assert made.returncode == 0, made.stderr
    added = node(
        "user",
        "add",
        "admin@riverside.example",
        "--role",
        "partner_admin",
        "--folder",
        str(folder),
        env={"CONCORD_NEW_USER_PASSWORD": PASSWORD},
    )
    assert added.returncode == 0, added.stderr
    log = tmp_path / "node.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "concord.cli",
                "node",
                "serve",
                "--folder",
                str(folder),
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log, seconds=60)
        yield url, folder
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_node_staff_sign_in_to_their_vault_on_the_node(serving_node: tuple[str, Path]) -> None:
    url, folder = serving_node
    server = DemoServer(url, folder, PASSWORD, folder / "node.log")
    assert _sign_in(server, "admin@riverside.example", "not the password").status_code != 303
    signed_in = _sign_in(server, "admin@riverside.example", PASSWORD)
    assert signed_in.status_code == 303
    cookie = next(
        value.split(";")[0]
        for key, value in signed_in.headers.multi_items()
        if key == "set-cookie" and value.startswith("concord_session=")
    )
    with httpx.Client(base_url=url, headers={"cookie": cookie}) as client:
        dashboard = client.get("/dashboard")
        assert dashboard.status_code == 200
        assert "Riverside Standards" in dashboard.text
        for path in ("contacts", "imports", "vault", "requests", "purposes", "retention"):
            assert client.get(f"/partners/riverside/{path}").status_code == 200, path
        assert client.get("/calendar").status_code == 404
    assert httpx.get(f"{url}/partners/riverside/contacts").status_code in (302, 303, 401)


def test_init_refuses_bad_partner_details_and_makes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "node"
    for extra, word in (
        (("--name", "Riverside", "--country", "XX"), "country"),
        (("--name", " ", "--country", "NL"), "name"),
        (("--name", "Riverside", "--country", "NL", "--timezone", "Mars/Base"), "timezone"),
        (("--name", "x" * 20_000, "--country", "NL"), "name"),
        (("--name", "Riverside", "--country", "NL", "--timezone", "0001-01-01"), "timezone"),
    ):
        refused = _init(folder, 9, *extra)
        assert refused.returncode != 0
        assert word in refused.stderr
        assert "Traceback" not in refused.stderr
        assert not folder.exists()


def test_node_user_add_refuses_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "node"
    assert _init(folder, 9, "--name", "Riverside", "--country", "NL").returncode == 0

    def add(email: str, role: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        return node(
            "user", "add", email, "--role", role, "--folder", str(folder),
            env={"CONCORD_NEW_USER_PASSWORD": password},
        )  # fmt: skip

    for refused, word in (
        (add("not-an-address", "comms"), "email"),
        (add("someone@riverside.example", "secretariat"), "role"),
        (add("someone@riverside.example", "comms", "short"), "password"),
        (add("x" * 20_000 + "@riverside.example", "comms"), "email"),
    ):
        assert refused.returncode != 0
        assert word in refused.stderr.lower()
        assert "Traceback" not in refused.stderr
    first = add("someone@riverside.example", "comms")
    assert first.returncode == 0, first.stderr
    twin = add("someone@riverside.example", "comms")
    assert twin.returncode != 0 and "exists" in twin.stderr


def test_a_nodes_rsvp_links_point_at_the_hub(tmp_path: Path) -> None:
    from concord.settings import SettingsError
    from consent.node.serving import node_settings

    folder = tmp_path / "node"
    assert _init(folder, 9, "--name", "Riverside", "--country", "NL").returncode == 0
    hub = {"CONCORD_HUB_PUBLIC_URL": "https://hub.example.org/"}
    assert node_settings(folder, hub).rsvp_url_base == "https://hub.example.org"
    assert node_settings(folder, {}).rsvp_url_base == "http://127.0.0.1:9"
    with pytest.raises(SettingsError):
        node_settings(folder, {"CONCORD_HUB_PUBLIC_URL": "javascript:alert(1)"})


def test_init_refuses_a_public_url_that_is_not_an_address(tmp_path: Path) -> None:
    folder = tmp_path / "node"
    for url in (
        "vault.example.org",
        "http://a\x01b",
        "javascript:alert(1)",
        "https://" + "a" * 400,
    ):
        refused = node(
            "init", "--folder", str(folder), "--partner", "riverside", "--public-url", url,
            "--name", "Riverside", "--country", "NL",
        )  # fmt: skip
        assert refused.returncode != 0 and "public URL" in refused.stderr
        assert not folder.exists()
