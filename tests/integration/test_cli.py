"""The ``concord`` command, run as an operator would, in a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

CONCORD = [sys.executable, "-m", "concord.cli"]
SECRET = "a-real-secret-for-the-cli-tests-" + "y" * 16


def run(
    *args: str, env: dict[str, str] | None = None, data_dir: Path
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")} | {
        "CONCORD_DATA_DIR": str(data_dir),
        "CONCORD_ARGON2_MEMORY_KIB": "8",
        "CONCORD_ARGON2_TIME_COST": "1",
        "CONCORD_ARGON2_PARALLELISM": "1",
    }
    full_env |= env or {}
    return subprocess.run(
        [*CONCORD, *args], env=full_env, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in (
        [],
        ["init"],
        ["migrate"],
        ["serve"],
        ["worker"],
        ["demo"],
        ["partner", "add"],
        ["user", "add"],
        ["audit", "verify"],
        ["import"],
        ["match"],
    ):
        result = run(*command, "--help", data_dir=tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert "Usage:" in result.stdout
        if command:
            assert "--data-dir" in result.stdout or command in (["partner"], ["user"])


def test_operator_sets_up_a_partnership(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("init", data_dir=data).returncode == 0
    added = run(
        "partner",
        "add",
        "acme",
        "--name",
        "Acme Norms",
        "--country",
        "de",
        "--timezone",
        "Europe/Berlin",
        data_dir=data,
    )
    assert added.returncode == 0, added.stderr
    assert (data / "vaults" / "acme.sqlite3").exists()
    user = run(
        "user",
        "add",
        "Comms@Acme.example",
        "--role",
        "comms",
        "--partner",
        "acme",
        env={"CONCORD_NEW_USER_PASSWORD": "long enough password"},
        data_dir=data,
    )
    assert user.returncode == 0, user.stderr
    bad_role = run(
        "user",
        "add",
        "x@acme.example",
        "--role",
        "boss",
        "--partner",
        "acme",
        env={"CONCORD_NEW_USER_PASSWORD": "long enough password"},
        data_dir=data,
    )
    assert bad_role.returncode == 2
    assert "Unknown role" in bad_role.stderr
    duplicate = run("partner", "add", "acme", "--name", "Again", "--country", "DE", data_dir=data)
    assert duplicate.returncode == 2
    assert "exists already" in duplicate.stderr
    assert run("migrate", data_dir=data).returncode == 0
    verified = run("audit", "verify", data_dir=data)
    assert verified.returncode == 0
    assert "intact" in verified.stdout


def test_audit_verify_names_the_row_edited_by_hand(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("init", data_dir=data)
    for slug in ("one", "two", "three"):
        run("partner", "add", slug, "--name", slug.title(), "--country", "FR", data_dir=data)
    with sqlite3.connect(data / "hub.sqlite3") as db:
        db.execute("UPDATE audit_entries SET object_ref = 'partner:forged' WHERE seq = 2")
    result = run("audit", "verify", data_dir=data)
    assert result.returncode == 1
    assert "the hub's audit chain is broken at entry 2" in result.stderr


def test_audit_verify_checks_every_vaults_own_chain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("init", data_dir=data)
    for slug in ("one", "two"):
        run("partner", "add", slug, "--name", slug.title(), "--country", "FR", data_dir=data)
    assert run("migrate", data_dir=data).returncode == 0
    for slug in ("one", "two"):
        with sqlite3.connect(data / "vaults" / f"{slug}.sqlite3") as db:
            for seq, prev in ((1, "0" * 64), (2, "x" * 64)):
                db.execute(
                    "INSERT INTO vault_audit_entries VALUES (?, ?, 'test', 'thing', 'x', '', ?, ?)",
                    (seq, "2026-12-06 10:00:00.000000", prev, f"{slug}{seq}".ljust(64, "0")),
                )
    result = run("audit", "verify", data_dir=data)
    assert result.returncode == 1
    assert "the audit chain of one's vault is broken at entry 1" in result.stderr
    assert "the audit chain of two's vault is broken at entry 1" in result.stderr
    assert "2 audit chain(s) broken" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["serve"], {"CONCORD_PORT": "eighty"}, "CONCORD_PORT must be a whole number"),
        (["serve"], {}, "CONCORD_SECRET_KEY"),
        (["worker"], {}, "CONCORD_SECRET_KEY"),
        (["serve", "--port", "abc"], {"CONCORD_SECRET_KEY": SECRET}, "abc"),
    ],
)
def test_bad_settings_stop_start_up_with_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    result = run(*args, env=env, data_dir=tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert any(needle in line for line in lines)
    if "configuration error" in result.stderr:
        assert len(lines) == 1


def test_unknown_role_is_refused_at_the_command_line(tmp_path: Path) -> None:
    run("init", data_dir=tmp_path)
    result = run(
        "user",
        "add",
        "sec@x.example",
        "--role",
        "wizard",
        env={"CONCORD_NEW_USER_PASSWORD": "long enough password"},
        data_dir=tmp_path,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="CONCORD_TEST_POSTGRES_URL is not set")
def test_serve_refuses_an_unmigrated_postgres_hub(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    env = {
        "CONCORD_SECRET_KEY": SECRET,
        "CONCORD_HUB_URL": url.set(database="cli_unmigrated_hub").render_as_string(
            hide_password=False
        ),
        "CONCORD_VAULT_URL_TEMPLATE": url.set(database="cli_unmigrated_vault_x")
        .render_as_string(hide_password=False)
        .replace("_x", "_{partner}"),
    }
    result = run("serve", env=env, data_dir=tmp_path)
    assert result.returncode == 2
    assert "concord migrate" in result.stderr
