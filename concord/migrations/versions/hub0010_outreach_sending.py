"""hub: sending scheduled email items (their subject and body, and counts of how it went)

Revision ID: hub0010
Revises: hub0009
Create Date: 2026-11-25 11:30:00.000000

The item status gains "sending"; the column is a plain string (no native enum, no check
constraint), so only the model's list of values changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "hub0010"
down_revision: str | None = "hub0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outreach_item_sends",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("started_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("skipped_at_queue", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["outreach_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id"),
    )


def downgrade() -> None:
    op.drop_table("outreach_item_sends")
