"""Drafting, editing and signing versions of the Principles for Collaboration.

A version's hash is the SHA-256 of a canonical serialisation of its text and settings. The
secretariat drafts; a version is frozen once any partner has signed it, so every change is a
new version that needs every signature again. A signatory signs for their own organisation
only, and only the hash they were shown: if the version changed meanwhile, the signature is
refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concord.accounts.models import Role, User
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.governance import sealing
from concord.governance.errors import Missing, NotAllowed, Refused
from concord.governance.principles.in_force import InForce, version_in_force
from concord.governance.principles.models import PrinciplesSignature, PrinciplesVersion
from concord.inputs import Window
from concord.partners.models import Partner
from concord.partnership.settings import (
    Blackout,
    DecisionRule,
    Disclosure,
    PartnershipSettings,
    as_record,
    from_record,
)

STARTER_TEXT = """# Principles for Collaboration

1. Each partner keeps its own contacts and remains their controller.
2. We share only what the settings below allow: counts, rounded, with small numbers hidden.
3. We coordinate our outreach so that no stakeholder hears from us too often.
4. We take decisions together, by the rule set out below.
"""
MAX_TEXT = 100_000
MAX_BLACKOUTS = 50

# Whole-number settings: (smallest, largest, what the field is, for messages).
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    "suppression_threshold": (2, 1000),
    "rounding": (1, 1000),
    "fatigue_cap_messages": (1, 100),
    "fatigue_cap_days": (1, 365),
    "topic_gap_days": (0, 365),
    "max_items_per_day": (1, 100),
    "majority_percent": (51, 100),
    "review_window_days": (1, 365),
}


def version_hash(text: str, settings: Mapping[str, Any]) -> str:
    """The hash a signatory signs: text and settings, canonically serialised."""
    return sealing.content_hash({"text": text, "settings": dict(settings)})


def settings_json(rules: PartnershipSettings) -> str:
    return json.dumps(as_record(rules), sort_keys=True, separators=(",", ":"))


def rules_of(version: PrinciplesVersion) -> PartnershipSettings:
    return from_record(json.loads(version.settings), source=f"version {version.number}")


def _normalise_text(text: str) -> str:
    # Browsers send CRLF; the hash must not depend on who typed the text.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"


SEPARATOR = re.compile(r"\s*,\s*|\s+")
# Blackout periods: from a year back (a version may restate a recent one) to five years ahead.
BLACKOUT = Window("A blackout day", past=366, future=5 * 365)


def _blackouts(raw: str, errors: dict[str, str]) -> tuple[Blackout, ...]:
    found: list[Blackout] = []
    for number, line in enumerate(raw.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        # As the label says: first day, last day, reason; commas or spaces between them.
        parts = SEPARATOR.split(line.strip(), maxsplit=2)
        try:
            starts, ends = date.fromisoformat(parts[0]), date.fromisoformat(parts[1])
            reason = parts[2].strip() if len(parts) > 2 else ""
        except (IndexError, ValueError):
            errors["blackouts"] = (
                f"Line {number}: write the first day, the last day and the reason, "
                "for example 2026-12-21 2027-01-03 Winter holidays."
            )
            break
        if ends < starts:
            errors["blackouts"] = f"Line {number}: the last day comes before the first."
            break
        problem = BLACKOUT.explain(starts) or BLACKOUT.explain(ends)
        if problem or (ends - starts).days > 366:
            errors["blackouts"] = f"Line {number}: {problem or 'a period lasts at most a year.'}"
            break
        if not reason or len(reason) > 200:
            errors["blackouts"] = f"Line {number}: give a reason (at most 200 characters)."
            break
        found.append(Blackout(starts, ends, reason))
    if len(found) > MAX_BLACKOUTS:
        errors["blackouts"] = f"At most {MAX_BLACKOUTS} blackout periods."
    return tuple(found)


def blackouts_text(rules: PartnershipSettings) -> str:
    """The blackout periods as the form's textarea shows them."""
    return "\n".join(f"{b.starts} {b.ends} {b.reason}" for b in rules.blackouts)


def form_of(version: PrinciplesVersion) -> dict[str, str]:
    """A version's text and settings as the edit form's field values."""
    return form_of_rules(rules_of(version), version.text)


def form_of_rules(rules: PartnershipSettings, text: str) -> dict[str, str]:
    """Text and settings as the edit form's field values."""
    record = as_record(rules)
    form = {name: str(record[name]) for name in NUMBER_RANGES}
    form |= {
        "quorum_organisations": str(rules.quorum_organisations),
        "disclosure": rules.disclosure.value,
        "decision_rule": rules.decision_rule.value,
        "silence_is_consent": "on" if rules.silence_is_consent else "",
        "blackouts": blackouts_text(rules),
        "text": text,
    }
    return form


