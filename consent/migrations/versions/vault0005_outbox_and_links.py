"""vault: the outbox and stakeholder links

Revision ID: vault0005
Revises: vault0004
Create Date: 2026-11-25 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0005"
down_revision: str | None = "vault0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("purpose_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "phone", "post", name="channel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sender", sa.String(length=400), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                "cancelled",
                name="messagestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["purposes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(
        op.f("ix_outbox_messages_contact_id"), "outbox_messages", ["contact_id"], unique=False
    )
    op.create_index(
        "ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "stakeholder_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "preferences",
                "unsubscribe",
                "confirm",
                name="linkkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("purpose_id", sa.Integer(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("email", "phone", "post", name="channel", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["purposes.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_stakeholder_links_contact_id"), "stakeholder_links", ["contact_id"], unique=False
    )
    op.create_index(
        op.f("ix_stakeholder_links_expires_at"), "stakeholder_links", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stakeholder_links_expires_at"), table_name="stakeholder_links")
    op.drop_index(op.f("ix_stakeholder_links_contact_id"), table_name="stakeholder_links")
    op.drop_table("stakeholder_links")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_index(op.f("ix_outbox_messages_contact_id"), table_name="outbox_messages")
    op.drop_table("outbox_messages")
