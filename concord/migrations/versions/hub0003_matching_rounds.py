"""hub: matching rounds and submissions

Revision ID: hub0003
Revises: hub0002
Create Date: 2026-11-25 08:36:42.650872
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "hub0003"
down_revision: str | None = "hub0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "matching_rounds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="roundstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.String(length=300), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("suppression_threshold", sa.Integer(), nullable=False),
        sa.Column("rounding", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "round_submissions",
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("partner_slug", sa.String(length=40), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("shared_identifiers", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("submitted_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["matching_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "partner_slug"),
    )


def downgrade() -> None:

    op.drop_table("round_submissions")
    op.drop_table("matching_rounds")
