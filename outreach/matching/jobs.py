"""Background jobs of matching: run queued rounds, clear whatever a crash left behind."""

from __future__ import annotations

import logging

from concord import jobs
from consent.public import Vaults
from outreach.matching.rounds import clear_leftovers, queued_rounds, run_round

log = logging.getLogger("outreach.matching")


def run_queued_rounds() -> None:
    hub = jobs.current_hub()
    vaults = jobs.bound("vaults")
    assert isinstance(vaults, Vaults)
    for round_id in queued_rounds(hub):
        log.info("matching round %s starting", round_id)
        run_round(hub, vaults, round_id)
        log.info("matching round %s done", round_id)


def retention() -> None:
    cleared = clear_leftovers(jobs.current_hub())
    if cleared:
        log.info("matching retention cleared %d leftovers", cleared)


JOBS: list[tuple[str, str, int]] = [
    ("matching.run_queued", "outreach.matching.jobs:run_queued_rounds", 5),
    ("matching.retention", "outreach.matching.jobs:retention", 3600),
]
