"""Outreach items: planning, editing, moving and cancelling them, one partner's staff at a time.

Every save names the version it was made from; if somebody saved in between, the save is
refused with :class:`EditConflict`, which carries what is stored now, and nothing is
overwritten. When an item takes part in the rules (planned, scheduled, sent), its audience's
tokens for the calendar period are fetched from the owner's vault and stored in the hub; when
it stops taking part, they are deleted.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.inputs import Window
from concord.partnership import settings as partnership
from concord.problems.rows import each_row
from consent.public import AudienceSegment, NodeUnavailable, NoMatchingKey, VaultDirectory
from outreach.calendar.models import (
    CalendarAudience,
    ItemChannel,
    ItemKind,
    ItemStatus,
    OutreachItem,
    Visibility,
)
from outreach.calendar.packing import pack
from outreach.calendar.periods import period_end, period_of
from outreach.calendar.sending import stop_item_messages

TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
MAX_TOPICS = 8
MAX_TAGS = 20
# A new or changed start: from now to five years ahead. One already in the past is never
# sent by itself; the owner moves the item, or sends it now (an explicit action).
START = Window("An item's start", past=0, future=5 * 365)
# What any stored item time may be: an item that already happened keeps its date.
PLAUSIBLE = Window("An item's start", past=None, future=5 * 365 + 2)


class EditConflict(Exception):
    """Somebody saved the item after this form was opened; ``current`` is what is stored."""

    def __init__(self, current: OutreachItem) -> None:
        super().__init__("the item was changed by somebody else")
        self.current = current


@dataclass(frozen=True)
class ItemFields:
    """An item's editable fields, checked."""

    title: str
    kind: ItemKind
    channel: ItemChannel
    purpose_code: str
    topics: tuple[str, ...]
    audience_category: str
    audience_tags: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: ItemStatus
    visibility: Visibility

    @property
    def segment(self) -> AudienceSegment:
        return AudienceSegment(
            self.purpose_code, self.channel.value, self.audience_category, self.audience_tags
        )


E = TypeVar("E", ItemKind, ItemChannel, ItemStatus, Visibility)


def _choice(cls: type[E], raw: str, field: str, errors: dict[str, str], message: str) -> E | None:
    try:
        return cls(raw)
    except ValueError:
        errors[field] = message
        return None


def _local(raw: str, zone: ZoneInfo | None, field: str, errors: dict[str, str]) -> datetime | None:
    try:
        naive = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors[field] = "Give a date and time (YYYY-MM-DD HH:MM)."
        return None
    if naive.tzinfo is not None:
        errors[field] = "Give the local date and time, without an offset."
        return None
    problem = START.explain(naive.date(), today=_today()) if naive.year < 1900 else None
    problem = problem or PLAUSIBLE.explain(naive.date(), today=_today())
    if problem:
        # Caught before converting: year 1 or 9999 has no UTC instant to convert to.
        errors[field] = problem
        return None
    if zone is None:
        return None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _today() -> date:
    return utcnow().date()


