"""Every kind of governance row sealed into the audit chain, for ``concord audit verify``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.governance.decisions.models import Decision, Position
from concord.governance.decisions.services import decision_content, position_content
from concord.governance.principles.models import PrinciplesSignature, PrinciplesVersion
from concord.governance.principles.services import signature_content, version_content
from concord.governance.sealing import SealedKind, SealProblem, check


def _versions(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for row in session.scalars(select(PrinciplesVersion).order_by(PrinciplesVersion.id)):
        yield row.id, version_content(row)


def _signatures(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for row in session.scalars(select(PrinciplesSignature).order_by(PrinciplesSignature.id)):
        yield row.id, signature_content(row)


def _decisions(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for row in session.scalars(select(Decision).order_by(Decision.id)):
        yield row.id, decision_content(row)


def _positions(session: Session) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for row in session.scalars(select(Position).order_by(Position.id)):
        yield row.id, position_content(row)


KINDS = (
    SealedKind("principles-version", "principles version", _versions),
    SealedKind("principles-signature", "principles signature", _signatures),
    SealedKind("decision", "decision", _decisions),
    SealedKind("decision-position", "decision position", _positions),
)


def verify(session: Session) -> list[SealProblem]:
    """Governance rows that no longer match the audit chain (empty when all is well)."""
    return check(session, KINDS)
