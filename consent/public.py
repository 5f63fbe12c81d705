"""The port between the hub and a partner's vault: what the hub may ask, in wire types.

:class:`VaultPort` has one method per thing the hub (``concord``, ``outreach``) may ask of
one partner's vault, and :class:`VaultDirectory` gives the hub the port of each partner. The
arguments and results are frozen dataclasses of primitives (str, int, bool, bytes, datetime,
tuples, lists and dicts of those), so that every call can cross a process boundary as JSON:
single-box mode calls the vault in process, federated mode over HTTPS, with the same types.

What may cross: counts, keyed tokens, pseudonyms for one round or item, outcomes ("queued
120"). A name, an address or a contact id never does, except towards the contact themselves
(a preference-centre link for the person who proved their address). Each method's docstring
says what leaves the vault.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

# Sizes of what a vault hands out: a keyed token, and a pseudonym for one round or item.
TOKEN_BYTES = 32
PSEUDONYM_BYTES = 16


class PortError(Exception):
    """A refusal a vault answers with, which travels back across the port as itself."""


class UnknownPurpose(PortError, ValueError):
    """The request names a purpose this vault does not have."""


class NodeUnavailable(PortError):
    """The vault's node did not answer in time, or answered with an error, after retries."""


class NoMatchingKey(PortError):
    """The vault has no key for tokens yet (a node waiting for the partnership key)."""


class RoundRefused(PortError):
    """A blinding step the vault will not take: an unknown round, a set of another size than
    the one announced, or a set it has blinded already."""


# --- Matching rounds -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """One contact, as a round sees it: a fresh pseudonym, a shared category, its tokens."""

    pseudonym: bytes
    category: str | None
    tokens: tuple[bytes, ...]


@dataclass(frozen=True)
class VaultSubmission:
    """A vault's records for one round."""

    records: list[RoundRecord]
    # Identifiers carried by more than one of this vault's contacts (a switchboard, a team
    # inbox): left out of linking, and reported to the vault's own staff only.
    shared_identifiers: int


@dataclass(frozen=True)
class OverlapFlag:
    """A pseudonym of a round, and how many other partners hold the person behind it."""

    pseudonym: bytes
    other_partners: int


@dataclass(frozen=True)
class PartnershipKeyStatus:
    """Which partnership key a node holds (its id and creation time, never the key), and the
    X25519 key to seal a newer one to."""

    key_id: str | None
    created: float | None
    sealing_key: str


@dataclass(frozen=True)
class PartnershipFacts:
    """What the partnership tells every vault: its shared categories (slug to name), which
    a vault's own categories map to, and whether per-contact overlap flags may come back
    under the principles in force."""

    shared_categories: dict[str, str]
    contact_flags: bool


# --- Outreach audiences and mail -------------------------------------------------------


@dataclass(frozen=True)
class AudienceSegment:
    """Who an item is for, in the owning partner's own vocabulary."""

    purpose_code: str
    channel: str
    # "" for everyone, "own:<own category>" or "shared:<shared category slug>".
    category: str = ""
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class PurposeSummary:
    """A purpose of the partner's catalogue, as the item and event forms offer it."""

    code: str
    name: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class AudienceChoices:
    """What a partner's staff can build a segment from: purposes, own categories, tags."""

    purposes: list[PurposeSummary]
    categories: list[str]
    tags: list[str]


@dataclass(frozen=True)
class AudienceTokens:
    """An audience as the hub may see it: per person, the keyed tokens of the calendar period.

    ``untokenised`` counts members with no identifier the hub could link (post only, or only
    identifiers several contacts share); they count for the owner but not across partners.
    """

    records: list[tuple[bytes, ...]]
    untokenised: int
    # One fresh pseudonym per record, when the vault keeps the map for per-contact answers.
    pseudonyms: list[bytes] | None = None


@dataclass(frozen=True)
class Mail:
    """One message for many contacts: ``template`` names a triplet under
    ``templates/consent/mail/`` that renders ``subject`` and ``body``; ``kind`` says what
    the message is (an outreach item, a welcome) in the vault's outbox."""

    kind: str
    template: str
    subject: str
    body: str
    # The subject and body in other languages, by language; each contact gets theirs.
    localised: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueReport:
    """Messages in the outbox for this call (queued now or by an earlier call with the same
    prefix), and contacts that consent, a restriction or the suppression list left out."""

    queued: int
    skipped: int


@dataclass(frozen=True)
class SendReport:
    """What one pass over a vault's outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class RequestCounts:
    """How many data-subject requests are open, and how many of those are past their due date."""

    open: int
    overdue: int


# --- Joint events ----------------------------------------------------------------------


class Answer(enum.StrEnum):
    """An invitee's answer to an invitation."""

    NONE = "none"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WAITING = "waiting"