def words(raw: str) -> tuple[str, ...]:
    """Topics or tags typed with commas or spaces, lowercased, each once, in order."""
    seen: dict[str, None] = {}
    for word in re.split(r"[,\s]+", raw.strip().lower()):
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def parse_item(data: dict[str, str]) -> ItemFields:
    """The fields of a submitted item form, or :class:`InvalidInput` with a message per field."""
    errors: dict[str, str] = {}
    title = data.get("title", "").strip()
    if not title:
        errors["title"] = "Give the item a title."
    elif len(title) > 200:
        errors["title"] = "Keep the title under 200 characters."
    kind = _choice(ItemKind, data.get("kind", ""), "kind", errors, "Choose a kind.")
    channel = _choice(ItemChannel, data.get("channel", ""), "channel", errors, "Choose a channel.")
    status = _choice(ItemStatus, data.get("status", ""), "status", errors, "Choose a status.")
    visibility = _choice(
        Visibility, data.get("visibility", ""), "visibility", errors, "Choose who sees it."
    )
    purpose_code = data.get("purpose_code", "").strip()
    if not purpose_code:
        errors["purpose_code"] = "Choose the purpose the item serves."
    topics = words(data.get("topics", ""))
    if len(topics) > MAX_TOPICS or any(not TOPIC.fullmatch(t) for t in topics):
        errors["topics"] = (
            f"Up to {MAX_TOPICS} topics, each letters, digits and hyphens (such as 'energy')."
        )
    tags = words(data.get("audience_tags", ""))
    if len(tags) > MAX_TAGS or any(len(t) > 40 for t in tags):
        errors["audience_tags"] = f"Up to {MAX_TAGS} tags, each at most 40 characters."
    if len(data.get("audience_category", "").strip()) > 80:
        errors["audience_category"] = "Choose a category from the list."
    if len(purpose_code) > 80:
        errors["purpose_code"] = "Choose the purpose the item serves."
    zone_name = data.get("timezone", "").strip()
    zone: ZoneInfo | None = None
    if zone_name not in available_timezones():
        errors["timezone"] = "Choose a time zone such as Europe/Berlin."
    else:
        try:
            zone = ZoneInfo(zone_name)
        except ZoneInfoNotFoundError:
            errors["timezone"] = "Choose a time zone such as Europe/Berlin."
    starts_at = _local(data.get("starts_at", ""), zone, "starts_at", errors)
    ends_at = _local(data.get("ends_at", ""), zone, "ends_at", errors)
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = "The end must come after the start."
    if starts_at and ends_at and ends_at - starts_at > timedelta(days=31):
        errors["ends_at"] = "An item lasts at most 31 days."
    if status is ItemStatus.SENDING:
        errors["status"] = "Only the worker marks an item as being sent: choose another status."
    if errors:
        raise InvalidInput(errors)
    assert kind and channel and status and visibility and starts_at and ends_at
    return ItemFields(
        title=title,
        kind=kind,
        channel=channel,
        purpose_code=purpose_code,
        topics=topics,
        audience_category=data.get("audience_category", "").strip(),
        audience_tags=tags,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        status=status,
        visibility=visibility,
    )


def check_with_vault(vaults: VaultDirectory, partner_slug: str, fields: ItemFields) -> None:
    """The purpose and channel must exist in the owner's own catalogue."""
    try:
        errors = vaults.vault(partner_slug).check_audience(fields.segment)
    except NodeUnavailable:
        raise InvalidInput.one(
            "purpose_code",
            "Your organisation's vault node could not be reached to check the purpose and "
            "channel, so the item was not saved. Try again in a moment.",
        ) from None
    if errors:
        raise InvalidInput(errors)


def day_of(item: OutreachItem) -> date:
    """The day the rules count an item on: the UTC date of its start."""
    return item.starts_at.astimezone(UTC).date()


def _values(fields: ItemFields) -> dict[str, object]:
    return {
        "title": fields.title,
        "kind": fields.kind,
        "channel": fields.channel,
        "purpose_code": fields.purpose_code,
        "topics": " ".join(fields.topics),
        "audience_category": fields.audience_category,
        "audience_tags": " ".join(fields.audience_tags),
        "starts_at": fields.starts_at,
        "ends_at": fields.ends_at,
        "timezone": fields.timezone,
        "status": fields.status,
        "visibility": fields.visibility,
    }


def create_item(
    hub: Hub,
    vaults: VaultDirectory,
    partner_slug: str,
    fields: ItemFields,
    *,
    actor: str,
    form_key: str,
) -> str:
    """Add an item; the same ``form_key`` posted twice gives the one item back."""
    START.check_moment(fields.starts_at, "starts_at")
    check_with_vault(vaults, partner_slug, fields)
    form_key = form_key.strip()[:64] or uuid.uuid4().hex
    with hub.transaction() as session:
        existing = session.scalar(
            select(OutreachItem.id).where(
                OutreachItem.partner_slug == partner_slug, OutreachItem.form_key == form_key
            )
        )
        if existing:
            return existing
        item_id = str(uuid.uuid4())
        session.add(
            OutreachItem(
                id=item_id,
                uid=f"{item_id}@concord",
                partner_slug=partner_slug,
                form_key=form_key,
                created_by=actor,
                updated_by=actor,
                version=1,
                sequence=0,
                **_values(fields),
            )
        )
        session.flush()
        chain.record(session, actor=actor, action="calendar.item.add", object_ref=f"item:{item_id}")
    refresh_audience(hub, vaults, item_id)
    return item_id


