"""vault: event invitations and answers, outbox attachments

Revision ID: vault0008
Revises: vault0007
Create Date: 2026-11-25 10:54:15.908411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0008"
down_revision: str | None = "vault0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("purpose_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("selected", "invited", name="invitationstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("pseudonym", sa.LargeBinary(length=16), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("rsvp_token_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "answer",
            sa.Enum(
                "none",
                "accepted",
                "declined",
                "waiting",
                name="answer",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answered_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attended_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["purposes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "contact_id"),
        sa.UniqueConstraint("ref"),
        sa.UniqueConstraint("rsvp_token_hash"),
    )
    with op.batch_alter_table("event_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_invitations_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_invitations_event_id"), ["event_id"], unique=False
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachments", sa.Text(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attachments")

    with op.batch_alter_table("event_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_invitations_event_id"))
        batch_op.drop_index(batch_op.f("ix_event_invitations_contact_id"))

    op.drop_table("event_invitations")
