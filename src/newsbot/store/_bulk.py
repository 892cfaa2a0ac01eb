"""Bulk ``INSERT ... ON CONFLICT DO NOTHING ... RETURNING`` on SQLite and PostgreSQL.

One statement for hundreds of rows instead of a SELECT, an INSERT and a flush each: an
issue matched by 100,000 subscribers is stored in seconds, not minutes.

PostgreSQL gets SQLAlchemy's multi-row ``VALUES`` ("insertmanyvalues"). On SQLite that
path spends most of its time converting each row's values one by one (a poll's 150,000
matches all carry the same ``created_at``), so SQLite gets the same multi-row statement
written here, each distinct value converted once (see docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Row, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, SQLModel

# Keeps each statement's bound parameters under SQLite's limit (32,766 since 3.32).
BATCH_ROWS = 500
SQLITE_MAX_PARAMETERS = 32_766


def insert_ignoring_conflicts(
    session: Session,
    table: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    conflict_columns: Sequence[str],
    returning: Sequence[InstrumentedAttribute[Any]],
) -> list[Row[Any]]:
    """Insert ``rows``; those that hit the unique ``conflict_columns`` are skipped silently.

    Every row has the same keys. Returns the ``returning`` columns of the rows actually
    inserted (the new ones).
    """
    if not rows:
        return []
    sa_table: Table = table.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        names = [attribute.key for attribute in returning]
        return _sqlite_insert(connection, sa_table, rows, conflict_columns, names)
    statement = (
        postgresql.insert(sa_table)
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        .returning(*returning)
    )
    # One compiled statement, executed for many parameter sets: SQLAlchemy batches them into
    # multi-row INSERTs ("insertmanyvalues") without compiling a new statement per batch.
    inserted: list[Row[Any]] = []
    for start in range(0, len(rows), BATCH_ROWS):
        inserted.extend(connection.execute(statement, list(rows[start : start + BATCH_ROWS])).all())
    return inserted


def _sqlite_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    returning: Sequence[str],
) -> list[Row[Any]]:
    """Multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` in batches, values converted once."""
    columns = list(rows[0])
    # Values come out of each row in one C-level call; only the columns whose type converts
    # (datetimes, booleans) are touched one by one.
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    converters = [(i, _converter(table, name, connection)) for i, name in enumerate(columns)]
    converters = [(i, conv) for i, conv in converters if conv is not _identity]
    quoted = ", ".join(f'"{name}"' for name in columns)
    row_marks = "(" + ", ".join("?" * len(columns)) + ")"
    tail = (
        f" ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING RETURNING {', '.join(returning)}"
    )
    per_batch = max(1, min(BATCH_ROWS, SQLITE_MAX_PARAMETERS // len(columns)))
    inserted: list[Row[Any]] = []
    statements: dict[int, str] = {}
    for start in range(0, len(rows), per_batch):
        batch = rows[start : start + per_batch]
        sql = statements.get(len(batch))
        if sql is None:
            marks = ", ".join([row_marks] * len(batch))
            sql = statements[len(batch)] = (
                f"INSERT INTO {table.name} ({quoted}) VALUES {marks}{tail}"
            )
        values: list[Any] = []
        for row in batch:
            picked = list(pick(row))
            for index, convert in converters:
                picked[index] = convert(picked[index])
            values.extend(picked)
        inserted.extend(connection.exec_driver_sql(sql, tuple(values)).all())
    return inserted


def _converter(table: Table, name: str, connection: Connection) -> Callable[[Any], Any]:
    """The column type's own bind conversion, memoised per value (rows repeat values a lot)."""
    dialect = connection.dialect  # the dialect's own type (SQLite stores datetimes as text)
    process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _identity
    # Keyed by type too: 1 == True == 1.0 must not share a conversion.
    seen: dict[tuple[type, Hashable], Any] = {}

    def convert(value: Any) -> Any:
        key = (value.__class__, value)
        try:
            return seen[key]
        except KeyError:
            converted = seen[key] = process(value)
            return converted
        except TypeError:  # unhashable: convert every time
            return process(value)

    return convert


def _identity(value: Any) -> Any:
    return value