def own_item(session: Session, partner_slug: str, item_id: str) -> OutreachItem | None:
    """The item, if it belongs to ``partner_slug`` (another partner's item does not exist)."""
    item = session.get(OutreachItem, item_id)
    return item if item is not None and item.partner_slug == partner_slug else None


def _save(
    hub: Hub,
    partner_slug: str,
    item_id: str,
    expected_version: int,
    values: dict[str, object],
    *,
    actor: str,
    action: str,
) -> None:
    with hub.transaction() as session:
        item = own_item(session, partner_slug, item_id)
        if item is None:
            raise LookupError(item_id)
        # The items near the old day lose a neighbour: their figures may change too.
        mark_neighbours_stale(session, day_of(item), partnership.current(session))
        timing = ("starts_at", "ends_at", "status")
        changed_timing = any(
            name in values and values[name] != getattr(item, name) for name in timing
        )
        saved = session.execute(
            update(OutreachItem)
            .where(OutreachItem.id == item_id, OutreachItem.version == expected_version)
            .values(
                **values,
                version=OutreachItem.version + 1,
                sequence=OutreachItem.sequence + (1 if changed_timing else 0),
                updated_by=actor,
                updated_at=utcnow(),
                clashes_stale=True,
            )
            .execution_options(synchronize_session=False)
        )
        if int(saved.rowcount) != 1:  # type: ignore[attr-defined]
            session.refresh(item)
            # Out of the session before the rollback, which would expire what was just read.
            session.expunge(item)
            raise EditConflict(item)
        chain.record(session, actor=actor, action=action, object_ref=f"item:{item_id}")


