"""hub: when a calendar item's audience could not be asked of its owner's vault node

A plain ADD COLUMN, as in hub0013.

Revision ID: hub0014
Revises: hub0013
Create Date: 2026-12-07 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0014"
down_revision: str | None = "hub0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outreach_items",
        sa.Column("audience_unreachable_since", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("outreach_items", "audience_unreachable_since")