@dataclass(frozen=True)
class Audience:
    """Whom a co-host invites: consenting contacts of a purpose by email, optionally narrowed."""

    purpose_code: str
    category: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Invitee:
    """One person of a co-host's list, as the hub matches it: a throwaway pseudonym and the
    keyed tokens of the event."""

    pseudonym: bytes
    tokens: tuple[bytes, ...]


@dataclass(frozen=True)
class InvitationContent:
    """What every invitee's message says (the RSVP link is added per invitee), and the event's
    title and start, which the vault keeps for its attendance sheet."""

    title: str
    starts_at: datetime
    subject: str
    body: str
    ics: str
    expires_at: datetime
    # The subject and body in each language the hub writes in, by language; the vault sends
    # each contact theirs, and the fields above to a contact with none of these.
    localised: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class InvitationReport:
    """How many of a list were invited, and how many could no longer be written to."""

    invited: int
    not_sendable: int


@dataclass(frozen=True)
class InvitationHandle:
    """An invitation as the hub may see it: an opaque reference, its event, the answer."""

    ref: str
    event_id: str
    answer: Answer
    expired: bool
    # The invitee's preferred language ("" for none), for the answer page only.
    language: str = ""


@dataclass(frozen=True)
class PlaceOffer:
    """The message telling a waiting invitee that a place opened."""

    subject: str
    body: str
    # The subject and body in each language the hub writes in, by language; the vault sends
    # each contact theirs, and the fields above to a contact with none of these.
    localised: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancellation:
    """The message telling invitees that an event is cancelled, with its .ics."""

    subject: str
    body: str
    ics: str
    # The subject and body in each language the hub writes in, by language; the vault sends
    # each contact theirs, and the fields above to a contact with none of these.
    localised: dict[str, tuple[str, str]] = field(default_factory=dict)


# --- Find my data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """How a stakeholder's own request reached the hub: the token of their session, their
    client's network address and user agent (the vault keeps a hash and a truncation)."""

    token: str
    client_address: str
    user_agent: str


# --- The port --------------------------------------------------------------------------


