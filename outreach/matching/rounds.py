"""Running a matching round: queue it, gather each vault's tokens, link, count, publish, close.

Every step is a compare-and-set on the round's status, so a round runs once even when two
workers see it, and a worker killed mid-round leaves a round that the retention job fails and
clears rather than half-published figures.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from concord.audit import chain
from concord.categories.models import SharedCategory
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.partners.models import Partner
from concord.partnership import settings as partnership
from consent.public import (
    NodeUnavailable,
    OverlapFlag,
    RoundRefused,
    VaultDirectory,
    VaultSubmission,
)
from outreach.matching.blinded import route_through_every_vault
from outreach.matching.disclosure import publish
from outreach.matching.linking import Overlap, link_and_count
from outreach.matching.models import MatchingRound, RoundStatus, RoundSubmission
from outreach.matching.packing import pack, pseudonyms, unpack

Progress = Callable[[str], None]
STALE_AFTER = timedelta(hours=6)


def _check_scope(session: Session, scope: str) -> str:
    if scope == "all":
        return scope
    kind, _, name = scope.partition(":")
    if kind == "category" and session.get(SharedCategory, name) is not None:
        return scope
    raise InvalidInput.one("scope", "Choose all contacts or one shared category.")


def open_round(
    hub: Hub, *, scope: str, actor: str, rules: partnership.PartnershipSettings | None = None
) -> str:
    """Queue a round under the partnership's rules now; a worker (or :func:`run_round`)
    carries it out."""
    with hub.transaction() as session:
        rules = rules or partnership.current(session)
        matching_round = MatchingRound(
            scope=_check_scope(session, scope),
            status=RoundStatus.QUEUED,
            opened_by=actor,
            suppression_threshold=rules.suppression_threshold,
            rounding=rules.rounding,
            disclosure=rules.disclosure,
        )
        session.add(matching_round)
        session.flush()
        chain.record(
            session,
            actor=actor,
            action="matching.open",
            object_ref=f"round:{matching_round.id}",
            detail=scope,
        )
        return matching_round.id


def _claim(hub: Hub, round_id: str) -> bool:
    with hub.transaction() as session:
        claimed = session.execute(
            update(MatchingRound)
            .where(MatchingRound.id == round_id, MatchingRound.status == RoundStatus.QUEUED)
            .values(status=RoundStatus.RUNNING, progress="gathering tokens")
        )
        return int(claimed.rowcount) == 1  # type: ignore[attr-defined]


def _note(hub: Hub, round_id: str, text: str, progress: Progress | None) -> None:
    with hub.transaction() as session:
        session.execute(
            update(MatchingRound).where(MatchingRound.id == round_id).values(progress=text)
        )
    if progress:
        progress(text)


def run_round(
    hub: Hub,
    vaults: VaultDirectory,
    round_id: str,
    *,
    progress: Progress | None = None,
    blinded: bool | None = None,
) -> Overlap | None:
    """Carry out a queued round; returns the exact overlap (for the operator's CLI) or None if
    another worker had claimed it.

    A federated hub (or ``blinded=True``) runs it by n-party blinding: no key is shared, and
    the figures are the same as with keyed tokens."""
    if not _claim(hub, round_id):
        return None
    partners: list[str] = []
    try:
        with hub.transaction() as session:
            matching_round = session.get_one(MatchingRound, round_id)
            scope = matching_round.scope
            flags_allowed = matching_round.disclosure is partnership.Disclosure.CONTACT_FLAGS
            partners = list(session.scalars(select(Partner.slug).order_by(Partner.slug)))
            shared = set(session.scalars(select(SharedCategory.slug)))
        only_category = scope.partition(":")[2] if scope.startswith("category:") else None
        blinded = hub.settings.federated if blinded is None else blinded
        submissions: dict[str, VaultSubmission] = {}
        for number, slug in enumerate(partners, start=1):
            _note(hub, round_id, f"tokenising vault {number} of {len(partners)}", progress)
            port = vaults.vault(slug)
            submit = port.blinded_submission if blinded else port.round_submission
            submissions[slug] = submit(
                round_id,
                shared_categories=tuple(sorted(shared)),
                only_category=only_category,
                keep_pseudonyms=flags_allowed,
            )
        if blinded:
            submissions = route_through_every_vault(
                vaults,
                round_id,
                submissions,
                lambda text: _note(hub, round_id, text, progress),
            )
        for slug, submission in submissions.items():
            with hub.transaction() as session:
                session.add(
                    RoundSubmission(
                        round_id=round_id,
                        partner_slug=slug,
                        records=len(submission.records),
                        shared_identifiers=submission.shared_identifiers,
                        payload=pack(submission.records),
                    )
                )
        del submissions
        _note(hub, round_id, "linking records across partners", progress)
        with hub.transaction() as session:
            shared_identifiers = dict(
                session.execute(
                    select(RoundSubmission.partner_slug, RoundSubmission.shared_identifiers).where(
                        RoundSubmission.round_id == round_id
                    )
                ).all()
            )
            blobs = session.execute(
                select(RoundSubmission.partner_slug, RoundSubmission.payload).where(
                    RoundSubmission.round_id == round_id
                )
            ).all()
        reach: list[int] | None = [] if flags_allowed else None
        overlap = link_and_count(
            partners, [(slug, list(unpack(blob or b""))) for slug, blob in blobs], reach=reach
        )
        if reach is not None:
            _note(hub, round_id, "returning per-contact flags to the vaults", progress)
            _return_flags(vaults, round_id, blobs, reach)
        with hub.transaction() as session:
            matching_round = session.get_one(MatchingRound, round_id)
            rules = partnership.PartnershipSettings(
                suppression_threshold=matching_round.suppression_threshold,
                rounding=matching_round.rounding,
            )
            published = figures(round_id, overlap, rules=rules, exact=False)
            # Each partner's own count of identifiers left out; shown to that partner only.
            published["shared_identifiers"] = shared_identifiers
            matching_round.result = json.dumps(published)
            _close(session, matching_round, RoundStatus.DONE)
            chain.record(
                session,
                actor="system:matching",
                action="matching.done",
                object_ref=f"round:{round_id}",
            )
        for slug in partners:
            # Each vault's scalar and pseudonym map end with the round.
            with contextlib.suppress(NodeUnavailable):
                vaults.vault(slug).forget_round(round_id)
        if progress:
            progress("done")
        return overlap
    except Exception as error:
        with hub.transaction() as session:
            matching_round = session.get_one(MatchingRound, round_id)
            matching_round.error = (
                f"the round failed: {error}; nothing was published"
                if isinstance(error, NodeUnavailable | RoundRefused)
                else "the round failed; see the worker log"
            )
            _close(session, matching_round, RoundStatus.FAILED)
        for slug in partners:
            # Every vault drops its pseudonyms and scalar; one that is down has lost them.
            with contextlib.suppress(NodeUnavailable):
                vaults.vault(slug).forget_round(round_id)
        raise


def _return_flags(
    vaults: VaultDirectory,
    round_id: str,
    blobs: Sequence[tuple[str, bytes | None]],
    reach: list[int],
) -> None:
    """Send each vault, keyed by its own pseudonyms, how many other partners hold each person."""
    position = 0
    for slug, blob in blobs:
        names = pseudonyms(blob or b"")
        others = reach[position : position + len(names)]
        flags = [OverlapFlag(name, count) for name, count in zip(names, others, strict=True)]
        vaults.vault(slug).apply_overlap_flags(round_id, flags)
        position += len(names)


def _close(session: Session, matching_round: MatchingRound, status: RoundStatus) -> None:
    """End a round: its tokens and pseudonyms go, whatever the outcome."""
    session.execute(delete(RoundSubmission).where(RoundSubmission.round_id == matching_round.id))
    matching_round.status = status
    matching_round.finished_at = utcnow()
    matching_round.progress = status.value


def figures(
    round_id: str, overlap: Overlap, *, rules: partnership.PartnershipSettings, exact: bool
) -> dict[str, Any]:
    """The round's figures in the documented JSON shape; exact only for the operator's CLI.

    ``by_category`` repeats totals, pairwise and subsets for each shared category.
    """
    result = {"round_id": round_id, **_counts(overlap, rules, exact)}
    result["by_category"] = {
        category: _counts(overlap.for_category(category), rules, exact)
        for category in overlap.by_category
    }
    result["suppression"] = {
        "threshold": rules.suppression_threshold,
        "rounding": rules.rounding,
        "exact": exact,
    }
    return result


def _counts(
    overlap: Overlap, rules: partnership.PartnershipSettings, exact: bool
) -> dict[str, Any]:
    def shown(count: int) -> int | None:
        return count if exact else publish(count, rules).value

    subsets = sorted(overlap.subsets.items(), key=lambda item: (-item[1], sorted(item[0])))
    return {
        "partners": list(overlap.partners),
        "totals": {slug: shown(count) for slug, count in overlap.totals.items()},
        "pairwise": [
            {"partners": [a, b], "count": shown(overlap.pairwise[frozenset((a, b))])}
            for a, b in combinations(overlap.partners, 2)
        ],
        "subsets": [{"partners": sorted(group), "count": shown(count)} for group, count in subsets],
    }


def queued_rounds(hub: Hub) -> Sequence[str]:
    with hub.transaction() as session:
        query = select(MatchingRound.id).where(MatchingRound.status == RoundStatus.QUEUED)
        return session.scalars(query.order_by(MatchingRound.opened_at)).all()


def clear_leftovers(hub: Hub) -> int:
    """Retention: fail rounds stuck running for hours and delete every orphaned submission."""
    cutoff = utcnow() - STALE_AFTER
    with hub.transaction() as session:
        stale = session.scalars(
            select(MatchingRound).where(
                MatchingRound.status == RoundStatus.RUNNING, MatchingRound.opened_at < cutoff
            )
        ).all()
        for matching_round in stale:
            matching_round.error = "the round did not finish in time"
            _close(session, matching_round, RoundStatus.FAILED)
        running = select(MatchingRound.id).where(MatchingRound.status == RoundStatus.RUNNING)
        orphans = session.execute(
            delete(RoundSubmission).where(RoundSubmission.round_id.not_in(running))
        )
        return len(stale) + int(orphans.rowcount)  # type: ignore[attr-defined]
