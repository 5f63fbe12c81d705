"""Mapping the partner's own stakeholder categories onto the partnership's shared list.

The partner's categories are whatever its contacts carry (``Contact.category``); the shared
list lives in the hub. A mapping names the shared category by its slug, so the vault needs no
copy of the list, and an own category without a mapping counts as "not mapped".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concord.errors import InvalidInput
from consent.contacts.models import CategoryMapping, Contact


@dataclass(frozen=True)
class OwnCategory:
    """One of the partner's categories: how many contacts carry it, what it maps onto."""

    name: str
    contacts: int
    shared: str | None


def own_categories(session: Session) -> list[OwnCategory]:
    """Every category in use or mapped, by name; mapped ones no contact uses still show."""
    query = (
        select(Contact.category, func.count())
        .where(Contact.category != "")
        .group_by(Contact.category)
    )
    counts: dict[str, int] = {row[0]: row[1] for row in session.execute(query)}
    mapped = mappings(session)
    return [
        OwnCategory(name, counts.get(name, 0), mapped.get(name))
        for name in sorted(set(counts) | set(mapped), key=str.casefold)
    ]


def mappings(session: Session) -> dict[str, str]:
    """Own category to shared category slug, for every mapped category."""
    rows = session.scalars(select(CategoryMapping))
    return {row.own_category: row.shared_category for row in rows}


def set_mappings(session: Session, chosen: Mapping[str, str], shared_slugs: Collection[str]) -> int:
    """Map each own category onto the chosen shared slug ("" unmaps it); returns the changes."""
    known = {c.name for c in own_categories(session)}
    errors = {
        own: "Choose one of the shared categories."
        for own, slug in chosen.items()
        if own in known and slug and slug not in shared_slugs
    }
    if errors:
        raise InvalidInput(errors)
    changed = 0
    for own, slug in chosen.items():
        if own not in known:
            continue
        row = session.get(CategoryMapping, own)
        if not slug:
            if row is not None:
                session.delete(row)
                changed += 1
        elif row is None:
            session.add(CategoryMapping(own_category=own, shared_category=slug))
            changed += 1
        elif row.shared_category != slug:
            row.shared_category = slug
            changed += 1
    return changed


def suggestion(own: str, shared: Mapping[str, str]) -> str | None:
    """The shared slug an own category plainly means (same name or slug), to offer first."""
    wanted = " ".join(own.casefold().replace("-", " ").split())
    for slug, name in shared.items():
        if wanted in {slug.replace("-", " "), name.casefold()}:
            return slug
    return None
