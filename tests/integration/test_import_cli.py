"""``concord import`` run as an operator runs it, in a subprocess, against the test vaults."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from concord.demo.contacts import DemoPartner, generate, write_csvs
from consent.contacts.models import Contact, Identifier
from consent.importing.models import BatchStatus, ImportBatch
from consent.ledger.models import ConsentEvent
from tests.conftest import PARTNER_A, SECRET, World
from tests.integration.test_import import (
    MESSY,
    MESSY_COUNTS,
    MESSY_REJECTED_LINES,
    prepare_messy_vault,
    write,
)

CONCORD = [sys.executable, "-m", "concord.cli"]
BIG_FILE_PEOPLE = 40_000
BIG_FILE_INVALID = 3


def environment(world: World, **extra: str) -> dict[str, str]:
    settings = world.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")} | {
        "CONCORD_DATA_DIR": str(settings.data_dir),
        "CONCORD_SECRET_KEY": SECRET,
        "CONCORD_ARGON2_MEMORY_KIB": "8",
        "CONCORD_ARGON2_TIME_COST": "1",
        "CONCORD_ARGON2_PARALLELISM": "1",
    }
    if settings.hub_url and settings.vault_url_template:
        env["CONCORD_HUB_URL"] = settings.hub_url
        env["CONCORD_VAULT_URL_TEMPLATE"] = settings.vault_url_template
    return env | extra


def command(path: Path, *options: str, partner: str = PARTNER_A) -> list[str]:
    return [
        *CONCORD,
        "import",
        "--partner",
        partner,
        str(path),
        "--lawful-basis",
        "legitimate_interest",
        "--source",
        "stakeholder day 2026",
        *options,
    ]


def concord_import(
    world: World, path: Path, *options: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(path, *options),
        env=environment(world, **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def summary(stdout: str) -> dict[str, int]:
    found = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in MESSY_COUNTS:
            found[parts[0]] = int(parts[1].replace(",", ""))
    return found


def test_messy_file_from_the_command_line(world: World, tmp_path: Path) -> None:
    prepare_messy_vault(world)
    report = tmp_path / "rejected.csv"
    result = concord_import(world, write(tmp_path, MESSY), "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout) == MESSY_COUNTS
    assert "Importing" in result.stderr  # the progress bar, on stderr
    assert "Importing" not in result.stdout
    assert "Traceback" not in result.stderr
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["line", "reason"]
    assert [int(row[0]) for row in rows[1:]] == MESSY_REJECTED_LINES
    assert f"/partners/{PARTNER_A}/imports/" in result.stdout
    # No cell of the report can start a formula.
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_strict_refuses_the_whole_file_with_exit_code_2(world: World, tmp_path: Path) -> None:
    prepare_messy_vault(world)
    result = concord_import(world, write(tmp_path, MESSY), "--strict")
    assert result.returncode == 2, result.stderr
    assert "Nothing imported: 3 rows would be rejected" in result.stdout
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1  # Grace only


def test_clear_one_line_errors(world: World, tmp_path: Path) -> None:
    latin = write(tmp_path, "email,given_name\njerome@example.org,Jérôme\n".encode("latin-1"))
    cases = [
        (concord_import(world, tmp_path / "missing.csv"), "cannot be read"),
        (concord_import(world, latin), "not valid UTF-8 (line 2)"),
        (concord_import(world, latin, "--encoding", "klingon"), "unknown encoding"),
        (
            concord_import(
                world,
                write(tmp_path, b"x" * (1024 * 1024 + 1), "big.csv"),
                **{"CONCORD_IMPORT_MAX_MB": "1"},
            ),
            "more than the limit of 1.0 MB",
        ),
        (
            concord_import(world, write(tmp_path, b"name,notes\nAda,hi\n", "n.csv")),
            "email addresses or phone numbers",
        ),
        (
            concord_import(world, write(tmp_path, b"email\n", "empty.csv")),
            "no rows",
        ),
    ]
    for result, message in cases:
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert message in lines[0]
        assert lines[0].startswith("concord: ")
    unknown = subprocess.run(
        command(latin, partner="nobody"),
        env=environment(world),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert unknown.returncode == 1
    assert (
        unknown.stderr.strip()
        == "concord: there is no partner 'nobody' (see `concord partner list`)"
    )


def test_a_named_encoding_is_read(world: World, tmp_path: Path) -> None:
    latin = write(tmp_path, "email;given_name\njerome@example.org;Jérôme\n".encode("latin-1"))
    result = concord_import(world, latin, "--encoding", "latin-1")
    assert result.returncode == 0, result.stderr
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.scalars(select(Contact.given_name)).one() == "Jérôme"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough rows that an import takes a few seconds: time to kill it half-way."""
    generated = generate(
        [DemoPartner(PARTNER_A, "DE")],
        people=BIG_FILE_PEOPLE,
        seed=11,
        invalid_rows_per_partner=BIG_FILE_INVALID,
    )
    return write_csvs(generated, tmp_path_factory.mktemp("big"))[PARTNER_A]


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The fields after the command name, which is in parentheses: state, then ppid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _progress(world: World) -> tuple[str, int, int] | None:
    """The batch's status, committed line and added count, read without taking a lock.

    A vault transaction would take SQLite's write lock, and wait for it behind the import.
    """
    query = "SELECT status, committed_line, added FROM import_batches"
    if world.settings.vault_url_template is None:
        path = world.settings.data_dir / "vaults" / f"{PARTNER_A}.sqlite3"
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as vault:
            row = vault.execute(query).fetchone()
    else:
        with world.vaults.engine(PARTNER_A).connect() as connection:
            row = connection.execute(text(query)).first()
    return (str(row[0]), int(row[1]), int(row[2])) if row else None


