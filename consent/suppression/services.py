"""Checking and extending a vault's suppression list.

The key is derived from the platform's secret key and the partner, so each vault's hashes are
its own and the list alone cannot be turned back into addresses. (Rotating the secret key
therefore needs the lists re-keyed; see the README.)
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.identifiers import IdentifierKind
from concord.settings import Settings
from consent.suppression.models import Suppression


class SuppressionKey:
    """The keyed hash of one vault's suppression list."""

    def __init__(self, settings: Settings, partner_slug: str) -> None:
        if not settings.secret_key:
            raise RuntimeError("the suppression list needs the secret key")
        self._key = hmac.new(
            settings.secret_key.encode(),
            f"vault-suppression\x00{partner_slug}".encode(),
            hashlib.sha256,
        ).digest()

    def hash(self, kind: IdentifierKind | str, value: str) -> str:
        """The hash of a normalised identifier."""
        return hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def suppressed(
    session: Session, key: SuppressionKey, identifiers: Iterable[tuple[str, str]]
) -> bool:
    """Whether any of the (kind, normalised value) pairs is on the list."""
    hashes = [key.hash(kind, value) for kind, value in identifiers]
    if not hashes:
        return False
    return (
        session.scalar(select(Suppression.hash).where(Suppression.hash.in_(hashes)).limit(1))
        is not None
    )


def suppressed_hashes(session: Session) -> set[str]:
    """Every hash on the list (for bulk imports, which check many rows at once)."""
    return set(session.scalars(select(Suppression.hash)))


def suppress(
    session: Session, key: SuppressionKey, identifiers: Iterable[tuple[str, str]], reason: str
) -> None:
    for kind, value in identifiers:
        digest = key.hash(kind, value)
        if session.get(Suppression, digest) is None:
            session.add(Suppression(hash=digest, reason=reason))
