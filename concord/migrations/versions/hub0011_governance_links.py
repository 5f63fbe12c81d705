"""hub: governance links (a decision's meeting and document, an agenda item's decision) and a
meeting's iCalendar sequence

Revision ID: hub0011
Revises: hub0010
Create Date: 2026-11-25 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0011"
down_revision: str | None = "hub0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_decisions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_decisions_meeting_id", "meetings", ["meeting_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_decisions_document_id",
            "review_documents",
            ["document_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_agenda_items_decision_id", "decisions", ["decision_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_column("sequence")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("sequence")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_constraint("fk_agenda_items_decision_id", type_="foreignkey")
        batch_op.drop_column("decision_id")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_decisions_document_id", type_="foreignkey")
        batch_op.drop_constraint("fk_decisions_meeting_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_decisions_meeting_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("meeting_id")
