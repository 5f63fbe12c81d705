"""vault: notices in several languages, and the language shown in each consent record
(and, for an imported consent list, the language its source showed the notice in)

Revision ID: vault0012
Revises: vault0011
Create Date: 2026-12-07 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0012"
down_revision: str | None = "vault0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
    with op.batch_alter_table("consent_events") as batch:
        batch.add_column(
            sa.Column("notice_language", sa.String(length=8), nullable=False, server_default="")
        )
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(
            sa.Column("notice_language", sa.String(length=8), nullable=False, server_default="")
        )
    op.create_table(
        "notice_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "language"),
    )


def downgrade() -> None:
    op.drop_table("notice_texts")
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("notice_language")
    with op.batch_alter_table("consent_events") as batch:
        batch.drop_column("notice_language")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("language")