def parse_settings(form: Mapping[str, str], partner_count: int) -> PartnershipSettings:
    """The settings block from its form fields; every problem named beside its field."""
    errors: dict[str, str] = {}
    numbers: dict[str, Any] = {}
    ranges = NUMBER_RANGES | {"quorum_organisations": (1, max(partner_count, 1))}
    for name, (low, high) in ranges.items():
        raw = form.get(name, "").strip()
        try:
            value = int(raw)
        except ValueError:
            errors[name] = f"Give a whole number from {low} to {high}."
            continue
        if not low <= value <= high:
            errors[name] = f"Give a whole number from {low} to {high}."
            if name == "quorum_organisations":
                errors[name] += f" (the partnership has {partner_count} partners)"
        numbers[name] = value
    try:
        disclosure = Disclosure(form.get("disclosure", ""))
    except ValueError:
        errors["disclosure"] = "Choose what matching may disclose."
        disclosure = Disclosure.AGGREGATES
    try:
        rule = DecisionRule(form.get("decision_rule", ""))
    except ValueError:
        errors["decision_rule"] = "Choose how the partnership decides."
        rule = DecisionRule.CONSENSUS
    blackouts = _blackouts(form.get("blackouts", ""), errors)
    if errors:
        raise InvalidInput(errors)
    return replace(
        PartnershipSettings(),
        **numbers,
        disclosure=disclosure,
        decision_rule=rule,
        blackouts=blackouts,
        silence_is_consent=form.get("silence_is_consent", "") in {"on", "true", "1"},
    )


def versions(session: Session) -> Sequence[PrinciplesVersion]:
    return session.scalars(
        select(PrinciplesVersion).order_by(PrinciplesVersion.number.desc())
    ).all()


def version(session: Session, version_id: int, *, lock: bool = False) -> PrinciplesVersion:
    found = session.get(PrinciplesVersion, version_id, with_for_update=lock)
    if found is None:
        raise Missing()
    return found


def signature_count(session: Session, version_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(PrinciplesSignature)
            .where(PrinciplesSignature.version_id == version_id)
        )
        or 0
    )


def draft_new_version(session: Session, *, actor: str) -> PrinciplesVersion:
    """A new version copying the latest one (or the defaults); if the latest is still an
    unsigned draft, that draft is returned instead, so a double submit makes no twin."""
    latest = session.scalar(
        select(PrinciplesVersion).order_by(PrinciplesVersion.number.desc()).limit(1)
    )
    if latest is not None and signature_count(session, latest.id) == 0:
        return latest
    if latest is None:
        # The default quorum cannot exceed the partnership's size, or nothing could pass.
        partner_count = session.scalar(select(func.count()).select_from(Partner)) or 1
        defaults = PartnershipSettings()
        starting = replace(
            defaults, quorum_organisations=min(defaults.quorum_organisations, partner_count)
        )
        text, settings = _normalise_text(STARTER_TEXT), settings_json(starting)
    else:
        text, settings = latest.text, latest.settings
    drafted = PrinciplesVersion(
        number=(latest.number + 1) if latest else 1,
        text=text,
        settings=settings,
        content_hash=version_hash(text, json.loads(settings)),
        created_by=actor,
    )
    session.add(drafted)
    session.flush()
    sealing.seal(
        session,
        actor=actor,
        action="principles.draft",
        object_ref=f"principles-version:{drafted.id}",
        content=version_content(drafted),
        note=f"version:{drafted.number} principles-sha256:{drafted.content_hash}",
    )
    return drafted


def edit_draft(
    session: Session, version_id: int, form: Mapping[str, str], *, actor: str
) -> PrinciplesVersion:
    """Replace an unsigned draft's text and settings."""
    draft = version(session, version_id, lock=True)
    if signature_count(session, draft.id):
        raise Refused(
            f"Version {draft.number} has been signed and can no longer change. "
            "Draft a new version instead."
        )
    partner_count = session.scalar(select(func.count()).select_from(Partner)) or 0
    errors: dict[str, str] = {}
    text = _normalise_text(form.get("text", ""))
    if not text.strip() or len(text) > MAX_TEXT:
        errors["text"] = f"Write the principles (at most {MAX_TEXT} characters)."
    try:
        rules = parse_settings(form, partner_count)
    except InvalidInput as error:
        errors |= error.errors
    if errors:
        raise InvalidInput(errors)
    draft.text = text
    draft.settings = settings_json(rules)
    draft.content_hash = version_hash(text, json.loads(draft.settings))
    draft.updated_at = utcnow()
    session.flush()
    sealing.seal(
        session,
        actor=actor,
        action="principles.edit",
        object_ref=f"principles-version:{draft.id}",
        content=version_content(draft),
        note=f"version:{draft.number} principles-sha256:{draft.content_hash}",
    )
    return draft


