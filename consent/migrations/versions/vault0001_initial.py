"""vault: vault identity

Revision ID: vault0001
Revises:
Create Date: 2026-11-25 07:50:51.513184
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "vault_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_slug", sa.String(length=40), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_slug"),
    )


def downgrade() -> None:

    op.drop_table("vault_info")
