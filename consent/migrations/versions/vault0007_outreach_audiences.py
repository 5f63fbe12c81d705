"""vault: outreach audiences (pseudonyms of an item's audience, contacts left out of an item)

Revision ID: vault0007
Revises: vault0006
Create Date: 2026-11-25 10:46:54.173189
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0007"
down_revision: str | None = "vault0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audience_exclusions",
        sa.Column("item_ref", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_ref", "contact_id"),
    )
    op.create_table(
        "audience_pseudonyms",
        sa.Column("item_ref", sa.String(length=36), nullable=False),
        sa.Column("pseudonym", sa.LargeBinary(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_ref", "pseudonym"),
    )


def downgrade() -> None:
    op.drop_table("audience_pseudonyms")
    op.drop_table("audience_exclusions")
