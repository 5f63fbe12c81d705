"""Every background job of the governance records, for the composition root to schedule."""

from __future__ import annotations

from concord.governance.actions.jobs import JOBS as ACTION_JOBS
from concord.governance.actions.models import ActionItem
from concord.governance.decisions.models import Decision
from concord.governance.meetings.jobs import JOBS as MEETING_JOBS
from concord.governance.meetings.models import Meeting
from concord.governance.reviews.jobs import JOBS as REVIEW_JOBS
from concord.governance.reviews.models import ReviewRound
from concord.problems.dates import DatedField

JOBS: list[tuple[str, str, int]] = [*MEETING_JOBS, *ACTION_JOBS, *REVIEW_JOBS]

# The governance records' dates, checked against the furthest any of their windows reaches.
DATED: list[DatedField] = [
    DatedField("meeting", Meeting.starts_at, 5 * 365 + 2, "Its date"),
    DatedField("action item", ActionItem.due_on, 5 * 365 + 2, "Its due date"),
    DatedField("review round", ReviewRound.deadline, 2 * 365 + 2, "Its deadline"),
    DatedField("decision", Decision.effective_on, 10 * 365 + 2, "Its effective date"),
    DatedField("decision", Decision.review_on, 10 * 365 + 2, "Its review date"),
]
