"""Bulk writing for the importer: many rows in, many values looked up, at driver speed.

SQLAlchemy's executemany runs every value of every row through its type processors, and
psycopg's executemany does per-row work of its own; at hundreds of thousands of rows either
costs more than the database's work. An import's values are plain strings, integers and
booleans already, apart from a few per-chunk constants (the time), which go through their
column's processor once (:func:`driver_value`). Rows then reach the database as tuples:

- on PostgreSQL by ``COPY ... FROM STDIN``;
- on SQLite by the driver's ``executemany``, which loops in C.

Lookups of thousands of values pass them as one parameter (an array on PostgreSQL, a JSON
list on SQLite) rather than as thousands of bound parameters to render and parse. Around each
chunk, :func:`collector_paused` and :func:`tune_sqlite` keep Python's garbage collector and
SQLite's small default cache from costing more than the writing itself.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnClause, literal_column

# SQLite's page cache for the importing connection (KiB): large enough that a chunk's index
# pages stay in memory instead of spilling to disk mid-transaction (the default is 2 MB).
SQLITE_CACHE_KIB = 64 * 1024
# Pages of write-ahead log after which the importing connection copies them into the database
# (the default is 1,000): every chunk passes 1,000, so each commit would copy again the index
# pages that every chunk touches.
SQLITE_CHECKPOINT_PAGES = 20_000


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk is written.

    A chunk allocates hundreds of thousands of small objects, which triggers full collections
    that walk every object of the process, over and over; the chunk's objects hold no cycles
    and are freed by reference counting anyway. Paused for one chunk at a time only, since
    it pauses the collector for the whole process, web server threads included.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def tune_sqlite(connection: Connection) -> None:
    """Settings for bulk writing; harmless on the pooled connection that keeps them after."""
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")


def driver_value(conn: Connection, table: Table, column: str, value: Any) -> Any:
    """``value`` as the driver expects it for ``table.column`` (for per-chunk constants)."""
    processor = table.c[column].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor(value) if processor else value


def is_any_of(
    conn: Connection, column: ColumnClause[Any] | ColumnElement[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``column IN values``, with the values passed as a single parameter."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, json.dumps(list(values)))).table_valued("value")
    return column.in_(select(literal_column("value")).select_from(listed))


def _copy(
    conn: Connection,
    table: Table,
    table_name: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """PostgreSQL's COPY, in binary: the server then parses no text (timestamps above all)."""
    types = [
        re.sub(r"\(.*\)", "", table.c[name].type.compile(dialect=conn.dialect)).strip().lower()
        for name in columns
    ]
    statement = f"COPY {table_name} ({_names(conn, columns)}) FROM STDIN (FORMAT BINARY)"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _names(conn: Connection, columns: Sequence[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(name) for name in columns)


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    on_conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) in one bulk statement.

    With ``on_conflict`` (the columns of a unique key) a row that clashes updates the
    ``update`` columns of the existing row instead (``ON CONFLICT ... DO UPDATE``, which
    SQLite and PostgreSQL spell alike); such rows go by executemany, not COPY.
    """
    if not rows:
        return
    for column in (*columns, *on_conflict, *update):
        if column not in table.c:
            raise ValueError(f"{table.name} has no column {column}")
    table_name = conn.dialect.identifier_preparer.format_table(table)
    postgres = conn.dialect.name == "postgresql"
    if postgres and not on_conflict:
        _copy(conn, table, table_name, columns, rows)
        return
    markers = ", ".join(["%s" if postgres else "?"] * len(columns))
    sql = f"INSERT INTO {table_name} ({_names(conn, columns)}) VALUES ({markers})"  # noqa: S608 - names come from the table
    if on_conflict:
        quote = conn.dialect.identifier_preparer.quote
        assignments = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        sql += f" ON CONFLICT ({_names(conn, on_conflict)}) DO UPDATE SET {assignments}"
    conn.exec_driver_sql(sql, list(rows))