@runtime_checkable
class VaultPort(Protocol):
    """Everything the hub may ask of one partner's vault."""

    # Matching rounds

    def round_submission(
        self,
        round_id: str,
        *,
        shared_categories: tuple[str, ...],
        only_category: str | None = None,
        keep_pseudonyms: bool = False,
    ) -> VaultSubmission:
        """Leaves the vault: per contact, a fresh pseudonym, a shared category and keyed
        tokens under the round's key; and the count of identifiers several contacts share."""
        ...

    def apply_overlap_flags(self, round_id: str, flags: list[OverlapFlag]) -> int:
        """Leaves the vault: how many contacts are now flagged as also held elsewhere."""
        ...

    def forget_round(self, round_id: str | None = None) -> None:
        """Leaves the vault: nothing; it drops the round's pseudonym map and its blinding
        scalar (every round's)."""
        ...

    # Federated rounds: n-party commutative blinding

    def blinded_submission(
        self,
        round_id: str,
        *,
        shared_categories: tuple[str, ...],
        only_category: str | None = None,
        keep_pseudonyms: bool = False,
    ) -> VaultSubmission:
        """Leaves the vault: as ``round_submission``, with each identifier's group element
        raised to a scalar drawn for this round (which stays in memory, inside)."""
        ...

    def announce_round(self, round_id: str, set_sizes: dict[str, int]) -> None:
        """Leaves the vault: nothing; it notes the size of each other partner's set, the
        only sizes it will re-blind in this round."""
        ...

    def reblind(self, round_id: str, origin: str, offset: int, points: list[bytes]) -> list[bytes]:
        """Leaves the vault: the next chunk of ``origin``'s set, raised to its own scalar;
        each set once, in order, at the announced size."""
        ...

    # The partnership key (federated mode): keys calendar and event tokens

    def partnership_key_status(self) -> PartnershipKeyStatus:
        """Leaves the vault: the id and creation time of the partnership key it holds, and
        its public sealing key."""
        ...

    def start_partnership_key(self) -> PartnershipKeyStatus:
        """Leaves the vault: the status of a partnership key it makes now, if it has none."""
        ...

    def seal_partnership_key(self, recipient_sealing_key: str) -> bytes:
        """Leaves the vault: its partnership key in a sealed box that only the holder of
        ``recipient_sealing_key`` can open."""
        ...

    def accept_partnership_key(self, sealed: bytes) -> PartnershipKeyStatus:
        """Leaves the vault: the status of the key it holds after opening ``sealed`` (kept
        if newer)."""
        ...

    def learn_partnership(self, facts: PartnershipFacts) -> None:
        """Leaves the vault: nothing; a node keeps the partnership's shared categories and
        sharing rules for its own pages (on a single box the hub answers them already)."""
        ...

    # Outreach audiences

    def audience_choices(self) -> AudienceChoices:
        """Leaves the vault: its purposes' codes, names and channels, its own categories and
        its most used tags, for its own staff's forms."""
        ...

    def check_audience(self, segment: AudienceSegment) -> dict[str, str]:
        """Leaves the vault: a message per field of the segment it cannot honour."""
        ...

    def audience_size(self, segment: AudienceSegment, *, item_ref: str | None = None) -> int:
        """Leaves the vault: how many contacts the segment reaches now, for its own staff."""
        ...

    def audience_tokens(
        self,
        segment: AudienceSegment,
        *,
        period_id: str,
        item_ref: str | None = None,
        keep_pseudonyms: bool = False,
    ) -> AudienceTokens:
        """Leaves the vault: per member, the keyed tokens of the calendar period (and a fresh
        pseudonym with ``keep_pseudonyms``), and how many members had no token."""
        ...

    def exclude_from_audience(self, item_ref: str, pseudonyms: list[bytes], reason: str) -> int:
        """Leaves the vault: how many contacts behind ``pseudonyms`` were newly left out."""
        ...

    def forget_audience(self, item_ref: str, *, exclusions: bool = False) -> None:
        """Leaves the vault: nothing; it drops the item's pseudonym map (and exclusions)."""
        ...

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
        """Leaves the vault: how many messages are queued to the segment and how many
        contacts were left out; who they are stays inside."""
        ...

    def cancel_queued_mail(self, idempotency_prefix: str, reason: str) -> int:
        """Leaves the vault: how many unsent messages under the prefix were cancelled."""
        ...

    def send_due_mail(self) -> SendReport:
        """Leaves the vault: how many due messages were sent, retried, failed or cancelled."""
        ...

    def mail_status(self, idempotency_prefix: str) -> dict[str, int]:
        """Leaves the vault: how many messages under the prefix are in each status."""
        ...

    # Rights

    def request_counts(self) -> RequestCounts:
        """Leaves the vault: how many data-subject requests are open, and how many overdue."""
        ...

    # Joint events

    def event_audience_size(self, audience: Audience) -> int:
        """Leaves the vault: how many contacts the invitation audience names now."""
        ...

    def select_event_list(self, event_id: str, audience: Audience) -> list[Invitee]:
        """Leaves the vault: per selected invitee, a throwaway pseudonym and the event's keyed
        tokens; the selection itself stays inside until it is sent or forgotten."""
        ...

    def invited_tokens(self, event_id: str) -> list[Invitee]:
        """Leaves the vault: the event's keyed tokens of the people it already invited, under
        throwaway pseudonyms."""
        ...

    def send_event_invitations(
        self,
        event_id: str,
        content: InvitationContent,
        *,
        partner_name: str,
        skip: list[bytes],
    ) -> InvitationReport:
        """Leaves the vault: how many of the selection were invited (all but ``skip``), and
        how many could no longer be written to."""
        ...

    def forget_event_selection(self, event_id: str) -> None:
        """Leaves the vault: nothing; it drops a selection that was not sent."""
        ...

    def find_invitation(self, rsvp_token: str) -> InvitationHandle | None:
        """Leaves the vault: the opaque reference, event and answer of the invitation an RSVP
        link names, or nothing if it issued no such link."""
        ...

    def change_invitation_answer(self, ref: str, *, expected: Answer, new: Answer) -> bool:
        """Leaves the vault: whether the answer was still ``expected`` and is now ``new``."""
        ...

    def offer_event_place(self, ref: str, offer: PlaceOffer, *, partner_name: str) -> bool:
        """Leaves the vault: whether the invitee was waiting and is now offered the place."""
        ...

    def event_invitation_counts(self, event_id: str) -> dict[str, int]:
        """Leaves the vault: how many of its invitees gave each answer, and how many came."""
        ...

    def notify_event_cancelled(
        self, event_id: str, cancellation: Cancellation, *, partner_name: str
    ) -> int:
        """Leaves the vault: how many invitees were sent the cancellation."""
        ...

    # Find my data

    def holding_link(self, address: str) -> str | None:
        """Leaves the vault: for the person who proved ``address``, a fresh preference-centre
        path if the vault holds it; nothing is said about whom else it holds."""
        ...

    def withdraw_all_consent(self, address: str, evidence: Evidence) -> int:
        """Leaves the vault: how many consents of the person who proved ``address`` it
        withdrew."""
        ...


@runtime_checkable
class VaultDirectory(Protocol):
    """The hub's way to each partner's vault."""

    def vault(self, partner_slug: str) -> VaultPort:
        """The port of ``partner_slug``'s vault."""
        ...
