"""The job that keeps staff's list of stored dates outside their windows true."""

from __future__ import annotations

import logging

from concord import jobs
from concord.governance.background import DATED as GOVERNANCE_DATED
from concord.problems.dates import DatedField, check_stored_dates
from outreach.dated import DATED as OUTREACH_DATED

log = logging.getLogger("concord.problems")
DATED_FIELDS: list[DatedField] = GOVERNANCE_DATED + OUTREACH_DATED


def check_dates() -> None:
    """Note rows whose dates lie outside their windows, and clear those corrected since."""
    with jobs.current_hub().transaction() as session:
        noted, cleared = check_stored_dates(session, DATED_FIELDS)
    if noted or cleared:
        log.info("date check: %d rows newly noted, %d corrected", noted, cleared)


JOBS: list[tuple[str, str, int]] = [
    ("problems.check_dates", "concord.cli.stored_dates:check_dates", 3600)
]