def stored_problem(item: OutreachItem) -> str | None:
    """Why a stored item cannot take part in the rules (a start outside any item's window,
    written before the windows were checked, or a zone that no longer exists), or None."""
    try:
        ZoneInfo(item.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"Its time zone, {item.timezone[:60]!r}, is not one the platform knows."
    day = item.starts_at.astimezone(UTC).date()
    problem = PLAUSIBLE.explain(day, today=_today())
    if problem:
        return f"Its start, {day.isoformat()}, is outside the dates an item can have."
    return None


def check_timing(
    stored_start: datetime, stored_status: ItemStatus, start: datetime, status: ItemStatus
) -> None:
    """A changed start must lie in the window, and a scheduled item's time must be ahead.

    An item whose time has passed is never scheduled to go out by itself: the owner moves
    it, or sends it now, which asks for confirmation first.
    """
    # The form shows minutes: a start resubmitted as shown is the stored one, unchanged.
    if start.replace(second=0, microsecond=0) != stored_start.replace(second=0, microsecond=0):
        START.check_moment(start, "starts_at")
    elif (
        status is ItemStatus.SCHEDULED
        and stored_status is not ItemStatus.SCHEDULED
        and start < utcnow()
    ):
        raise InvalidInput.one(
            "starts_at",
            "The item's time has passed: choose a later start, or use Send now on its page.",
        )


def update_item(
    hub: Hub,
    vaults: VaultDirectory,
    partner_slug: str,
    item_id: str,
    fields: ItemFields,
    *,
    expected_version: int,
    actor: str,
) -> None:
    check_with_vault(vaults, partner_slug, fields)
    with hub.transaction() as session:
        item = own_item(session, partner_slug, item_id)
        if item is None:
            raise LookupError(item_id)
        sending = item.status is ItemStatus.SENDING
        check_timing(item.starts_at, item.status, fields.starts_at, fields.status)
    if sending and fields.status is not ItemStatus.CANCELLED:
        raise InvalidInput.one(
            "status", "The item is being sent: it can only be cancelled until it is sent."
        )
    _save(
        hub,
        partner_slug,
        item_id,
        expected_version,
        _values(fields),
        actor=actor,
        action="calendar.item.edit",
    )
    if fields.status is ItemStatus.CANCELLED:
        stop_item_messages(hub, vaults, item_id)
    refresh_audience(hub, vaults, item_id)


def move_item(
    hub: Hub,
    vaults: VaultDirectory,
    partner_slug: str,
    item_id: str,
    day: date,
    *,
    expected_version: int,
    actor: str,
) -> None:
    """Move the item to ``day``, keeping its local time of day and its length."""
    with hub.transaction() as session:
        item = own_item(session, partner_slug, item_id)
        if item is None:
            raise LookupError(item_id)
        if stored_problem(item):
            raise InvalidInput.one(
                "day", "Edit the item to give it a new start and time zone; it cannot be moved."
            )
        zone = ZoneInfo(item.timezone)
        local_start = item.starts_at.astimezone(zone)
        shift = day - local_start.date()
        length = item.ends_at - item.starts_at
    if not PLAUSIBLE.contains(day, today=_today()):
        raise InvalidInput.one("day", START.explain(day, today=_today()) or "Choose another day.")
    naive = local_start.replace(tzinfo=None) + shift
    starts_at = naive.replace(tzinfo=zone).astimezone(UTC)
    START.check_moment(starts_at, "day")
    _save(
        hub,
        partner_slug,
        item_id,
        expected_version,
        {"starts_at": starts_at, "ends_at": starts_at + length},
        actor=actor,
        action="calendar.item.move",
    )
    refresh_audience(hub, vaults, item_id)


def refresh_audience(
    hub: Hub,
    vaults: VaultDirectory,
    item_id: str,
    *,
    rules: partnership.PartnershipSettings | None = None,
) -> None:
    """Store the item's audience tokens for its period if it takes part in the rules, else
    delete them; other items of the period are marked for re-evaluation.

    Where the principles allow per-contact answers, the records carry pseudonyms that the
    owner's vault can map back (to leave over-cap recipients out).
    """
    with hub.transaction() as session:
        rules = rules or partnership.current(session)
        flags = rules.disclosure is partnership.Disclosure.CONTACT_FLAGS
        item = session.get_one(OutreachItem, item_id)
        if stored_problem(item):
            session.execute(delete(CalendarAudience).where(CalendarAudience.item_id == item_id))
            forget = item.partner_slug
        else:
            forget = None
    if forget is not None:
        with _unless_unreachable(hub, item_id, rules):
            vaults.vault(forget).forget_audience(item_id)
        return
    with hub.transaction() as session:
        item = session.get_one(OutreachItem, item_id)
        period = period_of(day_of(item))
        segment = AudienceSegment(
            item.purpose_code,
            item.channel.value,
            item.audience_category,
            tuple(item.audience_tags.split()),
        )
        partner_slug, counts = item.partner_slug, item.status.counts
    payload: bytes | None = None
    # In federated mode the nodes key the tokens with the partnership key the hub never holds.
    with _unless_unreachable(hub, item_id, rules) as reached:
        if counts and (hub.settings.federated or hub.settings.matching_secret):
            tokens = vaults.vault(partner_slug).audience_tokens(
                segment,
                period_id=period,
                item_ref=item_id,
                keep_pseudonyms=flags,
            )
            payload = pack(tokens.records, tokens.pseudonyms)
        else:
            vaults.vault(partner_slug).forget_audience(item_id)
    if not reached[0]:
        return
    with hub.transaction() as session:
        session.execute(
            update(OutreachItem)
            .where(OutreachItem.id == item_id)
            .values(audience_unreachable_since=None)
            .execution_options(synchronize_session=False)
        )
        existing = session.get(CalendarAudience, item_id)
        if payload is None:
            if existing is not None:
                session.delete(existing)
        else:
            digest = hashlib.sha256(payload).hexdigest()
            if existing is None:
                session.add(
                    CalendarAudience(
                        item_id=item_id,
                        period_id=period,
                        records=int.from_bytes(payload[4:8], "little"),
                        digest=digest,
                        payload=payload,
                        expires_at=period_end(period),
                    )
                )
            elif existing.digest != digest or existing.period_id != period:
                existing.period_id = period
                existing.digest = digest
                existing.payload = payload
                existing.records = int.from_bytes(payload[4:8], "little")
                existing.expires_at = period_end(period)
                existing.submitted_at = utcnow()
        mark_neighbours_stale(session, day_of(session.get_one(OutreachItem, item_id)), rules)


@contextmanager
def _unless_unreachable(
    hub: Hub, item_id: str, rules: partnership.PartnershipSettings
) -> Iterator[list[bool]]:
    """Runs a call to the owner's vault; if its node is down or has no partnership key yet,
    notes since when on the item (keeping its last audience) instead of failing the change,
    and marks the period for re-evaluation. The list it yields holds one flag: reached."""
    reached = [True]
    try:
        yield reached
    except (NodeUnavailable, NoMatchingKey):
        reached[0] = False
        with hub.transaction() as session:
            item = session.get_one(OutreachItem, item_id)
            if item.audience_unreachable_since is None:
                item.audience_unreachable_since = utcnow()
            item.clashes_stale = True
            mark_neighbours_stale(session, day_of(item), rules)


def retry_unreachable_audiences(hub: Hub, vaults: VaultDirectory, *, limit: int = 200) -> int:
    """Ask again for the audiences whose node could not be reached; returns how many came."""
    with hub.transaction() as session:
        waiting = session.execute(
            select(OutreachItem.id, OutreachItem.partner_slug)
            .where(OutreachItem.audience_unreachable_since.is_not(None))
            .order_by(OutreachItem.starts_at)
            .limit(limit)
        ).all()
    reached, still_down = 0, set()
    for item_id, partner_slug in waiting:
        if partner_slug in still_down:
            continue  # one wait for the node's timeout per run, not one per item
        refresh_audience(hub, vaults, item_id)
        with hub.transaction() as session:
            if session.get_one(OutreachItem, item_id).audience_unreachable_since is None:
                reached += 1
            else:
                still_down.add(partner_slug)
    return reached


def mark_neighbours_stale(
    session: Session, day: date, rules: partnership.PartnershipSettings
) -> None:
    """Items whose figures a change on ``day`` may alter: those within reach of any rule."""
    reach = timedelta(days=max(rules.fatigue_cap_days, rules.topic_gap_days, 1) + 1)
    middle = datetime(day.year, day.month, day.day, tzinfo=UTC)
    session.execute(
        update(OutreachItem)
        .where(
            OutreachItem.status.in_([s for s in ItemStatus if s.counts]),
            OutreachItem.starts_at >= middle - reach,
            OutreachItem.starts_at < middle + reach,
        )
        .values(clashes_stale=True)
        .execution_options(synchronize_session=False)
    )


def clear_expired_audiences(
    hub: Hub, now: datetime | None = None, *, vaults: VaultDirectory | None = None
) -> int:
    """Retention: delete every audience whose calendar period has ended (and, given the
    vaults, the pseudonym maps the owners kept for them)."""
    cutoff = now or utcnow()
    with hub.transaction() as session:
        expired = session.execute(
            select(CalendarAudience.item_id, OutreachItem.partner_slug)
            .join(OutreachItem, OutreachItem.id == CalendarAudience.item_id)
            .where(CalendarAudience.expires_at <= cutoff)
        ).all()
        session.execute(delete(CalendarAudience).where(CalendarAudience.expires_at <= cutoff))
    if vaults is not None:
        each_row(
            hub,
            "calendar.retention",
            "outreach item",
            expired,
            lambda row: vaults.vault(row[1]).forget_audience(row[0]),
            ident=lambda row: row[0],
            partner=lambda row: row[1],
        )
    return len(expired)


def leave_out_over_cap(
    hub: Hub,
    vaults: VaultDirectory,
    partner_slug: str,
    item_id: str,
    *,
    actor: str,
    rules: partnership.PartnershipSettings | None = None,
) -> int:
    """Leave the recipients the item would take over the fatigue cap out of its audience.

    Only where the principles allow per-contact answers: the hub sends the owner's vault the
    pseudonyms of those recipients, never who they are. Returns how many were left out (an
    exact count, for rounding before anybody sees it).
    """
    # Evaluation builds on this module (the day an item counts on), hence the late import.
    from outreach.calendar.evaluation import evaluate, over_cap_pseudonyms

    with hub.transaction() as session:
        rules = rules or partnership.current(session)
        if own_item(session, partner_slug, item_id) is None:
            raise LookupError(item_id)
    if rules.disclosure is not partnership.Disclosure.CONTACT_FLAGS:
        raise InvalidInput.one(
            "leave_out", "The partnership's principles do not allow answers about single contacts."
        )
    refresh_audience(hub, vaults, item_id, rules=rules)
    chosen = over_cap_pseudonyms(hub, item_id, rules=rules)
    left_out = vaults.vault(partner_slug).exclude_from_audience(
        item_id, list(chosen), reason="fatigue_cap"
    )
    with hub.transaction() as session:
        chain.record(
            session, actor=actor, action="calendar.item.leave_out", object_ref=f"item:{item_id}"
        )
    refresh_audience(hub, vaults, item_id, rules=rules)
    evaluate(hub, item_id)
    return left_out
