"""hub: each staff account's language, for the mail the platform sends it

A plain ADD COLUMN, as in hub0013.

Revision ID: hub0015
Revises: hub0014
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0015"
down_revision: str | None = "hub0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("language", sa.String(length=8), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("users", "language")
