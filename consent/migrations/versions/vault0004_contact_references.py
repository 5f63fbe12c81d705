"""vault: contact and purpose references checked per statement instead of per row

Revision ID: vault0004
Revises: vault0003
Create Date: 2026-11-25 10:45:00

On PostgreSQL, the tables that hang off a contact (identifiers, tags, changes, the consent
ledger and its projection) lose their foreign-key constraints and get triggers that keep the
same promises:

- a row may only name a contact that exists, even against a concurrent delete;
- deleting a contact deletes its identifiers, tags, changes and current consents, and is
  refused while ledger entries still name it (erasure tombstones them first).

The ledger and its projection likewise lose their foreign keys to purposes: a row may only
name an existing purpose, and a purpose named by consent records cannot be deleted.

Why: on PostgreSQL a foreign key runs one query per inserted row; an import of 250,000
contacts writes about 1.4 million child rows, and those checks cost the server more than
everything else the import does. PostgreSQL checks here once per statement over its
transition table. SQLite keeps its foreign keys: it has no statement-level triggers, and its
own per-row checks cost less than per-row triggers would.
"""

from collections.abc import Sequence

from alembic import op

# ruff: noqa: S608 - the SQL below is built from the constant table names of this file

revision: str = "vault0004"
down_revision: str | None = "vault0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, what a contact's deletion does to its rows)
CHILDREN = [
    ("identifiers", "CASCADE"),
    ("contact_tags", "CASCADE"),
    ("contact_changes", "CASCADE"),
    ("current_consents", "CASCADE"),
    ("consent_events", "RESTRICT"),
]
CASCADED = [table for table, action in CHILDREN if action == "CASCADE"]
# Writers of contact rows share this advisory lock, deleting contacts takes it alone: a delete
# then waits for writers in flight and, under READ COMMITTED, its cascade sees what they wrote.
# One lock per statement does what a foreign key's lock on every parent row does.
CONTACT_REFERENCES_LOCK = 7_310_004

_POSTGRES_CHECK = f"""
CREATE FUNCTION contact_references_check() RETURNS trigger AS $$
DECLARE
  missing boolean;
BEGIN
  PERFORM pg_advisory_xact_lock_shared({CONTACT_REFERENCES_LOCK});
  SELECT EXISTS (
    SELECT 1 FROM new_rows n
    WHERE n.contact_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = n.contact_id)
  ) INTO missing;
  IF missing THEN
    RAISE EXCEPTION '% names a contact that does not exist', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

_POSTGRES_DELETE = f"""
CREATE FUNCTION contacts_deleted() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({CONTACT_REFERENCES_LOCK});
  IF EXISTS (SELECT 1 FROM consent_events WHERE contact_id IN (SELECT id FROM old_rows)) THEN
    RAISE EXCEPTION 'a contact with consent ledger entries cannot be deleted; erase it'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  {" ".join(f"DELETE FROM {t} WHERE contact_id IN (SELECT id FROM old_rows);" for t in CASCADED)}
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


# The ledger and its projection name a purpose on every row; purposes are retired, never
# deleted, so one existence check per statement replaces a foreign key's check per row.
PURPOSE_CHILDREN = ["consent_events", "current_consents"]

_POSTGRES_PURPOSE_CHECK = """
CREATE FUNCTION purpose_references_check() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM purposes p WHERE p.id = n.purpose_id)
  ) THEN
    RAISE EXCEPTION '% names a purpose that does not exist', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

_POSTGRES_PURPOSE_DELETE = f"""
CREATE FUNCTION purposes_deleted() RETURNS trigger AS $$
BEGIN
  IF {
    " OR ".join(
        f"EXISTS (SELECT 1 FROM {t} WHERE purpose_id IN (SELECT id FROM old_rows))"
        for t in PURPOSE_CHILDREN
    )
} THEN
    RAISE EXCEPTION 'a purpose named by consent records cannot be deleted'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def _postgres_purposes() -> None:
    for table in PURPOSE_CHILDREN:
        op.drop_constraint(f"{table}_purpose_id_fkey", table, type_="foreignkey")
    op.execute(_POSTGRES_PURPOSE_CHECK)
    for table in PURPOSE_CHILDREN:
        events = ["INSERT"] if table == "consent_events" else ["INSERT", "UPDATE"]
        for event in events:
            op.execute(
                f"CREATE TRIGGER {table}_purpose_on_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                "EXECUTE FUNCTION purpose_references_check()"
            )
    op.execute(_POSTGRES_PURPOSE_DELETE)
    op.execute(
        "CREATE TRIGGER purposes_deleted AFTER DELETE ON purposes "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION purposes_deleted()"
    )


def _postgres_upgrade() -> None:
    for table, _ in CHILDREN:
        op.drop_constraint(f"{table}_contact_id_fkey", table, type_="foreignkey")
    op.execute(_POSTGRES_CHECK)
    for table, _ in CHILDREN:
        # Transition tables allow one event per trigger. The ledger's guard already refuses
        # any update but erasure's, which only clears contact_id.
        events = ["INSERT"] if table == "consent_events" else ["INSERT", "UPDATE"]
        for event in events:
            op.execute(
                f"CREATE TRIGGER {table}_contact_on_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                "EXECUTE FUNCTION contact_references_check()"
            )
    op.execute(_POSTGRES_DELETE)
    op.execute(
        "CREATE TRIGGER contacts_deleted AFTER DELETE ON contacts "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_deleted()"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
        _postgres_purposes()


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER purposes_deleted ON purposes")
    op.execute("DROP FUNCTION purposes_deleted()")
    for table in PURPOSE_CHILDREN:
        events = ["insert"] if table == "consent_events" else ["insert", "update"]
        for event in events:
            op.execute(f"DROP TRIGGER {table}_purpose_on_{event} ON {table}")
        op.create_foreign_key(f"{table}_purpose_id_fkey", table, "purposes", ["purpose_id"], ["id"])
    op.execute("DROP FUNCTION purpose_references_check()")
    op.execute("DROP TRIGGER contacts_deleted ON contacts")
    op.execute("DROP FUNCTION contacts_deleted()")
    for table, _ in CHILDREN:
        events = ["insert"] if table == "consent_events" else ["insert", "update"]
        for event in events:
            op.execute(f"DROP TRIGGER {table}_contact_on_{event} ON {table}")
    op.execute("DROP FUNCTION contact_references_check()")
    for table, action in CHILDREN:
        op.create_foreign_key(
            f"{table}_contact_id_fkey", table, "contacts", ["contact_id"], ["id"], ondelete=action
        )
