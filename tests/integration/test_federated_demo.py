"""``concord demo --federated``: the hub and four node processes, as a new user starts it.

A matching round over HTTP to the four nodes gives the ground truth's exact figures, and
neither the hub's folder nor its log holds any demo contact's address or phone number; each
node's vault holds only its own partner's list.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from concord.demo.contacts import DEMO_PARTNERS
from consent.overlap.blinding import to_group
from tests.conftest import DemoServer, free_port, wait_until_serving
from tests.integration.test_demo import _sign_in

PASSWORD = "demo password for tests"

SLUGS = {partner.slug for partner in DEMO_PARTNERS}


@dataclass
class FederatedDemo:
    url: str
    folder: Path
    log: Path
    env: dict[str, str]
    pid: int


@pytest.fixture(scope="module")
def federated_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FederatedDemo]:
    folder = tmp_path_factory.mktemp("federated") / "demo"
    port = free_port()
    log = folder.parent / "demo.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")} | {
        "CONCORD_DEMO_PASSWORD": PASSWORD,
        "CONCORD_ARGON2_MEMORY_KIB": "8",
        "CONCORD_ARGON2_TIME_COST": "1",
        "CONCORD_ARGON2_PARALLELISM": "1",
    }
    command = [sys.executable, "-m", "concord.cli", "demo", "--federated"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--data-dir", str(folder), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, url, log, seconds=600)
        yield FederatedDemo(url, folder, log, env, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _people(lists: Path) -> dict[str, set[str]]:
    """Each partner's addresses and phone numbers, as its list gave them."""
    found: dict[str, set[str]] = {}
    for path in lists.glob("*.csv"):
        if path.stem not in SLUGS:
            continue
        with path.open(newline="", encoding="utf-8-sig") as file:
            delimiter = ";" if ";" in file.readline() else ","
            file.seek(0)
            found[path.stem] = {
                value.strip().lower()
                for row in csv.DictReader(file, delimiter=delimiter)
                for value in (row.get("email") or "", row.get("phone") or "")
                if value and len(value.strip()) > 6
            }
    return found


def _contents(folder: Path) -> bytes:
    return b"\n".join(path.read_bytes() for path in folder.rglob("*") if path.is_file()).lower()


def test_a_round_over_four_nodes_gives_the_ground_truth(federated_demo: FederatedDemo) -> None:
    env = federated_demo.env | {"CONCORD_FEDERATED": "1"}
    hub = federated_demo.folder / "hub"
    for _ in range(5):  # the demo's own worker may claim a queued round first
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "concord.cli",
                "match",
                "--exact",
                "--json",
                "--data-dir",
                str(hub),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode == 0:
            break
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    truth = json.loads((federated_demo.folder / "lists" / "ground_truth.json").read_text())
    for measure in ("partners", "totals", "pairwise", "subsets"):
        assert result[measure] == truth[measure]
    assert "blinding set" in done.stderr


def test_the_hub_holds_no_contact_and_no_key(federated_demo: FederatedDemo) -> None:
    people = _people(federated_demo.folder / "lists")
    everyone = set().union(*people.values())
    assert len(everyone) > 500
    hub = _contents(federated_demo.folder / "hub") + federated_demo.log.read_bytes().lower()
    assert [value for value in everyone if value.encode() in hub] == []
    assert not list((federated_demo.folder / "hub").rglob("*partnership*"))
    assert not list((federated_demo.folder / "hub").rglob("vaults"))
    # A node holds only its own partner's list. Phone numbers and personal mail addresses
    # (dots in a Gmail name) are written differently in each list, so organisations'
    # addresses are compared.
    for slug, own in people.items():
        vault = _contents(federated_demo.folder / "nodes" / slug / "vaults")
        others = {
            v for s, vs in people.items() if s != slug for v in vs if v.endswith(".example")
        } - own
        assert [value for value in others if value.encode() in vault] == []
        assert any(value.encode() in vault for value in own)
        assert (federated_demo.folder / "nodes" / slug / "partnership.key").exists()


def test_staff_sign_in_at_the_hub_which_serves_no_vault_page(
    federated_demo: FederatedDemo,
) -> None:
    server = DemoServer(federated_demo.url, federated_demo.folder, PASSWORD, federated_demo.log)
    signed_in = _sign_in(server, "comms@northmere.example", PASSWORD)
    assert signed_in.status_code == 303
    session = next(
        value.split(";")[0]
        for key, value in signed_in.headers.multi_items()
        if key == "set-cookie" and value.startswith("concord_session=")
    )
    with httpx.Client(base_url=federated_demo.url, headers={"cookie": session}) as client:
        assert client.get("/dashboard").status_code == 200
        assert client.get("/matching/").status_code == 200
        assert client.get("/calendar").status_code == 200
        assert client.get("/partners/northmere/contacts").status_code == 404


