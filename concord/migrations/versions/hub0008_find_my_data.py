"""hub: find my data (codes, sessions and request counts, as keyed hashes only)

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


def downgrade() -> None:
    op.drop_index(op.f("ix_finder_sessions_expires_at"), table_name="finder_sessions")
    op.drop_table("finder_sessions")
    op.drop_index(op.f("ix_finder_requests_key"), table_name="finder_requests")
    op.drop_table("finder_requests")
    op.drop_index(op.f("ix_finder_challenges_expires_at"), table_name="finder_challenges")
    op.drop_table("finder_challenges")
