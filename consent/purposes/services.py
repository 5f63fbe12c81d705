"""The purpose catalogue: adding purposes, publishing notice versions, the starter set."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import InvalidInput
from consent.purposes.models import Channel, LegalBasis, Notice, Purpose

DPV_CODE = re.compile(r"dpv:[A-Za-z][A-Za-z0-9]{2,80}")

# Every new vault starts with these; staff can add their own.
STARTER_PURPOSES: list[tuple[str, str, str, LegalBasis, list[Channel], int, str]] = [
    (
        "dpv:CommunicationManagement",
        "Stakeholder engagement",
        "Keeping stakeholders informed about standards work that concerns them.",
        LegalBasis.LEGITIMATE_INTEREST,
        [Channel.EMAIL, Channel.POST],
        3 * 365,
        "We write to you about standards work in your field because your organisation takes "
        "part in it. You can object at any time.",
    ),
    (
        "dpv:DirectMarketing",
        "Newsletter and events",
        "Newsletters, event invitations and calls for participation.",
        LegalBasis.CONSENT,
        [Channel.EMAIL],
        2 * 365,
        "With your consent we send you our newsletter and invitations to events. You can "
        "withdraw your consent at any time, with one click.",
    ),
    (
        "dpv:PublicRelations",
        "Consultations",
        "Public consultations and surveys on draft standards.",
        LegalBasis.CONSENT,
        [Channel.EMAIL, Channel.PHONE],
        2 * 365,
        "With your consent we invite you to consultations and surveys on draft standards.",
    ),
]


def all_purposes(session: Session) -> Sequence[Purpose]:
    return session.scalars(select(Purpose).order_by(Purpose.name)).all()


def by_code(session: Session, code: str) -> Purpose | None:
    return session.scalar(select(Purpose).where(Purpose.code == code))


def add_purpose(
    session: Session,
    *,
    code: str,
    name: str,
    description: str,
    legal_basis: str,
    channels: Sequence[str],
    retention_days: int,
    notice_text: str,
) -> Purpose:
    """Add a purpose with the first version of its notice."""
    errors: dict[str, str] = {}
    if not DPV_CODE.fullmatch(code):
        errors["code"] = "Use a DPV purpose code such as dpv:DirectMarketing."
    elif by_code(session, code) is not None:
        errors["code"] = "This purpose exists already."
    if not name.strip():
        errors["name"] = "Name the purpose."
    try:
        basis = LegalBasis(legal_basis)
    except ValueError:
        errors["legal_basis"] = "Choose a legal basis."
    try:
        channel_values = [Channel(c) for c in channels]
    except ValueError:
        channel_values = []
    if not channel_values:
        errors["channels"] = "Choose at least one channel."
    if not 1 <= retention_days <= 36500:
        errors["retention_days"] = "Give a retention period between 1 day and 100 years."
    if not notice_text.strip():
        errors["notice_text"] = "Write the notice shown to stakeholders."
    if errors:
        raise InvalidInput(errors)
    purpose = Purpose(
        code=code,
        name=name.strip(),
        description=description.strip(),
        legal_basis=basis,
        channels=" ".join(sorted({c.value for c in channel_values})),
        retention_days=retention_days,
    )
    session.add(purpose)
    session.flush()
    publish_notice(session, purpose, notice_text)
    return purpose


def publish_notice(session: Session, purpose: Purpose, text: str) -> Notice:
    """A new notice version; earlier consent keeps naming the version it was given under."""
    if not text.strip():
        raise InvalidInput.one("notice_text", "Write the notice shown to stakeholders.")
    version = (purpose.current_notice.version + 1) if purpose.current_notice else 1
    notice = Notice(purpose_id=purpose.id, version=version, text=text.strip())
    session.add(notice)
    session.flush()
    session.refresh(purpose, ["notices"])
    return notice


def ensure_starter_purposes(session: Session) -> None:
    for code, name, description, basis, channels, days, notice in STARTER_PURPOSES:
        if by_code(session, code) is None:
            add_purpose(
                session,
                code=code,
                name=name,
                description=description,
                legal_basis=basis.value,
                channels=[c.value for c in channels],
                retention_days=days,
                notice_text=notice,
            )