def _session_cookie(response: httpx.Response) -> str:
    return next(
        value.split(";")[0]
        for key, value in response.headers.multi_items()
        if key == "set-cookie" and value.startswith("concord_session=")
    )


def test_a_partners_staff_work_in_its_vault_on_its_own_node(
    federated_demo: FederatedDemo,
) -> None:
    node = federated_demo.folder / "nodes" / "northmere"
    url = json.loads((node / "node.json").read_text())["public_url"]
    server = DemoServer(url, node, PASSWORD, federated_demo.log)
    assert _sign_in(server, "comms@alderbank.example", PASSWORD).status_code != 303
    signed_in = _sign_in(server, "comms@northmere.example", PASSWORD)
    assert signed_in.status_code == 303
    own = _people(federated_demo.folder / "lists")["northmere"]
    with httpx.Client(base_url=url, headers={"cookie": _session_cookie(signed_in)}) as client:
        contacts = client.get("/partners/northmere/contacts?per_page=500")
        assert contacts.status_code == 200
        assert any(value in contacts.text.lower() for value in own if "@" in value)
        assert client.get("/partners/northmere/imports").status_code == 200
        assert client.get("/partners/northmere/vault").status_code == 200
        # The hub told the node the partnership's shared categories, to map its own to.
        categories = client.get("/partners/northmere/categories")
        assert categories.status_code == 200
        assert "has not set up the shared categories" not in categories.text
        assert client.get("/partners/alderbank/contacts").status_code in (403, 404)
        # The partnership's pages live at the hub, not here.
        assert client.get("/calendar").status_code == 404
        assert client.get("/matching/").status_code == 404
    # The stakeholder pages answer on the node: an unknown link gets the link page.
    unknown = httpx.get(f"{url}/p/not-a-real-link-token-at-all")
    assert unknown.status_code in (404, 410)
    assert "link" in unknown.text.lower()
    # The node API still answers the hub alongside the pages.
    assert httpx.get(f"{url}/node/v1/identity").status_code == 200


def _identifiers(folder: Path) -> set[tuple[str, str]]:
    """Every normalised identifier the four nodes hold: the attacker's dictionary is the
    demo's own people, as exactly as the vaults store them."""
    found: set[tuple[str, str]] = set()
    for database in folder.glob("nodes/*/vaults/*.sqlite3"):
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            found.update(connection.execute("SELECT kind, value FROM identifiers"))
    return found


def _encodings(kind: str, value: str) -> list[bytes]:
    """What a careless hub might have stored of an identifier: the value, unkeyed hashes of
    it (hex, raw, base64), and its unblinded group element."""
    raw = value.encode()
    digests = [
        hashlib.sha256(raw).digest(),
        hashlib.sha512(raw).digest()[:32],
        to_group(kind, value),
    ]
    return [
        raw.lower(),
        *(d.hex().encode() for d in digests),
        *digests,
        *(base64.urlsafe_b64encode(d).rstrip(b"=") for d in digests),
        *(base64.b64encode(d).rstrip(b"=") for d in digests),
    ]


def test_a_dictionary_attack_on_the_hub_recovers_nothing(federated_demo: FederatedDemo) -> None:
    """After the demo's federated rounds: the hub's files (its database, with its round
    data), its log and its process environment hold no identifier, no unkeyed hash or group
    element of one, and no partnership key."""
    test_a_round_over_four_nodes_gives_the_ground_truth(federated_demo)
    identifiers = _identifiers(federated_demo.folder)
    assert len(identifiers) > 500
    environ = Path(f"/proc/{federated_demo.pid}/environ").read_bytes()
    files = [p for p in (federated_demo.folder / "hub").rglob("*") if p.is_file()]
    exact = b"\n".join([*(p.read_bytes() for p in files), federated_demo.log.read_bytes(), environ])
    folded = exact.lower()
    found = [
        (kind, value)
        for kind, value in identifiers
        for encoding in _encodings(kind, value)
        if encoding in exact or (encoding.isascii() and encoding.lower() in folded)
    ]
    assert found == []
    for key_file in federated_demo.folder.glob("nodes/*/partnership.key"):
        secret = json.loads(key_file.read_text())["secret"].encode()
        assert secret not in exact
        assert base64.urlsafe_b64decode(secret + b"=" * (-len(secret) % 4)) not in exact
