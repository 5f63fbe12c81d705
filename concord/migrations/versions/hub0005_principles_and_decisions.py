"""hub: principles (versions, signatures), decisions (positions, delegates) and the glossary

Revision ID: hub0005
Revises: hub0006
Create Date: 2026-11-25 10:32:51.879926
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "hub0005"
down_revision: str | None = "hub0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "glossary_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("updated_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("term"),
    )
    op.create_table(
        "principles_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "glossary_wordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("updated_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["glossary_terms.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("term_id", "partner_id", name="one_wording_each"),
    )
    with op.batch_alter_table("glossary_wordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_glossary_wordings_term_id"), ["term_id"], unique=False)

    op.create_table(
        "decision_delegates",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("named_by", sa.Integer(), nullable=False),
        sa.Column("named_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["named_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("partner_id"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("changes_principles", sa.Boolean(), nullable=False),
        sa.Column(
            "rule",
            sa.Enum(
                "consensus",
                "majority",
                "unanimity",
                name="decision_rule",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("majority_percent", sa.Integer(), nullable=False),
        sa.Column("quorum_organisations", sa.Integer(), nullable=False),
        sa.Column("rules_source", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "adopted",
                "not_adopted",
                name="decision_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("outcome_note", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_key"),
    )
    op.create_table(
        "glossary_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("edited_by", sa.Integer(), nullable=False),
        sa.Column("edited_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("before_term", sa.String(length=200), nullable=False),
        sa.Column("before_definition", sa.Text(), nullable=False),
        sa.Column("after_term", sa.String(length=200), nullable=False),
        sa.Column("after_definition", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edited_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["glossary_terms.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("glossary_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_glossary_edits_term_id"), ["term_id"], unique=False)

    op.create_table(
        "principles_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["principles_versions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "partner_id", name="one_signature_each"),
    )
    with op.batch_alter_table("principles_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_principles_signatures_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "decision_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column(
            "stance",
            sa.Enum(
                "agree", "abstain", "disagree", "block", name="stance", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("cast_by", sa.Integer(), nullable=False),
        sa.Column("cast_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cast_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "partner_id", name="one_position_each"),
    )
    with op.batch_alter_table("decision_positions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_positions_decision_id"), ["decision_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decision_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_positions_decision_id"))

    op.drop_table("decision_positions")
    with op.batch_alter_table("principles_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_principles_signatures_version_id"))

    op.drop_table("principles_signatures")
    with op.batch_alter_table("glossary_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_glossary_edits_term_id"))

    op.drop_table("glossary_edits")
    op.drop_table("decisions")
    op.drop_table("decision_delegates")
    with op.batch_alter_table("glossary_wordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_glossary_wordings_term_id"))

    op.drop_table("glossary_wordings")
    op.drop_table("principles_versions")
    op.drop_table("glossary_terms")
