"""hub: find my data (codes, sessions and request counts, as keyed hashes only), staff mail delivery

Revision ID: hub0008
Revises: hub0004
Create Date: 2026-11-25 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "hub0008"
down_revision: str | None = "hub0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finder_challenges",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_finder_challenges_expires_at"), "finder_challenges", ["expires_at"], unique=False
    )
    op.create_table(
        "finder_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_finder_requests_key"), "finder_requests", ["key"], unique=False)
    op.create_table(
        "finder_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_finder_sessions_expires_at"), "finder_sessions", ["expires_at"], unique=False
    )
    op.add_column(
        "staff_messages",
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
    )
    op.add_column(
        "staff_messages", sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "staff_messages",
        sa.Column("next_attempt_at", concord.db.UtcDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "staff_messages",
        sa.Column("claimed_at", concord.db.UtcDateTime(timezone=True), nullable=True),
    )
    op.add_column("staff_messages", sa.Column("message_id", sa.String(length=255), nullable=True))
    op.add_column(
        "staff_messages", sa.Column("sent_at", concord.db.UtcDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "staff_messages",
        sa.Column("last_error", sa.String(length=200), server_default="", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("staff_messages", "last_error")
    op.drop_column("staff_messages", "sent_at")
    op.drop_column("staff_messages", "message_id")
    op.drop_column("staff_messages", "claimed_at")
    op.drop_column("staff_messages", "next_attempt_at")
    op.drop_column("staff_messages", "attempts")
    op.drop_column("staff_messages", "status")
    op.drop_index(op.f("ix_finder_sessions_expires_at"), table_name="finder_sessions")
    op.drop_table("finder_sessions")
    op.drop_index(op.f("ix_finder_requests_key"), table_name="finder_requests")
    op.drop_table("finder_requests")
    op.drop_index(op.f("ix_finder_challenges_expires_at"), table_name="finder_challenges")
    op.drop_table("finder_challenges")
