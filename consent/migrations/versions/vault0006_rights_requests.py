"""vault: data-subject requests

Revision ID: vault0006
Revises: vault0005

Requests of people about their data (access, portability, rectification, restriction,
objection, erasure), their due dates and extensions.
Create Date: 2026-11-25 10:31:42.869909
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0006"
down_revision: str | None = "vault0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "access",
                "portability",
                "rectification",
                "restriction",
                "objection",
                "erasure",
                name="requestkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("received_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.Column(
            "verified_by",
            sa.Enum(
                "preference_centre_link",
                "verified_email_code",
                "staff_in_person",
                "staff_by_letter",
                "staff_other",
                name="verification",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("verification_note", sa.Text(), nullable=False),
        sa.Column("due_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "in_progress",
                "done",
                "refused",
                name="requeststatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("done_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_requests_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_rights_requests_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "uq_rights_requests_open",
            ["contact_id", "kind"],
            unique=True,
            sqlite_where=sa.text("status IN ('received', 'in_progress')"),
            postgresql_where=sa.text("status IN ('received', 'in_progress')"),
        )

    op.create_table(
        "rights_request_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_due_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("new_due_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["rights_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rights_request_extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_request_extensions_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rights_request_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_request_extensions_request_id"))

    op.drop_table("rights_request_extensions")
    with op.batch_alter_table("rights_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_rights_requests_open",
            sqlite_where=sa.text("status IN ('received', 'in_progress')"),
            postgresql_where=sa.text("status IN ('received', 'in_progress')"),
        )
        batch_op.drop_index("ix_rights_requests_status_due")
        batch_op.drop_index(batch_op.f("ix_rights_requests_contact_id"))

    op.drop_table("rights_requests")
