"""Every background job of the governance records, for the composition root to schedule."""

from __future__ import annotations

from concord.governance.actions.jobs import JOBS as ACTION_JOBS
from concord.governance.meetings.jobs import JOBS as MEETING_JOBS
from concord.governance.reviews.jobs import JOBS as REVIEW_JOBS

JOBS: list[tuple[str, str, int]] = [*MEETING_JOBS, *ACTION_JOBS, *REVIEW_JOBS]
