"""The outreach records' dates, for the platform's check of stored dates."""

from __future__ import annotations

from concord.problems.dates import DatedField
from outreach.calendar.models import OutreachItem
from outreach.events.models import JointEvent

DATED: list[DatedField] = [
    DatedField(
        "outreach item", OutreachItem.starts_at, 5 * 365 + 2, "Its start", OutreachItem.partner_slug
    ),
    DatedField(
        "joint event", JointEvent.starts_at, 5 * 365 + 2, "Its date", JointEvent.owner_partner
    ),
]
