"""vault: purposes, notices, contacts, consent ledger, suppression, imports

Revision ID: vault0002
Revises: vault0001
Create Date: 2026-11-25 08:30:26.614534
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import concord.db

revision: str = "vault0002"
down_revision: str | None = "vault0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "category_mappings",
        sa.Column("own_category", sa.String(length=100), nullable=False),
        sa.Column("shared_category", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("own_category"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("sort_key", sa.String(length=400), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("possible_duplicate", sa.Boolean(), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contacts_possible_duplicate"), ["possible_duplicate"], unique=False
        )
        batch_op.create_index("ix_contacts_sort", ["sort_key", "id"], unique=False)

    op.create_table(
        "import_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "lawful_basis",
            sa.Enum(
                "consent",
                "legitimate_interest",
                "contract",
                "legal_obligation",
                name="legalbasis",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("purpose_code", sa.String(length=100), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "running",
                "done",
                "failed",
                name="batchstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("committed_line", sa.Integer(), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("suppressed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batches_file_sha256"), ["file_sha256"], unique=False
        )

    op.create_table(
        "purposes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "legal_basis",
            sa.Enum(
                "consent",
                "legitimate_interest",
                "contract",
                "legal_obligation",
                name="legalbasis",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("channels", sa.String(length=50), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "suppressions",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("purpose_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "phone", "post", name="channel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "given",
                "pending",
                "refused",
                "withdrawn",
                "expired",
                name="consentstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "legal_basis",
            sa.Enum(
                "consent",
                "legitimate_interest",
                "contract",
                "legal_obligation",
                name="legalbasis",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notice_version", sa.Integer(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "form",
                "import",
                "staff",
                "preference_centre",
                "one_click",
                "erasure",
                name="collectionmethod",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("valid_until", concord.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("import_batch_id", sa.String(length=36), nullable=True),
        sa.Column("tombstone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["purposes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_id"),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_events_contact_purpose",
            ["contact_id", "purpose_id", "channel"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_consent_events_import_batch_id"), ["import_batch_id"], unique=False
        )

    op.create_table(
        "contact_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_changes_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "contact_tags",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contact_id", "tag"),
    )
    with op.batch_alter_table("contact_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "current_consents",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("purpose_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "phone", "post", name="channel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "given",
                "pending",
                "refused",
                "withdrawn",
                "expired",
                name="consentstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["purposes.id"],
        ),
        sa.PrimaryKeyConstraint("contact_id", "purpose_id", "channel"),
    )
    with op.batch_alter_table("current_consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_current_consents_filter",
            ["purpose_id", "channel", "state", "contact_id"],
            unique=False,
        )

    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("created_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("identifiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identifiers_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_identifiers_kind_value", ["kind", "value"], unique=False)
        batch_op.create_index(
            "uq_identifiers_email",
            ["value"],
            unique=True,
            sqlite_where=sa.text("kind = 'email'"),
            postgresql_where=sa.text("kind = 'email'"),
        )

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", concord.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["purpose_id"],
            ["purposes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purpose_id", "version"),
    )
    op.create_table(
        "rejected_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rejected_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rejected_rows_batch_id"), ["batch_id"], unique=False)

    _ledger_append_only()


# The ledger refuses every change except erasure's tombstone, whatever code tries it.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
    BEGIN SELECT RAISE(ABORT, 'consent ledger entries cannot be deleted'); END""",
    """CREATE TRIGGER consent_events_tombstone_only BEFORE UPDATE ON consent_events
    WHEN NOT (OLD.tombstone = 0 AND NEW.tombstone = 1 AND NEW.contact_id IS NULL
              AND NEW.evidence = '{}' AND NEW.source = '' AND NEW.record_id = OLD.record_id
              AND NEW.id = OLD.id AND NEW.purpose_id = OLD.purpose_id
              AND NEW.state = OLD.state AND NEW.at = OLD.at)
    BEGIN SELECT RAISE(ABORT, 'consent ledger entries cannot be changed'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION consent_events_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'consent ledger entries cannot be deleted';
      END IF;
      IF NOT (OLD.tombstone = false AND NEW.tombstone = true AND NEW.contact_id IS NULL
              AND NEW.evidence = '{}' AND NEW.source = '' AND NEW.record_id = OLD.record_id
              AND NEW.id = OLD.id AND NEW.purpose_id = OLD.purpose_id
              AND NEW.state = OLD.state AND NEW.at = OLD.at) THEN
        RAISE EXCEPTION 'consent ledger entries cannot be changed';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER consent_events_guard BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_guard()""",
]


def _ledger_append_only() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER consent_events_no_delete")
        op.execute("DROP TRIGGER consent_events_tombstone_only")
    else:
        op.execute("DROP TRIGGER consent_events_guard ON consent_events")
        op.execute("DROP FUNCTION consent_events_guard()")

    with op.batch_alter_table("rejected_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_rows_batch_id"))

    op.drop_table("rejected_rows")
    op.drop_table("notices")
    with op.batch_alter_table("identifiers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_identifiers_email",
            sqlite_where=sa.text("kind = 'email'"),
            postgresql_where=sa.text("kind = 'email'"),
        )
        batch_op.drop_index("ix_identifiers_kind_value")
        batch_op.drop_index(batch_op.f("ix_identifiers_contact_id"))

    op.drop_table("identifiers")
    with op.batch_alter_table("current_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_current_consents_filter")

    op.drop_table("current_consents")
    with op.batch_alter_table("contact_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_tags_tag"))

    op.drop_table("contact_tags")
    with op.batch_alter_table("contact_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_changes_contact_id"))

    op.drop_table("contact_changes")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_import_batch_id"))
        batch_op.drop_index("ix_consent_events_contact_purpose")

    op.drop_table("consent_events")
    op.drop_table("suppressions")
    op.drop_table("purposes")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_file_sha256"))

    op.drop_table("import_batches")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_sort")
        batch_op.drop_index(batch_op.f("ix_contacts_possible_duplicate"))
        batch_op.drop_index(batch_op.f("ix_contacts_category"))

    op.drop_table("contacts")
    op.drop_table("category_mappings")
