"""Reading and changing the vault's mail settings, with the platform's as the fallback."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from email.utils import formataddr

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.languages import DEFAULT, language_tag
from concord.settings import Settings
from consent.mail_settings.models import MailSettings

ROW = 1
MAX_NAME = 100


@dataclass(frozen=True)
class MailIdentity:
    """What this partner's mail uses: "" where the platform's setting applies."""

    default_language: str = ""
    sender_name: str = ""
    sender_address: str = ""

    def language_for(self, contact_language: str) -> str:
        """The language to write to a contact in: theirs, else the partner's, else English."""
        return language_tag(contact_language) or self.default_language or DEFAULT

    def sender(self, partner_name: str, settings: Settings) -> str:
        """The From header: the partner's own name and address, else its name at the
        platform's address."""
        name = self.sender_name or partner_name
        return formataddr((name, self.sender_address or settings.mail_from))


def current(session: Session) -> MailIdentity:
    row = session.get(MailSettings, ROW)
    if row is None:
        return MailIdentity()
    return MailIdentity(row.default_language, row.sender_name, row.sender_address)


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if len(name) > MAX_NAME:
        raise InvalidInput.one("sender_name", f"Keep the name to {MAX_NAME} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput.one("sender_name", "The name holds a character mail cannot carry.")
    return name


def save(session: Session, form: dict[str, str], *, actor: str) -> MailIdentity:
    """Check and keep the settings; raises InvalidInput naming each field in error."""
    errors: dict[str, str] = {}
    language = language_tag(form.get("default_language", "")[:35])
    if language is None:
        errors["default_language"] = "Choose one of the languages we write in."
    name = ""
    try:
        name = _clean_name(form.get("sender_name", ""))
    except InvalidInput as error:
        errors.update(error.errors)
    address = form.get("sender_address", "").strip()
    if address:
        try:
            address = validate_email(address[:254], check_deliverability=False).normalized
        except EmailNotValidError:
            errors["sender_address"] = "Enter an email address, like news@example.org."
    if errors:
        raise InvalidInput(errors)
    row = session.get(MailSettings, ROW) or MailSettings(id=ROW)
    row.default_language = language or ""
    row.sender_name = name
    row.sender_address = address
    row.updated_by = actor
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return current(session)
