"""The port served in process: single-box mode, where the hub's call is a function call.

Each method opens the partner's vault, asks the feature service that owns the question, and
answers in wire types, exactly as a vault node will over HTTPS.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import asdict

from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.settings import Settings
from consent.audiences import tokens as audiences
from consent.audiences.services import check_segment
from consent.contacts.models import Contact
from consent.db import Vaults
from consent.finder import holdings
from consent.invitations import services as invitations
from consent.outbox import queueing
from consent.outbox import services as outbox
from consent.overlap import blind_rounds, rounds
from consent.public import (
    Answer,
    Audience,
    AudienceChoices,
    AudienceSegment,
    AudienceTokens,
    Cancellation,
    Evidence,
    InvitationContent,
    InvitationHandle,
    InvitationReport,
    Invitee,
    Mail,
    NoMatchingKey,
    OverlapFlag,
    PartnershipFacts,
    PartnershipKeyStatus,
    PlaceOffer,
    QueueReport,
    RequestCounts,
    SendReport,
    VaultPort,
    VaultSubmission,
)
from consent.rights import requests as rights_requests
from consent.tokens import matching_key

SINGLE_BOX = "a vault on the hub's box keys its tokens with the matching secret"


class InProcessVault:
    """One partner's vault, reached by function calls on this box."""

    def __init__(self, vaults: Vaults, settings: Settings, partner_slug: str) -> None:
        self._vaults = vaults
        self._settings = settings
        self._slug = partner_slug

    def _open(self) -> AbstractContextManager[Session]:
        return self._vaults.transaction(self._slug)

    # Matching rounds

    def round_submission(
        self,
        round_id: str,
        *,
        shared_categories: tuple[str, ...],
        only_category: str | None = None,
        keep_pseudonyms: bool = False,
    ) -> VaultSubmission:
        return rounds.round_submission(
            self._vaults,
            self._settings,
            self._slug,
            round_id=round_id,
            shared_categories=shared_categories,
            only_category=only_category,
            keep_pseudonyms=keep_pseudonyms,
        )

    def apply_overlap_flags(self, round_id: str, flags: list[OverlapFlag]) -> int:
        pairs = ((flag.pseudonym, flag.other_partners) for flag in flags)
        return rounds.apply_overlap_flags(self._vaults, self._slug, round_id, pairs)

    def forget_round(self, round_id: str | None = None) -> None:
        rounds.forget_round(self._vaults, self._slug, round_id)

    # Federated rounds

    def blinded_submission(
        self,
        round_id: str,
        *,
        shared_categories: tuple[str, ...],
        only_category: str | None = None,
        keep_pseudonyms: bool = False,
    ) -> VaultSubmission:
        return rounds.round_submission(
            self._vaults,
            self._settings,
            self._slug,
            round_id=round_id,
            shared_categories=shared_categories,
            only_category=only_category,
            keep_pseudonyms=keep_pseudonyms,
            blinded=True,
        )

    def announce_round(self, round_id: str, set_sizes: dict[str, int]) -> None:
        blind_rounds.announce(self._slug, round_id, set_sizes)

    def reblind(self, round_id: str, origin: str, offset: int, points: list[bytes]) -> list[bytes]:
        return blind_rounds.reblind(self._slug, round_id, origin, offset, points)

    # The partnership key lives on nodes; a vault on the hub's box keys its tokens with the
    # matching secret instead.

    def partnership_key_status(self) -> PartnershipKeyStatus:
        raise NoMatchingKey(SINGLE_BOX)

    def start_partnership_key(self) -> PartnershipKeyStatus:
        raise NoMatchingKey(SINGLE_BOX)

    def seal_partnership_key(self, recipient_sealing_key: str) -> bytes:
        raise NoMatchingKey(SINGLE_BOX)

    def accept_partnership_key(self, sealed: bytes) -> PartnershipKeyStatus:
        raise NoMatchingKey(SINGLE_BOX)

    def learn_partnership(self, facts: PartnershipFacts) -> None:
        """On a single box the vault's host is the hub, which knows these already."""

    # Outreach audiences

    def audience_choices(self) -> AudienceChoices:
        with self._open() as session:
            return audiences.choices(session)

    def check_audience(self, segment: AudienceSegment) -> dict[str, str]:
        with self._open() as session:
            return check_segment(session, segment)

    def audience_size(self, segment: AudienceSegment, *, item_ref: str | None = None) -> int:
        with self._open() as session:
            return len(audiences.members(session, self._settings, self._slug, segment, item_ref))

    def audience_tokens(
        self,
        segment: AudienceSegment,
        *,
        period_id: str,
        item_ref: str | None = None,
        keep_pseudonyms: bool = False,
    ) -> AudienceTokens:
        with self._open() as session:
            return audiences.audience_tokens(
                session,
                self._settings,
                self._slug,
                segment,
                period_id=period_id,
                item_ref=item_ref,
                keep_pseudonyms=keep_pseudonyms,
            )

    def exclude_from_audience(self, item_ref: str, pseudonyms: list[bytes], reason: str) -> int:
        with self._open() as session:
            return audiences.exclude(session, item_ref, pseudonyms, reason)

    def forget_audience(self, item_ref: str, *, exclusions: bool = False) -> None:
        with self._open() as session:
            audiences.forget(session, item_ref, exclusions=exclusions)

    # Mail

    def queue_mail(
        self,
        segment: AudienceSegment,
        mail: Mail,
        *,
        partner_name: str,
        idempotency_prefix: str,
        item_ref: str | None = None,
        limit: int | None = None,
    ) -> QueueReport:
        return queueing.queue_mail(
            self._vaults,
            self._settings,
            self._slug,
            segment,
            mail,
            partner_name=partner_name,
            idempotency_prefix=idempotency_prefix,
            item_ref=item_ref,
            limit=limit,
        )

    def cancel_queued_mail(self, idempotency_prefix: str, reason: str) -> int:
        with self._open() as session:
            return outbox.cancel_queued_with_prefix(
                session, self._settings, idempotency_prefix, reason
            )

    def send_due_mail(self) -> SendReport:
        return SendReport(**asdict(outbox.send_due(self._vaults, self._settings, self._slug)))

    def mail_status(self, idempotency_prefix: str) -> dict[str, int]:
        with self._open() as session:
            return queueing.status(session, idempotency_prefix)

    # Rights

    def request_counts(self) -> RequestCounts:
        with self._open() as session:
            return rights_requests.counts(session)

    # Joint events

    def _event_key(self, event_id: str) -> bytes:
        return matching_key(self._settings, f"event:{event_id}")

    def event_audience_size(self, audience: Audience) -> int:
        with self._open() as session:
            _, contacts = invitations.audience_contacts(
                session, self._settings, self._slug, audience
            )
            return len(contacts)

    def select_event_list(self, event_id: str, audience: Audience) -> list[Invitee]:
        key = self._event_key(event_id)
        with self._open() as session:
            selected = invitations.select_audience(
                session, self._settings, self._slug, event_id=event_id, audience=audience, key=key
            )
        return [Invitee(pseudonym, tokens) for pseudonym, tokens in selected]

    def invited_tokens(self, event_id: str) -> list[Invitee]:
        key = self._event_key(event_id)
        with self._open() as session:
            taken = invitations.invited_tokens(session, event_id=event_id, key=key)
        return [Invitee(pseudonym, tokens) for pseudonym, tokens in taken]

    def send_event_invitations(
        self,
        event_id: str,
        content: InvitationContent,
        *,
        partner_name: str,
        skip: list[bytes],
    ) -> InvitationReport:
        with self._open() as session:
            invited, not_sendable = invitations.send_invitations(
                session,
                self._settings,
                self._slug,
                partner_name=partner_name,
                event_id=event_id,
                skip=set(skip),
                content=content,
            )
        return InvitationReport(invited, not_sendable)

    def forget_event_selection(self, event_id: str) -> None:
        with self._open() as session:
            invitations.forget_selection(session, event_id)

    def find_invitation(self, rsvp_token: str) -> InvitationHandle | None:
        with self._open() as session:
            found = invitations.by_rsvp_token(session, rsvp_token)
            if found is None:
                return None
            expired = found.expires_at <= utcnow()
            language = session.get_one(Contact, found.contact_id).language
            return InvitationHandle(
                found.ref, found.event_id, Answer(found.answer), expired, language
            )

    def change_invitation_answer(self, ref: str, *, expected: Answer, new: Answer) -> bool:
        with self._open() as session:
            return invitations.change_answer(session, ref, expected=expected, new=new)

    def offer_event_place(self, ref: str, offer: PlaceOffer, *, partner_name: str) -> bool:
        with self._open() as session:
            return invitations.offer_place(
                session,
                self._settings,
                self._slug,
                partner_name=partner_name,
                ref=ref,
                subject=offer.subject,
                body=offer.body,
                localised=offer.localised,
            )

    def event_invitation_counts(self, event_id: str) -> dict[str, int]:
        with self._open() as session:
            return invitations.counts(session, event_id)

    def notify_event_cancelled(
        self, event_id: str, cancellation: Cancellation, *, partner_name: str
    ) -> int:
        with self._open() as session:
            return invitations.notify_cancellation(
                session,
                self._settings,
                self._slug,
                partner_name=partner_name,
                event_id=event_id,
                subject=cancellation.subject,
                body=cancellation.body,
                ics=cancellation.ics,
                localised=cancellation.localised,
            )

    # Find my data

    def holding_link(self, address: str) -> str | None:
        with self._open() as session:
            return holdings.holding_link(session, address)

    def withdraw_all_consent(self, address: str, evidence: Evidence) -> int:
        with self._open() as session:
            return holdings.withdraw_all_consent(session, address, evidence)


class InProcessDirectory:
    """Every partner's vault on this box, each behind its port."""

    def __init__(self, vaults: Vaults, settings: Settings) -> None:
        self._vaults = vaults
        self._settings = settings

    def vault(self, partner_slug: str) -> VaultPort:
        return InProcessVault(self._vaults, self._settings, partner_slug)
