"""Every package's periodic jobs, gathered in one list for the worker and the demo server."""

from __future__ import annotations

from concord.cli.stored_dates import JOBS as PROBLEM_JOBS
from concord.governance.background import JOBS as GOVERNANCE_JOBS
from consent.outbox.jobs import JOBS as CONSENT_JOBS
from consent.retention.jobs import JOBS as RETENTION_JOBS
from outreach.calendar.jobs import JOBS as CALENDAR_JOBS
from outreach.events.jobs import JOBS as EVENT_JOBS
from outreach.matching.jobs import JOBS as OUTREACH_JOBS

# (job id, function reference, seconds between runs), added to the platform's own jobs.
PACKAGE_JOBS: list[tuple[str, str, int]] = (
    OUTREACH_JOBS
    + CALENDAR_JOBS
    + EVENT_JOBS
    + CONSENT_JOBS
    + RETENTION_JOBS
    + GOVERNANCE_JOBS
    + PROBLEM_JOBS
)


def jobs_for(*, federated: bool) -> list[tuple[str, str, int]]:
    """The jobs a hub runs: in federated mode each node runs its own vault jobs (outbox,
    links, retention) with ``concord node worker``, and the hub relays the partnership key
    and tells the nodes the shared categories and sharing rules."""
    if not federated:
        return PACKAGE_JOBS
    vault_jobs = {job_id for job_id, _, _ in CONSENT_JOBS + RETENTION_JOBS}
    kept = [job for job in PACKAGE_JOBS if job[0] not in vault_jobs]
    return [
        *kept,
        ("partnership.key", "concord.partners.key_relay:relay_partnership_key", 60),
        ("partnership.facts", "concord.partners.facts_relay:relay_partnership_facts", 60),
    ]
