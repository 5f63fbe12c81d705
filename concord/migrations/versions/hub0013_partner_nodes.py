"""hub: each partner's vault node (federated mode): its URL, its pinned key, its revocation

Plain ADD COLUMNs: SQLite adds a nullable column in place, without copying the table that
other tables reference.

Revision ID: hub0013
Revises: hub0012
Create Date: 2026-12-07 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0013"
down_revision: str | None = "hub0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("partners", sa.Column("node_url", sa.String(300), nullable=True))
    op.add_column("partners", sa.Column("node_key", sa.String(80), nullable=True))
    op.add_column(
        "partners", sa.Column("node_revoked_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    for column in ("node_revoked_at", "node_key", "node_url"):
        op.drop_column("partners", column)
