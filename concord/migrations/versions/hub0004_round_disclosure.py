"""hub: matching rounds remember their disclosure level

Revision ID: hub0004
Revises: hub0003
Create Date: 2026-11-25 09:03:10.863336
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0004"
down_revision: str | None = "hub0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("matching_rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "disclosure",
                sa.Enum(
                    "aggregates", "contact_flags", name="disclosure", native_enum=False, length=20
                ),
                nullable=False,
                # Rounds run before this revision published aggregates only.
                server_default="aggregates",
            )
        )


def downgrade() -> None:

    with op.batch_alter_table("matching_rounds", schema=None) as batch_op:
        batch_op.drop_column("disclosure")
