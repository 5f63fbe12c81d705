"""Building a partner's record of processing activities (GDPR Art. 30(1)) from its data.

Nothing here is written per partner: the controller comes from the hub's partner record, the
purposes, legal bases and retention from the vault's purpose catalogue, the categories of
people from the categories its contacts carry (and their mapping onto the shared ones), the
categories of personal data from what the vault actually holds, the recipients from what the
platform sends where, and the security measures from the running configuration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.settings import Settings
from consent.categories.services import own_categories
from consent.contacts.models import Contact, ContactTag, Identifier
from consent.host import Host, SharingRules
from consent.importing.models import ImportBatch
from consent.ledger.models import ConsentEvent
from consent.purposes.models import LegalBasis, Purpose
from consent.rights.erasure import person_tables

FORMAT = "concord-records-of-processing/1"
PROFILE_FIELDS = {
    "given_name": "given name",
    "family_name": "family name",
    "organisation": "organisation",
    "country": "country",
    "language": "language",
    "category": "stakeholder category",
}
# Tables whose contents the other categories already describe.
DESCRIBED = frozenset(
    {"identifiers", "contact_tags", "contact_changes", "consent_events", "current_consents"}
)


@dataclass(frozen=True)
class Controller:
    name: str
    slug: str
    country: str


@dataclass(frozen=True)
class PurposeRecord:
    code: str
    name: str
    description: str
    legal_basis: str
    channels: list[str]
    retention_days: int
    notice_version: int | None


@dataclass(frozen=True)
class SubjectCategory:
    own: str
    shared: str | None


@dataclass(frozen=True)
class DataCategory:
    name: str
    items: list[str]


@dataclass(frozen=True)
class Recipient:
    name: str
    receives: str
    why: str


@dataclass(frozen=True)
class RetentionRule:
    what: str
    rule: str


@dataclass(frozen=True)
class RecordsOfProcessing:
    """The Art. 30(1) record, section by section."""

    controller: Controller
    generated_at: datetime
    purposes: list[PurposeRecord]
    legal_bases: list[str]
    data_subjects: list[SubjectCategory]
    shared_categories: list[str]
    personal_data: list[DataCategory]
    recipients: list[Recipient]
    transfers: list[str]
    retention: list[RetentionRule]
    security: list[str]

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["generated_at"] = self.generated_at.isoformat(timespec="seconds")
        return {"format": FORMAT, **document}


class UnknownPartner(LookupError):
    """No partner has this slug."""


def _purposes(vault: Session) -> list[PurposeRecord]:
    return [
        PurposeRecord(
            code=p.code,
            name=p.name,
            description=p.description,
            legal_basis=p.legal_basis.label,
            channels=[c.value for c in p.channel_list],
            retention_days=p.retention_days,
            notice_version=p.current_notice.version if p.current_notice else None,
        )
        for p in vault.scalars(select(Purpose).order_by(Purpose.code))
    ]


def _legal_bases(vault: Session) -> list[str]:
    bases = set(vault.scalars(select(Purpose.legal_basis).distinct()))
    bases |= set(vault.scalars(select(ImportBatch.lawful_basis).distinct()))
    return [b.label for b in LegalBasis if b in bases]


def _any(vault: Session, condition: Any) -> bool:
    return bool(vault.scalar(select(exists().where(condition))))


def _personal_data(vault: Session) -> list[DataCategory]:
    kinds = sorted(vault.scalars(select(Identifier.kind).distinct()))
    identifiers = [{"email": "email addresses", "phone": "phone numbers"}.get(k, k) for k in kinds]
    profile = [
        label for name, label in PROFILE_FIELDS.items() if _any(vault, getattr(Contact, name) != "")
    ]
    if _any(vault, ContactTag.tag.is_not(None)):
        profile.append("tags given by staff")
    consent = ["consent records: purpose, channel, state, time, notice version, method, source"]
    if vault.scalar(select(func.count()).select_from(ConsentEvent)):
        consent.append("evidence of consent (confirmation times, hashed tokens)")
    found = [
        DataCategory("Identifiers", identifiers),
        DataCategory("Profile", profile),
        DataCategory("Consent records", consent),
        DataCategory("Record of changes", ["what staff changed on a contact, and when"]),
    ]
    other = [
        table.name.replace("_", " ")
        for table, _ in person_tables()
        if table.name not in DESCRIBED and vault.scalar(select(func.count()).select_from(table))
    ]
    if other:
        found.append(DataCategory("Other records about the person", other))
    return [c for c in found if c.items]


def _recipients(settings: Settings, rules: SharingRules) -> list[Recipient]:
    hub = Recipient(
        "The partnership hub (on the platform)",
        "keyed tokens of normalised email addresses and phone numbers for the length of a "
        "matching round or calendar period, and counts rounded and with small cells suppressed",
        "finding how many stakeholders the partners share, without sharing lists",
    )
    recipients = [hub]
    if rules.contact_flags:
        recipients.append(
            Recipient(
                "This partner's own staff",
                "per-contact 'also held by N other partners' flags (never which partners)",
                "coordinating outreach, as the signed principles allow",
            )
        )
    relay = str(getattr(settings, "smtp_host", "") or "")
    recipients.append(
        Recipient(
            f"Email relay ({relay})" if relay else "The email relay the operator configures",
            "recipient address, name and the message",
            "delivering the partner's messages",
        )
    )
    return recipients


def _retention(vault: Session, settings: Settings) -> list[RetentionRule]:
    rules = [
        RetentionRule(
            f"{p.name} ({p.code})",
            f"{p.retention_days} days after the latest consent record for it",
        )
        for p in vault.scalars(select(Purpose).order_by(Purpose.code))
    ]
    rules += [
        RetentionRule(
            "Any contact",
            f"anonymised after {settings.inactive_months} months without a consent record "
            "or a change, or once past every purpose's period",
        ),
        RetentionRule(
            "Consent ledger",
            "kept as proof of consent; on erasure or anonymisation its entries become "
            "tombstones without personal data",
        ),
        RetentionRule(
            "Suppression list",
            "a keyed hash per identifier of people who objected or were erased, kept so that "
            "they are never imported again",
        ),
        RetentionRule(
            "Data-subject requests",
            "kept as the record of how each was answered; erasure removes the person's "
            "reference and notes",
        ),
    ]
    return rules


def _security(settings: Settings) -> list[str]:
    https = settings.public_url.startswith("https://")
    return [
        "Each partner's contacts are kept in a separate database (its vault), reached only by "
        "its own comms staff and admins; every route is checked against every role by a test.",
        f"Staff passwords are hashed with argon2id (time cost {settings.argon2_time_cost}, "
        f"{settings.argon2_memory_kib} KiB memory, {settings.argon2_parallelism} lanes); "
        f"sign-in is rate-limited and sessions end after {settings.session_idle_minutes} idle "
        "minutes.",
        "Encryption in transit: "
        + (
            "the platform is served over https with HSTS"
            if https
            else "expected from the TLS-terminating proxy in front of the platform "
            "(this installation's public address is not https)"
        )
        + ("; cookies are sent over https only." if settings.secure_cookies else "."),
        "Keyed hashing: matching tokens are BLAKE2b keyed per round from a secret the hub "
        "database never stores; the suppression list holds HMAC-SHA-256 hashes keyed per vault.",
        "Every export, edit and data-subject request is recorded in an append-only, "
        "hash-chained audit log that names accounts by number only.",
        "Erased data is overwritten in the database files (secure delete, log checkpoint).",
        "Forms carry CSRF tokens and a same-origin check; pages run under a strict "
        "Content-Security-Policy with no inline script.",
    ]


def build(host: Host, vault: Session, partner_slug: str) -> RecordsOfProcessing:
    """The partner's record now; raises :class:`UnknownPartner` for an unknown slug."""
    partner = host.partner(partner_slug)
    if partner is None:
        raise UnknownPartner(partner_slug)
    settings = host.settings
    shared = {c.slug: c.name for c in host.shared_categories()}
    rules = host.sharing_rules()
    return RecordsOfProcessing(
        controller=Controller(partner.name, partner.slug, partner.country),
        generated_at=utcnow(),
        purposes=_purposes(vault),
        legal_bases=_legal_bases(vault),
        data_subjects=[
            SubjectCategory(c.name, shared.get(c.shared, c.shared) if c.shared else None)
            for c in own_categories(vault)
        ],
        shared_categories=sorted(shared.values()),
        personal_data=_personal_data(vault),
        recipients=_recipients(settings, rules),
        transfers=[],
        retention=_retention(vault, settings),
        security=_security(settings),
    )
