"""Evaluating the rules for one item and telling its owner, in published figures only.

The exact counts the rules produce never leave this module: over-cap and shared-recipient
counts go through :func:`outreach.matching.disclosure.publish` (suppressed below the threshold,
rounded), and a shared-recipient count that would be suppressed is not mentioned at all.
Another partner's private item is never named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from concord.hub import Hub
from concord.partners.models import Partner
from concord.partnership import settings as partnership
from concord.problems.rows import each_row
from outreach.calendar import rules
from outreach.calendar import rules as rules_module
from outreach.calendar.items import day_of, stored_problem
from outreach.calendar.linking import index_for
from outreach.calendar.models import CalendarAudience, ItemStatus, OutreachItem, Visibility
from outreach.calendar.packing import pseudonyms
from outreach.calendar.periods import period_bounds, period_of
from outreach.matching.disclosure import publish

SEARCH_RADIUS_DAYS = 28
SUGGESTIONS = 3
MAX_OVERLAPS_SHOWN = 5


@dataclass
class Clash:
    rule: str  # "cap", "blackout", "topic", "day"
    text: str


@dataclass
class Overlap:
    item_id: str
    text: str


@dataclass
class Evaluation:
    """What the owner of an item is told; stored on the item as JSON."""

    day: str
    clashes: list[Clash] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    # Set when the fatigue cap could not be evaluated (no tokens, no matching secret).
    note: str = ""
    # Whose audiences the rules could not be evaluated against: a vault node unreachable.
    unreachable: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Evaluation | None:
        if not raw:
            return None
        data: dict[str, Any] = json.loads(raw)
        return cls(
            day=data["day"],
            clashes=[Clash(**c) for c in data.get("clashes", [])],
            overlaps=[Overlap(**o) for o in data.get("overlaps", [])],
            suggestions=list(data.get("suggestions", [])),
            note=data.get("note", ""),
            unreachable=list(data.get("unreachable", [])),
        )


def _short(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _describe(other: OutreachItem, owner: str, names: dict[str, str]) -> str:
    """How the owner may refer to another item: by title only if the owner may see it."""
    if other.partner_slug == owner:
        return f"your “{other.title}” on {_short(day_of(other))}"
    if other.visibility is Visibility.PRIVATE:
        return f"an item not on the shared calendar on {_short(day_of(other))}"
    name = names.get(other.partner_slug, other.partner_slug)
    return f"{name}'s {other.kind.label.lower()} “{other.title}” on {_short(day_of(other))}"


def _not_evaluated(
    item: OutreachItem, others: list[OutreachItem], names: dict[str, str]
) -> list[str]:
    """One line per partner whose node could not give the audience of this item or of a
    neighbour: the rules were not evaluated against those audiences, so nothing is "clear"."""
    since: dict[str, datetime] = {}
    for other in [item, *others]:
        if other.audience_unreachable_since is not None and other.status.counts:
            first = since.get(other.partner_slug)
            when = other.audience_unreachable_since
            since[other.partner_slug] = when if first is None else min(first, when)
    lines = []
    for slug, when in sorted(since.items()):
        at = when.astimezone(UTC).strftime("%H:%M UTC on %d %b")
        who = (
            "your own vault node"
            if slug == item.partner_slug
            else f"the vault node of {names.get(slug, slug)}"
        )
        lines.append(
            f"Not evaluated against {names.get(slug, slug)}: {who} has been unreachable since {at}."
        )
    return lines


def _neighbours(session: Session, item: OutreachItem, reach_days: int) -> list[OutreachItem]:
    day = day_of(item)
    low = day - timedelta(days=reach_days + 1)
    high = day + timedelta(days=reach_days + 1)
    found = session.scalars(
        select(OutreachItem).where(
            OutreachItem.id != item.id,
            OutreachItem.status.in_([s for s in ItemStatus if s.counts]),
            OutreachItem.starts_at >= datetime.combine(low, time(0), tzinfo=UTC),
            OutreachItem.starts_at < datetime.combine(high, time(0), tzinfo=UTC),
        )
    ).all()
    return list(found)


def _cheap_clashes(
    day: date,
    topics: frozenset[str],
    others: Sequence[rules.Neighbour],
    by_id: dict[str, OutreachItem],
    owner: str,
    names: dict[str, str],
    settings: partnership.PartnershipSettings,
) -> list[Clash]:
    found: list[Clash] = []
    blackout = rules.blackout_on(day, settings.blackouts)
    if blackout is not None:
        reason = f" ({blackout.reason})" if blackout.reason else ""
        found.append(
            Clash(
                "blackout",
                f"{_short(day)} is in a blackout from {_short(blackout.starts)} to "
                f"{_short(blackout.ends)}{reason}.",
            )
        )
    busy = rules.items_on(day, others)
    if busy + 1 > settings.max_items_per_day:
        found.append(
            Clash(
                "day",
                f"{busy} other items are planned on {_short(day)}; the partnership allows "
                f"{settings.max_items_per_day} a day.",
            )
        )
    for other in rules.topic_clashes(day, topics, others, settings.topic_gap_days):
        shared = ", ".join(sorted(topics & other.topics))
        found.append(
            Clash(
                "topic",
                f"Same topic ({shared}) as {_describe(by_id[other.item_id], owner, names)}: "
                f"items on one topic need {settings.topic_gap_days} days between them.",
            )
        )
    return found


def evaluate(hub: Hub, item_id: str, *, suggest: bool = True) -> Evaluation | None:
    """Evaluate the rules for one item, store the result on it and return it.

    Returns None (and stores nothing) for cancelled items, which take part in no rule.
    """
    with hub.transaction() as session:
        item = session.get(OutreachItem, item_id)
        if item is None:
            return None
        if item.status is ItemStatus.CANCELLED or stored_problem(item):
            # A start outside every window takes part in no rule; its page says why.
            _store(session, item, "", 0)
            return None
        settings = partnership.current(session)
        names = dict(session.execute(select(Partner.slug, Partner.name)).all())
        radius = SEARCH_RADIUS_DAYS if suggest else 0
        reach = radius + max(settings.fatigue_cap_days, settings.topic_gap_days)
        others = _neighbours(session, item, reach)
        by_id = {other.id: other for other in others}
        day = day_of(item)
        period = period_of(day)
        first, last = period_bounds(period)
        topics = frozenset(item.topic_list)
        neighbours = [
            rules.Neighbour(o.id, o.partner_slug, day_of(o), frozenset(o.topic_list))
            for o in others
        ]
        result = Evaluation(day=day.isoformat())
        result.unreachable = _not_evaluated(item, others, names)
        result.clashes = _cheap_clashes(
            day, topics, neighbours, by_id, item.partner_slug, names, settings
        )

        index = index_for(session, str(hub.engine.url), period)
        with index.lock:
            people = index.people(item.id)
            present = set(index.items())
            linked = [
                (n, index.people(n.item_id))
                for n in neighbours
                if period_of(n.day) == period and n.item_id in present
            ]
            universe = index.space.size
        if item.status.counts and not people.size:
            result.note = (
                "The fatigue cap and shared recipients were not checked: the item has no "
                "audience tokens (no linkable contacts, or no matching secret)."
            )
        offsets = [0]
        candidates: list[int] = []
        if suggest:
            for offset in rules.nearest_offsets(radius)[1:]:
                candidate = day + timedelta(days=offset)
                if not first <= candidate <= last:
                    continue
                cheap = _cheap_clashes(
                    candidate, topics, neighbours, by_id, item.partner_slug, names, settings
                )
                if not cheap:
                    candidates.append(offset)
            offsets += candidates
        over = rules.over_cap(
            people,
            [((n.day - day).days, theirs) for n, theirs in linked],
            universe=universe,
            cap_messages=settings.fatigue_cap_messages,
            cap_days=settings.fatigue_cap_days,
            offsets=offsets,
        )
        shown = publish(over[0], settings)
        if over[0] and not shown.suppressed:
            result.clashes.insert(
                0,
                Clash(
                    "cap",
                    f"About {shown.value} recipients would exceed the cap of "
                    f"{settings.fatigue_cap_messages} messages in {settings.fatigue_cap_days} "
                    "days.",
                ),
            )
        if suggest and result.clashes:
            for offset in candidates:
                if publish(over[offset], settings).suppressed or over[offset] == 0:
                    result.suggestions.append((day + timedelta(days=offset)).isoformat())
                if len(result.suggestions) == SUGGESTIONS:
                    break
        window = [
            (n, theirs)
            for n, theirs in linked
            if n.partner_slug != item.partner_slug
            and abs((n.day - day).days) < settings.fatigue_cap_days
        ]
        counts = rules.shared_people(people, [t for _, t in window], universe=universe)
        mentioned = []
        for (n, _), count in zip(window, counts, strict=True):
            published = publish(count, settings)
            if count and not published.suppressed:
                mentioned.append((published.value or 0, n))
        mentioned.sort(key=lambda pair: (-pair[0], pair[1].day))
        for value, n in mentioned[:MAX_OVERLAPS_SHOWN]:
            other = by_id[n.item_id]
            result.overlaps.append(
                Overlap(
                    n.item_id,
                    f"About {value} also receive {_describe(other, item.partner_slug, names)}.",
                )
            )
        _store(session, item, result.to_json(), len(result.clashes))
        return result


def over_cap_pseudonyms(
    hub: Hub, item_id: str, *, rules: partnership.PartnershipSettings
) -> list[bytes]:
    """The pseudonyms of the item's records whose person the item takes over the cap (only
    for audiences submitted with pseudonyms; otherwise none)."""
    with hub.transaction() as session:
        item = session.get_one(OutreachItem, item_id)
        blob = session.scalar(
            select(CalendarAudience.payload).where(CalendarAudience.item_id == item_id)
        )
        names = pseudonyms(blob) if blob else None
        if not names:
            return []
        day = day_of(item)
        period = period_of(day)
        others = [
            o
            for o in _neighbours(session, item, rules.fatigue_cap_days)
            if period_of(day_of(o)) == period
        ]
        index = index_for(session, str(hub.engine.url), period)
        with index.lock:
            present = set(index.items())
            linked = [
                ((day_of(o) - day).days, index.people(o.id)) for o in others if o.id in present
            ]
            over = rules_module.over_cap_people(
                index.people(item_id),
                linked,
                universe=index.space.size,
                cap_messages=rules.fatigue_cap_messages,
                cap_days=rules.fatigue_cap_days,
            )
            caught = np.isin(index.record_people(item_id), over)
    return [name for name, hit in zip(names, caught.tolist(), strict=True) if hit]


def _store(session: Session, item: OutreachItem, clashes: str, count: int) -> None:
    session.execute(
        update(OutreachItem)
        .where(OutreachItem.id == item.id)
        .values(clashes=clashes, clash_count=count, clashes_stale=False)
        .execution_options(synchronize_session=False)
    )


def reevaluate_stale(hub: Hub, *, limit: int = 500) -> int:
    """Re-evaluate items whose figures another item's change may have altered."""
    with hub.transaction() as session:
        stale = session.execute(
            select(OutreachItem.id, OutreachItem.partner_slug)
            .where(OutreachItem.clashes_stale.is_(True))
            .order_by(OutreachItem.starts_at)
            .limit(limit)
        ).all()
    # One item that cannot be evaluated is noted for its owner; the others still refresh.
    return each_row(
        hub,
        "calendar.refresh_clashes",
        "outreach item",
        stale,
        lambda row: evaluate(hub, row[0], suggest=False) or True,
        ident=lambda row: row[0],
        partner=lambda row: row[1],
    ).done
