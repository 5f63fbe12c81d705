"""Background job of meetings: keep every series materialised twelve months ahead."""

from __future__ import annotations

import logging

from concord import jobs
from concord.governance.meetings.services import materialise_all

log = logging.getLogger("concord.governance.meetings")


def materialise_series() -> None:
    """Add the occurrences that came within the horizon since the last run (idempotent)."""
    with jobs.current_hub().transaction() as session:
        added = materialise_all(session)
    if added:
        log.info("meetings: %d occurrences materialised", added)


JOBS: list[tuple[str, str, int]] = [
    (
        "governance.meetings.materialise",
        "concord.governance.meetings.jobs:materialise_series",
        86400,
    ),
]
