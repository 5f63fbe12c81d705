"""Background jobs of review rounds: remind partners before the deadline, close rounds after."""

from __future__ import annotations

import logging

from concord import jobs
from concord.governance.reviews.services import close_due_rounds, send_reminders

log = logging.getLogger("concord.governance.reviews")


def remind_and_close() -> None:
    """Write due reminders, then close rounds past their deadline (each step at most once)."""
    hub = jobs.current_hub()
    with hub.transaction() as session:
        reminded = send_reminders(session, hub.settings)
        closed = close_due_rounds(session)
    if reminded or closed:
        log.info("review rounds: %d partners reminded, %d rounds closed", reminded, closed)


JOBS: list[tuple[str, str, int]] = [
    ("governance.reviews.deadlines", "concord.governance.reviews.jobs:remind_and_close", 3600),
]