def sign(
    session: Session, version_id: int, *, signer_id: int, partner_slug: str, shown_hash: str
) -> PrinciplesSignature:
    """Record ``partner_slug``'s signature on the version whose hash the signer was shown.

    Only that partner's signatory may sign for it; signing twice changes nothing.
    """
    signer = session.get(User, signer_id)
    if (
        signer is None
        or not signer.is_active
        or signer.role is not Role.SIGNATORY
        or signer.partner is None
        or signer.partner.slug != partner_slug
    ):
        raise NotAllowed("Only the organisation's own signatory may sign for it.")
    target = version(session, version_id, lock=True)
    already = session.scalar(
        select(PrinciplesSignature).where(
            PrinciplesSignature.version_id == target.id,
            PrinciplesSignature.partner_id == signer.partner.id,
        )
    )
    if already is not None:
        return already
    in_force_now = version_in_force(session)
    if in_force_now is not None and target.number < in_force_now.number:
        raise Refused(
            f"Version {target.number} was superseded by version {in_force_now.number}, "
            "which is in force; it can no longer be signed."
        )
    if shown_hash.strip().lower() != target.content_hash:
        raise InvalidInput.one(
            "content_hash",
            "This version changed after you opened it, so your signature was not recorded. "
            "Read the version as it is now, then sign again.",
        )
    signature = PrinciplesSignature(
        version_id=target.id,
        partner_id=signer.partner.id,
        signer_id=signer.id,
        content_hash=target.content_hash,
        signed_at=utcnow(),
    )
    session.add(signature)
    session.flush()
    sealing.seal(
        session,
        actor=f"user:{signer.id}",
        action="principles.sign",
        object_ref=f"principles-signature:{signature.id}",
        content=signature_content(signature),
        note=(
            f"version:{target.number} partner:{partner_slug} "
            f"principles-sha256:{target.content_hash}"
        ),
    )
    return signature


def version_content(version: PrinciplesVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "number": version.number,
        "text": version.text,
        "settings": version.settings,
        "content_hash": version.content_hash,
    }


def signature_content(signature: PrinciplesSignature) -> dict[str, Any]:
    return {
        "id": signature.id,
        "version_id": signature.version_id,
        "partner_id": signature.partner_id,
        "signer_id": signature.signer_id,
        "content_hash": signature.content_hash,
        "signed_at": signature.signed_at,
    }


@dataclass(frozen=True)
class PartnerSignature:
    """One partner's line on a version's page: signed or not, when and by whom."""

    partner: Partner
    signed_at: datetime | None
    signer_name: str | None


def signatures_of(session: Session, version_id: int) -> list[PartnerSignature]:
    """Every current partner, with its signature on the version if it signed."""
    signed = {
        s.partner_id: s
        for s in session.scalars(
            select(PrinciplesSignature).where(PrinciplesSignature.version_id == version_id)
        )
    }
    lines: list[PartnerSignature] = []
    for partner in session.scalars(select(Partner).order_by(Partner.name)):
        signature = signed.get(partner.id)
        signer = session.get(User, signature.signer_id) if signature else None
        lines.append(
            PartnerSignature(
                partner,
                signature.signed_at if signature else None,
                signer.display_name if signer else None,
            )
        )
    return lines


@dataclass(frozen=True)
class AwaitingSignature:
    """A version not yet signed by every partner, and who has still to sign it."""

    version: PrinciplesVersion
    missing: list[Partner]


def awaiting_signature(session: Session) -> list[AwaitingSignature]:
    """Versions newer than the one in force that some partner has still to sign."""
    in_force = version_in_force(session)
    newer = [v for v in versions(session) if in_force is None or v.number > in_force.number]
    waiting: list[AwaitingSignature] = []
    for candidate in newer:
        missing = [
            line.partner for line in signatures_of(session, candidate.id) if not line.signed_at
        ]
        if missing:
            waiting.append(AwaitingSignature(candidate, missing))
    return waiting


def in_force(session: Session) -> InForce | None:
    return version_in_force(session)
