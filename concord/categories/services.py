"""The partnership's shared stakeholder categories, kept by the secretariat in the hub.

Each partner maps its own categories onto these in its vault, so that overlap counts can be
broken down by a category every partner understands the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.audit import chain
from concord.categories.models import SharedCategory
from concord.errors import InvalidInput

CATEGORY_SLUG = re.compile(r"[a-z][a-z0-9-]{1,59}")
# The demo's categories, and a sensible start for a real partnership.
STARTER_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("company", "Company", "Businesses and their associations."),
    ("ngo", "NGO", "Non-governmental and non-profit organisations."),
    ("union", "Trade union", "Trade unions and workers' organisations."),
    ("community", "Community", "Community groups, citizens and consumer representatives."),
    ("public-body", "Public body", "Ministries, regulators, agencies and local authorities."),
)


def all_categories(session: Session) -> Sequence[SharedCategory]:
    return session.scalars(select(SharedCategory).order_by(SharedCategory.name)).all()


def add_category(
    session: Session, *, slug: str, name: str, description: str, actor: str
) -> SharedCategory:
    """Add a shared category and record it in the audit chain."""
    slug, name, description = slug.strip(), name.strip(), description.strip()
    errors: dict[str, str] = {}
    if not CATEGORY_SLUG.fullmatch(slug):
        errors["slug"] = "Use 2-60 lowercase letters, digits or hyphens, starting with a letter."
    elif session.get(SharedCategory, slug) is not None:
        errors["slug"] = "A category with this short name exists already."
    if not name or len(name) > 200:
        errors["name"] = "Name the category (at most 200 characters)."
    elif session.scalar(select(SharedCategory).where(SharedCategory.name == name)) is not None:
        errors["name"] = "A category with this name exists already."
    if len(description) > 1000:
        errors["description"] = "Keep the description to 1000 characters."
    if errors:
        raise InvalidInput(errors)
    category = SharedCategory(slug=slug, name=name, description=description)
    session.add(category)
    session.flush()
    chain.record(session, actor=actor, action="categories.add", object_ref=f"category:{slug}")
    return category


def ensure_shared_categories(session: Session, *, actor: str = "operator:seed") -> None:
    """Add whichever starter categories are missing; running it again changes nothing."""
    for slug, name, description in STARTER_CATEGORIES:
        if session.get(SharedCategory, slug) is None:
            add_category(session, slug=slug, name=name, description=description, actor=actor)
