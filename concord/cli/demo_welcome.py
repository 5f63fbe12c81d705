"""The demo's first stakeholder mail: a welcome, in each contact's own language, to a few of
the first partner's contacts and to one of each language, so the demo mailbox shows them all."""

from __future__ import annotations

from sqlalchemy import select

from concord.cli.platform import Platform
from concord.demo.contacts import DEMO_PARTNER_NAMES, DEMO_PARTNERS
from concord.languages import SHIPPED
from consent.contacts.models import Contact
from consent.importing.terms import DEFAULT_PURPOSE
from consent.outbox import services as outbox
from consent.public import AudienceSegment, Mail
from consent.purposes.models import Channel
from consent.purposes.services import by_code

PREFIX = "demo-welcome"
WELCOME: dict[str, tuple[str, str]] = {
    "en": (
        "Welcome to our stakeholder updates",
        "We will keep you informed about the standards work that concerns you.\n\n"
        "Use the links below to choose what you receive.",
    ),
    "fr": (
        "Bienvenue dans nos actualités pour les parties prenantes",
        "Nous vous tiendrons informé des travaux de normalisation qui vous concernent.\n\n"
        "Les liens ci-dessous vous permettent de choisir ce que vous recevez.",
    ),
    "es": (
        "Bienvenido a nuestras novedades para las partes interesadas",
        "Le mantendremos informado de los trabajos de normalización que le conciernen.\n\n"
        "Con los enlaces de abajo puede elegir qué recibe.",
    ),
    "de": (
        "Willkommen bei unseren Neuigkeiten für Stakeholder",
        "Wir halten Sie über die Normungsarbeit auf dem Laufenden, die Sie betrifft.\n\n"
        "Mit den Links unten wählen Sie, was Sie erhalten.",
    ),
    "pt": (
        "Boas-vindas às nossas novidades para as partes interessadas",
        "Vamos manter você informado sobre os trabalhos de normalização que lhe dizem "
        "respeito.\n\nUse os links abaixo para escolher o que deseja receber.",
    ),
}


def send_welcome(platform: Platform) -> None:
    """Queue the welcome (once: the idempotency keys stop twins)."""
    partner = DEMO_PARTNERS[0]
    name = DEMO_PARTNER_NAMES[partner.slug]
    subject, body = WELCOME["en"]
    mail = Mail(kind="welcome", template="message", subject=subject, body=body, localised=WELCOME)
    segment = AudienceSegment(DEFAULT_PURPOSE, "email")
    vault = platform.directory.vault(partner.slug)
    vault.queue_mail(segment, mail, partner_name=name, idempotency_prefix=PREFIX, limit=3)
    with platform.vaults.transaction(partner.slug) as session:
        purpose = by_code(session, DEFAULT_PURPOSE)
        assert purpose is not None
        for language in SHIPPED:
            contact = session.scalar(
                select(Contact)
                .where(Contact.language == language, Contact.restricted.is_(False))
                .order_by(Contact.id)
                .limit(1)
            )
            if contact is None:
                continue
            try:
                outbox.queue(
                    session,
                    platform.settings,
                    partner_slug=partner.slug,
                    partner_name=name,
                    contact=contact,
                    purpose=purpose,
                    channel=Channel.EMAIL,
                    kind="welcome",
                    template="message",
                    context=outbox.in_language(contact, subject, body, WELCOME),
                    idempotency_key=f"{PREFIX}:{contact.id}",
                )
            except outbox.NotSendable:
                continue
