"""The demo's contact lists go in through the importer, once, matching the generator's truth."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from concord.demo.contacts import DEMO_PARTNERS


def _demo(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")} | {
        "CONCORD_DEMO_PASSWORD": "demo password for tests",
        "CONCORD_ARGON2_MEMORY_KIB": "8",
        "CONCORD_ARGON2_TIME_COST": "1",
        "CONCORD_ARGON2_PARALLELISM": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "concord.cli", "demo", "--no-serve", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_imports_each_list_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _demo(data_dir)
    assert first.returncode == 0, first.stderr
    truth = json.loads((data_dir / "demo" / "contacts" / "ground_truth.json").read_text())
    second = _demo(data_dir)
    assert second.returncode == 0, second.stderr
    assert "Imported the demo contacts" in first.stderr
    assert "Imported the demo contacts" not in second.stderr
    for partner in DEMO_PARTNERS:
        with sqlite3.connect(data_dir / "vaults" / f"{partner.slug}.sqlite3") as vault:
            contacts = vault.execute("SELECT count(*) FROM contacts").fetchone()[0]
            batches = vault.execute(
                "SELECT status, source, lawful_basis, rejected FROM import_batches"
            ).fetchall()
            events = vault.execute(
                "SELECT count(*) FROM consent_events WHERE method = 'import'"
            ).fetchone()[0]
        assert contacts == truth["totals"][partner.slug]
        assert batches == [
            (
                "done",
                "demo synthetic list",
                "legitimate_interest",
                truth["invalid_rows"][partner.slug],
            )
        ]
        assert events == contacts * 2  # email and post
