"""Background job of action items: remind owners before their items are due."""

from __future__ import annotations

import logging

from concord import jobs
from concord.governance.actions.services import send_reminders

log = logging.getLogger("concord.governance.actions")


def remind_owners() -> None:
    """Send each due reminder once (safe to run at any interval, or twice)."""
    hub = jobs.current_hub()
    with hub.transaction() as session:
        sent = send_reminders(session, hub.settings)
    if sent:
        log.info("action items: %d reminders written", sent)


JOBS: list[tuple[str, str, int]] = [
    ("governance.actions.remind", "concord.governance.actions.jobs:remind_owners", 3600),
]
