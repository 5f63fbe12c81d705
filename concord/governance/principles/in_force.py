"""Which version of the principles is in force: the latest one signed by every current partner.

Kept apart from the services because the partnership-settings service reads it, and the
services in turn read the settings' shape from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.governance.principles.models import PrinciplesSignature, PrinciplesVersion
from concord.partners.models import Partner


@dataclass(frozen=True)
class InForce:
    """The version in force and when its last signature brought it into force."""

    version_id: int
    number: int
    since: datetime
    settings: dict[str, Any]


def signatures_by_version(session: Session) -> dict[int, dict[int, datetime]]:
    """For each version id, when each partner (by id) signed it."""
    signed: dict[int, dict[int, datetime]] = {}
    rows = session.execute(
        select(
            PrinciplesSignature.version_id,
            PrinciplesSignature.partner_id,
            PrinciplesSignature.signed_at,
        )
    )
    for version_id, partner_id, signed_at in rows:
        signed.setdefault(version_id, {})[partner_id] = signed_at
    return signed


def version_in_force(session: Session) -> InForce | None:
    """The latest version every current partner has signed, or None (the defaults apply)."""
    partners = set(session.scalars(select(Partner.id)))
    if not partners:
        return None
    signed = signatures_by_version(session)
    candidates = sorted(
        (vid for vid, by in signed.items() if partners <= by.keys()),
        key=lambda vid: session.get_one(PrinciplesVersion, vid).number,
        reverse=True,
    )
    if not candidates:
        return None
    version = session.get_one(PrinciplesVersion, candidates[0])
    since = max(signed[version.id][p] for p in partners)
    return InForce(version.id, version.number, since, json.loads(version.settings))
