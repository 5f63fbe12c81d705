"""hub: data problems (rows staff need to look at), and the stored dates outside their windows

Dates written before the windows were checked may lie in year 1 or 9999: such rows are noted
here for staff, with the bounds of the day the migration runs (the hourly date check keeps
the list true afterwards). Self-contained: it names tables, never today's models.

Revision ID: hub0012
Revises: hub0011
Create Date: 2026-12-06 12:40:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "hub0012"
down_revision: str | None = "hub0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST = date(1900, 1, 1)
# (subject, table, date column, is a timestamp, days ahead allowed, wording, partner column)
DATED = [
    ("meeting", "meetings", "starts_at", True, 5 * 365 + 2, "Its date", None),
    ("action item", "action_items", "due_on", False, 5 * 365 + 2, "Its due date", None),
    ("review round", "review_rounds", "deadline", False, 2 * 365 + 2, "Its deadline", None),
    ("decision", "decisions", "effective_on", False, 10 * 365 + 2, "Its effective date", None),
    ("decision", "decisions", "review_on", False, 10 * 365 + 2, "Its review date", None),
    (
        "outreach item",
        "outreach_items",
        "starts_at",
        True,
        5 * 365 + 2,
        "Its start",
        "partner_slug",
    ),
    ("joint event", "events", "starts_at", True, 5 * 365 + 2, "Its date", "owner_partner"),
]


def upgrade() -> None:
    problems = op.create_table(
        "data_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("partner_slug", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("first_noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "subject", "subject_id"),
    )
    with op.batch_alter_table("data_problems", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_problems_partner_slug"), ["partner_slug"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_data_problems_subject"), ["subject"], unique=False)
    _note_dates_outside_windows(problems)


def _note_dates_outside_windows(problems: sa.Table) -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    for subject, table_name, column, stamped, ahead, what, partner in DATED:
        latest_day = now.date() + timedelta(days=ahead)
        earliest: object = EARLIEST
        latest: object = latest_day
        kind: sa.types.TypeEngine[Any] = sa.Date()
        if stamped:
            earliest = datetime.combine(EARLIEST, time(), UTC)
            latest = datetime.combine(latest_day, time.max, UTC)
            kind = sa.DateTime(timezone=True)
        columns = [sa.column("id"), sa.column(column, kind)]
        columns += [sa.column(partner, sa.String())] if partner else []
        table = sa.table(table_name, *columns)
        value = table.c[column]
        rows = bind.execute(
            sa.select(*table.c).where(sa.or_(value < earliest, value > latest))
        ).all()
        for row in rows:
            stored = row[1]
            day = stored.date() if isinstance(stored, datetime) else stored
            shown = day.isoformat() if isinstance(day, date) else str(day)[:10]
            bind.execute(
                problems.insert().values(
                    source=f"date check: {column}",
                    subject=subject,
                    subject_id=str(row[0]),
                    partner_slug=row[2] if partner else None,
                    reason=f"{what}, {shown}, is outside the dates it can have.",
                    first_noticed_at=now,
                    last_noticed_at=now,
                    occurrences=1,
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("data_problems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_problems_subject"))
        batch_op.drop_index(batch_op.f("ix_data_problems_partner_slug"))
    op.drop_table("data_problems")
