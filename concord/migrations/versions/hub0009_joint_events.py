"""hub: joint events, co-hosts, waiting list, list tokens while matched

Revision ID: hub0009
Revises: hub0007
Create Date: 2026-11-25 10:54:12.355020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "hub0009"
down_revision: str | None = "hub0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("registration_deadline", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "cancelled", name="eventstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("owner_partner", sa.String(length=40), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("matching_partner", sa.String(length=40), nullable=True),
        sa.Column("matching_since", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lists_committed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_owner_partner"), ["owner_partner"], unique=False
        )

    op.create_table(
        "event_hosts",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("partner_slug", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "invited", "accepted", "declined", name="hoststatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("invited_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("list_order", sa.Integer(), nullable=True),
        sa.Column("list_committed_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "partner_slug"),
    )
    op.create_table(
        "event_list_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("partner_slug", sa.String(length=40), nullable=False),
        sa.Column("pseudonym", sa.LargeBinary(length=16), nullable=False),
        sa.Column("token", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event_list_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_list_tokens_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "event_waiting_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("partner_slug", sa.String(length=40), nullable=False),
        sa.Column("invitation_ref", sa.String(length=64), nullable=False),
        sa.Column("joined_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "invitation_ref"),
    )
    with op.batch_alter_table("event_waiting_list", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_waiting_list_event_id"), ["event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("event_waiting_list", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_waiting_list_event_id"))

    op.drop_table("event_waiting_list")
    with op.batch_alter_table("event_list_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_list_tokens_event_id"))

    op.drop_table("event_list_tokens")
    op.drop_table("event_hosts")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_owner_partner"))

    op.drop_table("events")
