"""Adding and listing the partnership's organisations (hub side; the CLI also opens the vault)."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.audit import chain
from concord.errors import InvalidInput
from concord.partners.models import Partner
from concord.settings import SLUG, SettingsError, check_timezone


def validate_partner(slug: str, name: str, country: str, timezone: str) -> dict[str, str]:
    """Field errors for a new partner (empty when it is valid)."""
    errors: dict[str, str] = {}
    if not SLUG.fullmatch(slug):
        errors["slug"] = "Use 2-40 lowercase letters, digits or hyphens, starting with a letter."
    if not name.strip() or len(name) > 200:
        errors["name"] = "Give the organisation's name (at most 200 characters)."
    if country.upper() not in phonenumbers.SUPPORTED_REGIONS:
        errors["country"] = "Use a two-letter ISO country code, such as DE or FR."
    try:
        check_timezone("timezone", timezone)
    except SettingsError:
        errors["timezone"] = "Use a time zone name such as Europe/Berlin."
    return errors


def add_partner(
    session: Session, *, slug: str, name: str, country: str, timezone: str, actor: str
) -> Partner:
    """Register a partner in the hub and record it in the audit chain."""
    errors = validate_partner(slug, name, country, timezone)
    if not errors and by_slug(session, slug) is not None:
        errors["slug"] = "A partner with this slug exists already."
    if errors:
        raise InvalidInput(errors)
    partner = Partner(slug=slug, name=name.strip(), country=country.upper(), timezone=timezone)
    session.add(partner)
    session.flush()
    chain.record(session, actor=actor, action="partner.add", object_ref=f"partner:{slug}")
    return partner


def by_slug(session: Session, slug: str) -> Partner | None:
    return session.scalar(select(Partner).where(Partner.slug == slug))


def all_partners(session: Session) -> Sequence[Partner]:
    return session.scalars(select(Partner).order_by(Partner.name)).all()
