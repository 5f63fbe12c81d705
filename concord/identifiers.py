"""Normalising emails and phone numbers, the way every vault and every matching round does.

- Email: trim, Unicode NFC, email-validator for the syntax, then the whole address lowercased;
  dots dropped from the local part at gmail.com and googlemail.com.
- Phone: ``phonenumbers`` to E.164, the region taken from the row's country, else the
  partner's default country.

Invalid values raise :class:`InvalidIdentifier` with a reason fit for a row-error report (it
never repeats the value itself).
"""

from __future__ import annotations

import enum
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


class IdentifierKind(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class InvalidIdentifier(ValueError):
    """An identifier that cannot be normalised; the message is a reason, not the value."""


def normalise_email(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw.strip())
    if not text:
        raise InvalidIdentifier("empty email")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidIdentifier("invalid email address") from None
    address = checked.normalized.lower()
    local, _, domain = address.rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalise_phone(raw: str, region: str | None) -> str:
    text = raw.strip()
    if not text:
        raise InvalidIdentifier("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier("phone number cannot be read") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier("invalid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: IdentifierKind, raw: str, region: str | None = None) -> str:
    if kind is IdentifierKind.EMAIL:
        return normalise_email(raw)
    return normalise_phone(raw, region)
