"""Background jobs of the calendar: refresh stale clash figures, delete ended periods' tokens."""

from __future__ import annotations

import logging
from typing import cast

from concord import jobs
from consent.public import VaultDirectory
from outreach.calendar.evaluation import reevaluate_stale
from outreach.calendar.items import clear_expired_audiences, retry_unreachable_audiences
from outreach.calendar.sending import send_due_items

log = logging.getLogger("outreach.calendar")


def refresh_clashes() -> None:
    vaults = cast(VaultDirectory, jobs.bound("vault_directory"))
    # Audiences a down node could not give are asked for again first (federated mode).
    reached = retry_unreachable_audiences(jobs.current_hub(), vaults)
    if reached:
        log.info("calendar: %d audiences read from nodes that are back", reached)
    done = reevaluate_stale(jobs.current_hub())
    if done:
        log.info("calendar: re-evaluated %d items", done)


def retention() -> None:
    vaults = cast(VaultDirectory, jobs.bound("vault_directory"))
    cleared = clear_expired_audiences(jobs.current_hub(), vaults=vaults)
    if cleared:
        log.info("calendar retention deleted the tokens of %d audiences", cleared)


def send_items() -> None:
    """Send the scheduled email items whose time has come (and finish any left half sent)."""
    vaults = cast(VaultDirectory, jobs.bound("vault_directory"))
    send_due_items(jobs.current_hub(), vaults)


JOBS: list[tuple[str, str, int]] = [
    ("calendar.refresh_clashes", "outreach.calendar.jobs:refresh_clashes", 30),
    ("calendar.retention", "outreach.calendar.jobs:retention", 3600),
    ("calendar.send_items", "outreach.calendar.jobs:send_items", 10),
]
