"""hub: shared stakeholder categories

Revision ID: hub0002
Revises: hub0001
Create Date: 2026-11-25 08:30:40.139873
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0002"
down_revision: str | None = "hub0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "shared_categories",
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )


def downgrade() -> None:

    op.drop_table("shared_categories")
