"""Background jobs of matching: run queued rounds, clear whatever a crash left behind."""

from __future__ import annotations

import logging
from typing import cast

from concord import jobs
from concord.problems.rows import each_row
from consent.public import VaultDirectory
from outreach.matching.rounds import clear_leftovers, queued_rounds, run_round

log = logging.getLogger("outreach.matching")


def run_queued_rounds() -> None:
    hub = jobs.current_hub()
    vaults = cast(VaultDirectory, jobs.bound("vault_directory"))
    # A round that fails is marked failed by run_round; one that raises past it is noted for
    # staff, and the rounds queued after it still run.
    report = each_row(
        hub,
        "matching.run_queued",
        "matching round",
        queued_rounds(hub),
        lambda round_id: run_round(hub, vaults, round_id),
        ident=str,
    )
    if report.done:
        log.info("matching: %d rounds run", report.done)


def retention() -> None:
    cleared = clear_leftovers(jobs.current_hub())
    if cleared:
        log.info("matching retention cleared %d leftovers", cleared)


JOBS: list[tuple[str, str, int]] = [
    ("matching.run_queued", "outreach.matching.jobs:run_queued_rounds", 5),
    ("matching.retention", "outreach.matching.jobs:retention", 3600),
]
