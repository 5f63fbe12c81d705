"""Matching co-hosts' invitation lists so that nobody is invited twice.

When a co-host commits its list, its vault selects the audience and publishes a keyed token
per identifier (the key derives from the matching secret and the event id, as a round's does),
and every co-host that committed earlier republishes the tokens of the people it invited. The
hub links them (the matching union-find): a person of the new list who is linked to an earlier
co-host's invitee is skipped, so the earlier invitation wins. The tokens are deleted from the
hub as soon as the list is matched, whatever happens. The co-host learns how many of its
invitees were skipped, suppressed and rounded, never who.

One list is matched at a time per event: the co-host takes the event's matching slot by
compare-and-set and gives it back at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update

from concord.audit.chain import record
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.partners.services import by_slug
from concord.settings import Settings
from consent.public import (
    Audience,
    Cancellation,
    InvitationContent,
    Invitee,
    UnknownPurpose,
    VaultDirectory,
)
from outreach.events import wording
from outreach.events.ics import invitation_ics
from outreach.events.models import (
    EventHost,
    EventListToken,
    EventStatus,
    HostStatus,
    JointEvent,
)
from outreach.matching.linking import link_and_count

# The name the earlier lists go by in linking: not a partner slug (slugs have no spaces).
EARLIER = "earlier lists"


# A list is matched in seconds; a slot held longer was left by a crashed process.
STALE_SLOT = timedelta(minutes=10)


class ListBusy(Exception):
    """Another co-host's list of the same event is being matched right now."""


@dataclass(frozen=True)
class ListReport:
    invited: int
    # Exact; show through disclosure.publish only.
    skipped: int


def _event_and_host(hub: Hub, event_id: str, partner_slug: str) -> tuple[JointEvent, EventHost]:
    with hub.transaction() as session:
        event = session.get(JointEvent, event_id)
        host = session.get(EventHost, (event_id, partner_slug))
    if event is None or host is None or host.status is not HostStatus.ACCEPTED:
        raise InvalidInput.one("event", "Your organisation does not co-host this event.")
    return event, host


def invitation_text(event: JointEvent, partner_name: str) -> tuple[str, str]:
    """The subject and body of an invitation in English (the RSVP link is added below)."""
    return wording.invitation(event, partner_name)


