"""What a stakeholder may change about themselves, and the ledger entries that record it.

Every change is made by the stakeholder (actor ``stakeholder``), authenticated by a link token,
and carries its evidence: the token's hash, the client's address truncated to its network, the
user agent. Giving email consent for a consent-based purpose is double opt-in: it stays
``pending`` until the emailed confirmation link is followed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.languages import language_tag
from concord.secrets import token_hash
from concord.settings import Settings
from consent.contacts.models import Contact, ContactChange
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState, CurrentConsent
from consent.links import services as links
from consent.links.models import LinkKind, StakeholderLink
from consent.outbox import services as outbox
from consent.purposes import services as purposes
from consent.purposes.models import Channel, LegalBasis, Purpose

ACTOR = "stakeholder"
NAME_LIMITS = {"given_name": 200, "family_name": 200, "organisation": 300}


def truncated_address(address: str) -> str:
    """The client's network rather than its address: /24 for IPv4, /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class CannotConfirm(Exception):
    """Email consent cannot be confirmed: no address to send to, or processing restricted."""


@dataclass(frozen=True)
class Evidence:
    """How a stakeholder's request reached us: recorded with every change it makes."""

    token: str
    client_address: str
    user_agent: str
    # The language of the page the person acted on.
    language: str = ""

    def notice_language(self, purpose: Purpose) -> str:
        """The language of the notice of ``purpose`` that this page showed."""
        return purposes.shown(purpose, self.language).language

    def as_dict(self, **extra: str) -> dict[str, str]:
        return {
            "token_sha256": token_hash(self.token),
            "address": truncated_address(self.client_address),
            "user_agent": self.user_agent[:200],
            **extra,
        }


@dataclass(frozen=True)
class Choice:
    """One purpose and channel as the preference centre shows it."""

    purpose: Purpose
    channel: Channel
    state: ConsentState | None

    @property
    def on(self) -> bool:
        if self.purpose.legal_basis is LegalBasis.CONSENT:
            return self.state is ConsentState.GIVEN
        return self.state in (None, ConsentState.GIVEN)

    @property
    def pending(self) -> bool:
        return self.state is ConsentState.PENDING

    @property
    def field(self) -> str:
        return f"{self.purpose.id}-{self.channel.value}"


def choices(session: Session, contact_id: int) -> list[Choice]:
    current = ledger.current(session, contact_id)
    purposes = session.scalars(select(Purpose).order_by(Purpose.name)).all()
    return [
        Choice(purpose, channel, current.get((purpose.id, channel)))
        for purpose in purposes
        for channel in purpose.channel_list
    ]


def _state(
    session: Session, contact_id: int, purpose: Purpose, channel: Channel
) -> ConsentState | None:
    current = session.get(CurrentConsent, (contact_id, purpose.id, channel))
    return current.state if current else None


def withdraw(
    session: Session,
    contact_id: int,
    purpose: Purpose,
    channel: Channel,
    *,
    method: CollectionMethod,
    evidence: Evidence,
) -> bool:
    """Withdraw (or object to) one purpose and channel; False if already withdrawn."""
    if _state(session, contact_id, purpose, channel) is ConsentState.WITHDRAWN:
        return False
    ledger.append(
        session,
        contact_id=contact_id,
        purpose=purpose,
        channel=channel,
        state=ConsentState.WITHDRAWN,
        method=method,
        actor=ACTOR,
        evidence=evidence.as_dict(),
        notice_language=evidence.notice_language(purpose),
    )
    outbox.cancel_queued(session, contact_id, purpose.id)
    return True


def withdraw_everything(
    session: Session, contact_id: int, *, method: CollectionMethod, evidence: Evidence
) -> int:
    """Withdraw every purpose and channel now on or pending; returns how many changed."""
    changed = 0
    for choice in choices(session, contact_id):
        if (choice.on or choice.pending) and withdraw(
            session, contact_id, choice.purpose, choice.channel, method=method, evidence=evidence
        ):
            changed += 1
    outbox.cancel_queued(session, contact_id)
    return changed


