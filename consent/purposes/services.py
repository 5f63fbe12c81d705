"""The purpose catalogue: adding purposes, publishing notice versions, the starter set."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import InvalidInput
from concord.languages import language_tag
from consent.purposes.models import Channel, LegalBasis, Notice, NoticeText, Purpose

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


# The starter notices in the other shipped languages: (name, text) by code and language.
STARTER_TRANSLATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "dpv:CommunicationManagement": {
        "fr": (
            "Dialogue avec les parties prenantes",
            "Nous vous écrivons au sujet des travaux de normalisation de votre domaine, "
            "car votre organisation y participe. Vous pouvez vous y opposer à tout moment.",
        ),
        "es": (
            "Relación con las partes interesadas",
            "Le escribimos sobre los trabajos de normalización de su ámbito porque su "
            "organización participa en ellos. Puede oponerse en cualquier momento.",
        ),
        "de": (
            "Austausch mit Stakeholdern",
            "Wir schreiben Ihnen über die Normungsarbeit in Ihrem Fachgebiet, weil Ihre "
            "Organisation daran mitwirkt. Sie können jederzeit widersprechen.",
        ),
        "pt": (
            "Relacionamento com as partes interessadas",
            "Escrevemos sobre os trabalhos de normalização da sua área porque a sua "
            "organização participa deles. É possível se opor a qualquer momento.",
        ),
    },
    "dpv:DirectMarketing": {
        "fr": (
            "Lettre d'information et événements",
            "Avec votre consentement, nous vous envoyons notre lettre d'information et des "
            "invitations à nos événements. Vous pouvez retirer votre consentement à tout "
            "moment, en un clic.",
        ),
        "es": (
            "Boletín y eventos",
            "Con su consentimiento le enviamos nuestro boletín e invitaciones a eventos. "
            "Puede retirar su consentimiento en cualquier momento, con un solo clic.",
        ),
        "de": (
            "Newsletter und Veranstaltungen",
            "Mit Ihrer Einwilligung senden wir Ihnen unseren Newsletter und Einladungen zu "
            "Veranstaltungen. Sie können Ihre Einwilligung jederzeit mit einem Klick "
            "widerrufen.",
        ),
        "pt": (
            "Boletim informativo e eventos",
            "Com o seu consentimento, enviamos o nosso boletim informativo e convites para "
            "eventos. O consentimento pode ser retirado a qualquer momento, com um clique.",
        ),
    },
    "dpv:PublicRelations": {
        "fr": (
            "Consultations",
            "Avec votre consentement, nous vous invitons aux consultations et enquêtes sur "
            "les projets de normes.",
        ),
        "es": (
            "Consultas",
            "Con su consentimiento le invitamos a consultas y encuestas sobre proyectos de normas.",
        ),
        "de": (
            "Konsultationen",
            "Mit Ihrer Einwilligung laden wir Sie zu Konsultationen und Umfragen zu "
            "Normentwürfen ein.",
        ),
        "pt": (
            "Consultas públicas",
            "Com o seu consentimento, convidamos para consultas e pesquisas sobre projetos "
            "de normas.",
        ),
    },
}
MAX_NOTICE = 10_000


@dataclass(frozen=True)
class Shown:
    """A purpose as a stakeholder reads it in one language: its name and notice, the
    language they are really in (the notice's own where no translation exists), and the
    notice version."""

    name: str
    text: str
    language: str
    version: int | None


def shown(purpose: Purpose, language: str) -> Shown:
    """The purpose's name and current notice in ``language``, else in the notice's own."""
    notice = purpose.current_notice
    if notice is None:
        return Shown(purpose.name, "", "", None)
    for translation in notice.translations:
        if translation.language == language:
            return Shown(translation.name, translation.text, language, notice.version)
    return Shown(purpose.name, notice.text, notice.language, notice.version)


def add_translation(
    session: Session, notice: Notice, *, language: str, name: str, text: str
) -> NoticeText:
    """The notice version in one more language; a language it has is never replaced."""
    errors: dict[str, str] = {}
    chosen = language_tag(language[:35])
    held = {notice.language, *(t.language for t in notice.translations)}
    if not chosen:
        errors["translation_language"] = "Choose one of the languages we write in."
    elif chosen in held:
        errors["translation_language"] = (
            "This version has that language already: publish a new version to change it."
        )
    name = " ".join(name.split())
    if not name or len(name) > 200:
        errors["translation_name"] = "Name the purpose in that language (at most 200 characters)."
    text = text.strip()
    if not text or len(text) > MAX_NOTICE:
        errors["translation_text"] = (
            f"Write the notice in that language (at most {MAX_NOTICE:,} characters)."
        )
    if errors:
        raise InvalidInput(errors)
    translation = NoticeText(notice_id=notice.id, language=chosen, name=name, text=text)
    session.add(translation)
    session.flush()
    session.refresh(notice, ["translations"])
    return translation


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
        purpose = by_code(session, code)
        current = purpose.current_notice if purpose else None
        if current is None or current.text != notice:
            continue  # the partner has published its own wording since
        held = {t.language for t in current.translations}
        for language, (translated_name, text) in STARTER_TRANSLATIONS.get(code, {}).items():
            if language not in held:
                add_translation(
                    session, current, language=language, name=translated_name, text=text
                )
