"""Background jobs of joint events: clear whatever a crash left behind in the hub."""

from __future__ import annotations

import logging

from concord import jobs
from outreach.events.lists import clear_leftovers

log = logging.getLogger("outreach.events")


def retention() -> None:
    cleared = clear_leftovers(jobs.current_hub())
    if cleared:
        log.info("event retention cleared %d list tokens", cleared)


JOBS: list[tuple[str, str, int]] = [
    ("events.retention", "outreach.events.jobs:retention", 3600),
]