def test_killed_mid_way_it_leaves_whole_chunks_and_a_rerun_completes(
    world: World, big_file: Path
) -> None:
    process = subprocess.Popen(
        command(big_file),
        env=environment(world),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            progress = _progress(world)
            if progress is not None and progress[1] > 0:
                break
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import never committed a chunk"
            time.sleep(0.02)
        workers = _children(process.pid)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    # Its worker processes notice and exit rather than wait forever for work.
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "worker processes outlived the killed import"
        time.sleep(0.05)

    status, committed_line, added = _progress(world) or ("", 0, 0)
    assert status == BatchStatus.RUNNING.value
    assert 0 < added < BIG_FILE_PEOPLE
    with world.vaults.transaction(PARTNER_A) as session:
        # Every committed chunk is whole: its contacts, their identifiers and ledger entries.
        assert session.scalar(select(func.count()).select_from(Contact)) == added
        events = session.scalar(select(func.count()).select_from(ConsentEvent))
        assert events == added * 2  # email and post, the default purpose's channels

    again = subprocess.run(
        command(big_file),
        env=environment(world),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "Continuing the unfinished import" in again.stderr
    with world.vaults.transaction(PARTNER_A) as session:
        batches = session.scalars(select(ImportBatch)).all()
        assert len(batches) == 1
        batch = batches[0]
        assert batch.status is BatchStatus.DONE
        assert batch.committed_line > committed_line
        assert (batch.added, batch.updated, batch.rejected, batch.suppressed) == (
            BIG_FILE_PEOPLE,
            0,
            BIG_FILE_INVALID,
            0,
        )
        assert batch.total_rows == BIG_FILE_PEOPLE + BIG_FILE_INVALID
        assert session.scalar(select(func.count()).select_from(Contact)) == BIG_FILE_PEOPLE
        values = session.scalars(select(Identifier.value)).all()
        assert len(values) == len(set(values)), "an identifier was imported twice"
        events = session.scalar(select(func.count()).select_from(ConsentEvent))
        assert events == BIG_FILE_PEOPLE * 2
