"""Demo data-subject requests, so that a partner admin's request list has something to show."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from concord.cli.platform import Platform
from concord.db import utcnow
from consent.contacts.models import Contact
from consent.rights.models import RequestKind, RightsRequest, Verification
from consent.rights.requests import receive_request

ACTOR = "operator:demo"
# (kind, how identity was checked, received how many days ago): one overdue, one fresh.
DEMO_REQUESTS = [
    (RequestKind.ACCESS, Verification.EMAIL_CODE, 40),
    (RequestKind.OBJECTION, Verification.STAFF_BY_LETTER, 3),
]


def seed_demo_requests(platform: Platform, partner_slugs: list[str]) -> None:
    """Give each demo vault a couple of requests, once."""
    for slug in partner_slugs:
        with platform.vaults.transaction(slug) as session:
            if session.scalar(select(func.count()).select_from(RightsRequest)):
                continue
            contacts = session.scalars(select(Contact.id).order_by(Contact.id).limit(2)).all()
            for contact_id, (kind, verified_by, days) in zip(contacts, DEMO_REQUESTS, strict=False):
                receive_request(
                    session,
                    contact_id=contact_id,
                    kind=kind,
                    verified_by=verified_by,
                    actor=ACTOR,
                    note="demo letter" if verified_by.by_staff else None,
                    received_at=utcnow() - timedelta(days=days),
                )