def give(
    session: Session,
    settings: Settings,
    *,
    partner_slug: str,
    partner_name: str,
    contact: Contact,
    purpose: Purpose,
    channel: Channel,
    evidence: Evidence,
) -> ConsentState | None:
    """Give consent to one purpose and channel; returns the new state, or None if unchanged.

    Email consent to a consent-based purpose becomes ``pending`` and a confirmation message
    is queued; the preference link in ``evidence`` is the one its confirm link extends.
    """
    state = _state(session, contact.id, purpose, channel)
    if state is ConsentState.GIVEN or (
        state is None and purpose.legal_basis is not LegalBasis.CONSENT
    ):
        return None
    double_opt_in = channel is Channel.EMAIL and purpose.legal_basis is LegalBasis.CONSENT
    if state is ConsentState.PENDING:
        return None
    new_state = ConsentState.PENDING if double_opt_in else ConsentState.GIVEN
    # A savepoint: if no confirmation can be sent (no address, restricted, suppressed), the
    # pending state is not recorded either.
    try:
        with session.begin_nested():
            event = ledger.append(
                session,
                contact_id=contact.id,
                purpose=purpose,
                channel=channel,
                state=new_state,
                method=CollectionMethod.PREFERENCE_CENTRE,
                actor=ACTOR,
                evidence=evidence.as_dict(),
                notice_language=evidence.notice_language(purpose),
            )
            if double_opt_in:
                confirm = links.issue(
                    session, LinkKind.CONFIRM, contact.id, purpose_id=purpose.id, channel=channel
                )
                url = f"{settings.public_url}/p/{evidence.token}/confirm/{confirm}"
                outbox.queue(
                    session,
                    settings,
                    partner_slug=partner_slug,
                    partner_name=partner_name,
                    contact=contact,
                    purpose=purpose,
                    channel=channel,
                    kind=outbox.CONFIRMATION,
                    template="confirm_consent",
                    context={"confirm_url": url},
                    idempotency_key=f"confirm:{event.record_id}",
                )
    except outbox.NotSendable:
        raise CannotConfirm() from None
    return new_state


def confirm(
    session: Session, link: StakeholderLink, *, evidence: Evidence, now: datetime | None = None
) -> bool:
    """Follow a confirmation link: pending consent becomes given; False if nothing pended."""
    assert link.kind is LinkKind.CONFIRM and link.purpose_id and link.channel
    purpose = session.get_one(Purpose, link.purpose_id)
    now = now or utcnow()
    if _state(session, link.contact_id, purpose, link.channel) is not ConsentState.PENDING:
        return False
    ledger.append(
        session,
        contact_id=link.contact_id,
        purpose=purpose,
        channel=link.channel,
        state=ConsentState.GIVEN,
        method=CollectionMethod.PREFERENCE_CENTRE,
        actor=ACTOR,
        evidence=evidence.as_dict(
            confirmed_at=now.isoformat(), confirm_token_sha256=link.token_hash
        ),
        at=now,
        notice_language=evidence.notice_language(purpose),
    )
    link.used_at = now
    return True


def correct_profile(session: Session, contact: Contact, form: dict[str, str]) -> list[str]:
    """Apply the stakeholder's corrections to name, organisation and the language of the
    messages they get (a shipped one, or left as it is); returns what changed."""
    changed: list[str] = []
    for field, limit in NAME_LIMITS.items():
        value = " ".join(form.get(field, "").split())[:limit]
        if field in form and value != getattr(contact, field):
            setattr(contact, field, value)
            changed.append(field.replace("_", " "))
    language = language_tag(form.get("language", "")[:35])
    if language and language != contact.language:
        contact.language = language
        changed.append("language")
    if changed:
        contact.refresh_search()
        contact.updated_at = utcnow()
        session.add(
            ContactChange(
                contact_id=contact.id,
                actor=ACTOR,
                summary="changed " + ", ".join(changed) + " (by the stakeholder)",
            )
        )
    return changed


def unsubscribe(session: Session, token: str, *, evidence: Evidence) -> bool:
    """One-click unsubscribe: withdraw the link's purpose and channel; idempotent."""
    link = links.resolve(session, token, LinkKind.UNSUBSCRIBE)
    assert link.purpose_id and link.channel
    purpose = session.get_one(Purpose, link.purpose_id)
    return withdraw(
        session,
        link.contact_id,
        purpose,
        link.channel,
        method=CollectionMethod.ONE_CLICK,
        evidence=evidence,
    )
