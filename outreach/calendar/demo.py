"""A populated quarter for the demo: every partner's outreach over the coming weeks, with a few
clashes on purpose (shared topics close together, busy days, people the cap catches)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from concord.hub import Hub
from concord.partners.models import Partner
from consent.public import VaultDirectory
from outreach.calendar.evaluation import reevaluate_stale
from outreach.calendar.items import ItemFields, create_item
from outreach.calendar.models import ItemChannel, ItemKind, ItemStatus, OutreachItem, Visibility

PURPOSE = "dpv:CommunicationManagement"  # the purpose the demo lists were imported under
TITLES: Sequence[tuple[str, ItemKind, str]] = (
    ("Monthly newsletter", ItemKind.NEWSLETTER, "newsletter"),
    ("Consultation on the hydrogen safety draft", ItemKind.CONSULTATION, "hydrogen"),
    ("Smart grid interoperability survey", ItemKind.SURVEY, "energy"),
    ("Invitation: accessibility workshop", ItemKind.EVENT_INVITATION, "accessibility"),
    ("Annual report launch", ItemKind.REPORT_LAUNCH, "report"),
    ("Circular economy call for experts", ItemKind.OTHER, "circularity"),
    ("Consultation on battery passports", ItemKind.CONSULTATION, "energy"),
)


def seed_quarter(
    hub: Hub, vaults: VaultDirectory, *, today: date, actor: str, seed: int = 2026
) -> int:
    """Plan the demo's items once (nothing happens if any item exists); returns how many."""
    with hub.transaction() as session:
        if session.scalar(select(OutreachItem.id).limit(1)) is not None:
            return 0
        partners = session.execute(
            select(Partner.slug, Partner.timezone).order_by(Partner.id)
        ).all()
    rng = random.Random(seed)
    planned = 0
    for number, (slug, zone) in enumerate(partners):
        for turn in range(6):
            title, kind, topic = TITLES[(number * 2 + turn) % len(TITLES)]
            # New items start from tomorrow: an item cannot be planned into the past.
            day = today + timedelta(days=rng.randrange(1, 64))
            if turn == 0:
                # Every partner's first item lands in the same few days: a visible clash.
                day = today + timedelta(days=9 + number % 2)
            start = datetime.combine(day, time(9 + rng.randrange(0, 6), 0), tzinfo=ZoneInfo(zone))
            status = ItemStatus.SCHEDULED if turn == 1 else ItemStatus.PLANNED
            if turn == 5 and number == 1:
                status = ItemStatus.CANCELLED
            if turn == 4 and number == 2:
                status = ItemStatus.DRAFT
            fields = ItemFields(
                title=title,
                kind=kind,
                channel=ItemChannel.EMAIL,
                purpose_code=PURPOSE,
                topics=(topic,),
                audience_category="",
                audience_tags=(),
                starts_at=start.astimezone(UTC),
                ends_at=(start + timedelta(hours=1)).astimezone(UTC),
                timezone=zone,
                status=status,
                visibility=Visibility.PRIVATE if turn == 3 else Visibility.PARTNERSHIP,
            )
            create_item(hub, vaults, slug, fields, actor=actor, form_key=f"demo-{slug}-{turn}")
            planned += 1
    reevaluate_stale(hub)
    return planned
