"""Note, clear and list the rows that staff need to look at."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from concord.db import utcnow
from concord.problems.models import DataProblem

REASON_CHARS = 300


def note(
    session: Session,
    *,
    source: str,
    subject: str,
    subject_id: str,
    reason: str,
    partner: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Record that ``source`` met a problem with a row; True when it is newly noticed."""
    now = now or utcnow()
    known = session.scalar(
        select(DataProblem).filter_by(source=source, subject=subject, subject_id=subject_id)
    )
    if known is not None:
        known.reason = reason[:REASON_CHARS]
        known.last_noticed_at = now
        known.occurrences += 1
        session.flush()
        return False
    session.add(
        DataProblem(
            source=source,
            subject=subject,
            subject_id=subject_id,
            partner_slug=partner,
            reason=reason[:REASON_CHARS],
            first_noticed_at=now,
            last_noticed_at=now,
            occurrences=1,
        )
    )
    session.flush()
    return True


def clear(session: Session, *, source: str, subject: str, subject_id: str) -> None:
    """Forget the problem once ``source`` processed the row (or it was corrected)."""
    session.execute(
        delete(DataProblem).filter_by(source=source, subject=subject, subject_id=subject_id)
    )


def noted_ids(session: Session, *, source: str, subject: str) -> set[str]:
    """The rows of ``subject`` that ``source`` has open problems with (one query per run)."""
    return set(
        session.scalars(select(DataProblem.subject_id).filter_by(source=source, subject=subject))
    )


def of_row(session: Session, subject: str, subject_id: str) -> Sequence[DataProblem]:
    """Every open problem with one row, for its page."""
    return session.scalars(
        select(DataProblem)
        .filter_by(subject=subject, subject_id=subject_id)
        .order_by(DataProblem.first_noticed_at)
    ).all()


def open_problems(
    session: Session, *, partner: str | None = None, limit: int = 50
) -> Sequence[DataProblem]:
    """The newest open problems: all of them, or those with one partner's rows."""
    query = select(DataProblem).order_by(DataProblem.last_noticed_at.desc()).limit(limit)
    if partner is not None:
        query = query.where(DataProblem.partner_slug == partner)
    return session.scalars(query).all()
