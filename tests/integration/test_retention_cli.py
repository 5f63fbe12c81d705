"""``concord retention``, run as an operator would."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import SECRET, run


def test_retention_counts_and_runs_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"CONCORD_SECRET_KEY": SECRET}
    assert run("init", data_dir=data).returncode == 0
    added = run(
        "partner", "add", "northmere", "--name", "Northmere", "--country", "GB", data_dir=data
    )
    assert added.returncode == 0, added.stderr
    preview = run("retention", "--dry-run", env=env, data_dir=data)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.strip() == (
        "northmere: would anonymise 0 (past retention 0, inactive 0); "
        "kept: restricted 0, open request 0"
    )
    done = run("retention", "--partner", "northmere", env=env, data_dir=data)
    assert done.stdout.startswith("northmere: anonymised 0")
    unknown = run("retention", "--partner", "nobody", env=env, data_dir=data)
    assert unknown.returncode == 2 and "no partner nobody" in unknown.stderr
    verified = run("audit", "verify", data_dir=data)
    assert verified.returncode == 0
