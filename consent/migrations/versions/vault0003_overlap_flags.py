"""vault: round pseudonyms and overlap flags

Revision ID: vault0003
Revises: vault0002
Create Date: 2026-11-25 09:03:11.374249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0003"
down_revision: str | None = "vault0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "overlap_flags",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("other_partners", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("flagged_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    op.create_table(
        "round_pseudonyms",
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("pseudonym", sa.LargeBinary(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "pseudonym"),
    )


def downgrade() -> None:

    op.drop_table("round_pseudonyms")
    op.drop_table("overlap_flags")