def commit_list(
    hub: Hub,
    vaults: VaultDirectory,
    settings: Settings,
    *,
    event_id: str,
    partner_slug: str,
    audience: Audience,
    actor: str,
) -> ListReport:
    """Match this co-host's list against the earlier ones and send its invitations.

    Committing again returns the first commit's report (a double submit invites nobody twice).
    """
    event, host = _event_and_host(hub, event_id, partner_slug)
    if host.list_committed_at is not None:
        return ListReport(host.invited, host.skipped)
    if event.status is not EventStatus.OPEN:
        raise InvalidInput.one("event", "This event is cancelled.")
    if event.registration_deadline <= utcnow():
        raise InvalidInput.one("event", "Registration for this event has closed.")
    with hub.transaction() as session:
        partner = by_slug(session, partner_slug)
        assert partner is not None
        partner_name = partner.name
        now = utcnow()
        taken = session.execute(
            update(JointEvent)
            .where(
                JointEvent.id == event_id,
                JointEvent.matching_partner.is_(None)
                | (JointEvent.matching_since < now - STALE_SLOT),
            )
            .values(matching_partner=partner_slug, matching_since=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise ListBusy()
    try:
        return _match_and_send(
            hub, vaults, settings, event, partner_slug, partner_name, audience, actor
        )
    finally:
        with hub.transaction() as session:
            session.execute(delete(EventListToken).where(EventListToken.event_id == event_id))
            session.execute(
                update(JointEvent)
                .where(JointEvent.id == event_id, JointEvent.matching_partner == partner_slug)
                .values(matching_partner=None, matching_since=None)
                .execution_options(synchronize_session=False)
            )


def _match_and_send(
    hub: Hub,
    vaults: VaultDirectory,
    settings: Settings,
    event: JointEvent,
    partner_slug: str,
    partner_name: str,
    audience: Audience,
    actor: str,
) -> ListReport:
    with hub.transaction() as session:
        # Re-read under the slot: another co-host may have committed since the first look.
        host = session.get_one(EventHost, (event.id, partner_slug))
        if host.list_committed_at is not None:
            return ListReport(host.invited, host.skipped)
        earlier = [
            h.partner_slug
            for h in session.scalars(
                select(EventHost)
                .where(EventHost.event_id == event.id, EventHost.list_committed_at.is_not(None))
                .order_by(EventHost.list_order)
            )
        ]
    try:
        mine = vaults.vault(partner_slug).select_event_list(event.id, audience)
    except UnknownPurpose:
        raise InvalidInput.one("purpose", "Choose a purpose you write to by email.") from None
    try:
        published = {slug: vaults.vault(slug).invited_tokens(event.id) for slug in earlier}
        published[partner_slug] = mine
        with hub.transaction() as session:
            rows = [
                {
                    "event_id": event.id,
                    "partner_slug": slug,
                    "pseudonym": record.pseudonym,
                    "token": value,
                }
                for slug, records in published.items()
                for record in records
                for value in record.tokens
            ]
            if rows:
                session.execute(insert(EventListToken), rows)
        skip = _linked_to_earlier(hub, event.id, partner_slug, mine)
    except BaseException:
        vaults.vault(partner_slug).forget_event_selection(event.id)
        raise
    finally:
        with hub.transaction() as session:
            session.execute(delete(EventListToken).where(EventListToken.event_id == event.id))
    subject, body = invitation_text(event, partner_name)
    content = InvitationContent(
        title=event.title,
        starts_at=event.starts_at,
        subject=subject,
        body=body,
        ics=invitation_ics(
            event, organiser_name=partner_name, organiser_address=settings.mail_from
        ),
        expires_at=event.ends_at,
        localised=wording.in_every_language(
            lambda language: wording.invitation(event, partner_name, language)
        ),
    )
    report = vaults.vault(partner_slug).send_event_invitations(
        event.id, content, partner_name=partner_name, skip=sorted(skip)
    )
    invited = report.invited
    with hub.transaction() as session:
        committed = session.get_one(JointEvent, event.id)
        committed.lists_committed += 1
        host = session.get_one(EventHost, (event.id, partner_slug))
        host.list_order = committed.lists_committed
        host.list_committed_at = utcnow()
        host.invited = invited
        host.skipped = len(skip)
        record(
            session,
            actor=actor,
            action="event.invitations",
            object_ref=f"event:{event.id}",
            detail=partner_slug,
        )
    # Those whose consent changed between selection and queueing are simply not invited.
    return ListReport(invited, len(skip))


def _linked_to_earlier(
    hub: Hub, event_id: str, partner_slug: str, mine: list[Invitee]
) -> set[bytes]:
    """Pseudonyms of the new list whose person an earlier co-host already invited, linked
    from the tokens as the hub holds them."""
    by_record: dict[tuple[str, bytes], list[bytes]] = defaultdict(list)
    with hub.transaction() as session:
        for slug, pseudonym, value in session.execute(
            select(EventListToken.partner_slug, EventListToken.pseudonym, EventListToken.token)
            .where(EventListToken.event_id == event_id)
            .order_by(EventListToken.id)
        ):
            by_record[(slug, pseudonym)].append(value)
    others = [(key, tokens) for key, tokens in by_record.items() if key[0] != partner_slug]
    order = [invitee.pseudonym for invitee in mine]
    submissions: list[tuple[str, list[tuple[str | None, list[bytes]]]]] = [
        (EARLIER, [(None, tokens) for _, tokens in others]),
        (partner_slug, [(None, by_record.get((partner_slug, p), [])) for p in order]),
    ]
    reach: list[int] = []
    link_and_count([EARLIER, partner_slug], submissions, reach=reach)
    return {p for p, others_count in zip(order, reach[len(others) :], strict=True) if others_count}


def cancel_event(
    hub: Hub,
    vaults: VaultDirectory,
    settings: Settings,
    *,
    event_id: str,
    partner_slug: str,
    actor: str,
) -> int:
    """Cancel an event (its creating partner only) and tell every co-host's invitees, with a
    METHOD:CANCEL .ics; returns how many messages were queued. Safe to run again."""
    with hub.transaction() as session:
        event = session.get(JointEvent, event_id)
        if event is None or event.owner_partner != partner_slug:
            raise InvalidInput.one("event", "Only the partner that created the event cancels it.")
        if event.status is not EventStatus.CANCELLED:
            event.status = EventStatus.CANCELLED
            record(session, actor=actor, action="event.cancel", object_ref=f"event:{event_id}")
        committed = [
            h.partner_slug
            for h in session.scalars(
                select(EventHost).where(
                    EventHost.event_id == event_id, EventHost.list_committed_at.is_not(None)
                )
            )
        ]
        names = {}
        for slug in committed:
            partner = by_slug(session, slug)
            names[slug] = partner.name if partner else slug
    queued = 0
    for slug in committed:
        subject, body = wording.cancellation(event.title)
        cancellation = Cancellation(
            subject=subject,
            body=body,
            ics=invitation_ics(
                event, organiser_name=names[slug], organiser_address=settings.mail_from
            ),
            localised=wording.in_every_language(
                lambda language: wording.cancellation(event.title, language)
            ),
        )
        queued += vaults.vault(slug).notify_event_cancelled(
            event_id, cancellation, partner_name=names[slug]
        )
    return queued


def clear_leftovers(hub: Hub) -> int:
    """Delete list tokens and matching slots a crashed process left behind; returns how many
    tokens went. Tokens of a list being matched now (a fresh slot) are left alone."""
    cutoff = utcnow() - STALE_SLOT
    with hub.transaction() as session:
        busy = select(JointEvent.id).where(
            JointEvent.matching_partner.is_not(None), JointEvent.matching_since >= cutoff
        )
        result = session.execute(delete(EventListToken).where(EventListToken.event_id.not_in(busy)))
        session.execute(
            update(JointEvent)
            .where(JointEvent.matching_partner.is_not(None), JointEvent.matching_since < cutoff)
            .values(matching_partner=None, matching_since=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def count_attendance(hub: Hub, vaults: VaultDirectory, event_id: str) -> None:
    """Copy how many of each co-host's invitees came (counted in its vault) to the hub."""
    with hub.transaction() as session:
        committed = list(
            session.scalars(
                select(EventHost.partner_slug).where(
                    EventHost.event_id == event_id, EventHost.list_committed_at.is_not(None)
                )
            )
        )
    attended = {
        slug: vaults.vault(slug).event_invitation_counts(event_id).get("attended", 0)
        for slug in committed
    }
    with hub.transaction() as session:
        for slug, count in attended.items():
            session.execute(
                update(EventHost)
                .where(EventHost.event_id == event_id, EventHost.partner_slug == slug)
                .values(attended=count)
                .execution_options(synchronize_session=False)
            )
