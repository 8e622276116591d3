"""Whole rows of several tables, each read by one column (an id, or a link to a parent), many reads at once.

The API answers for one service with a dozen such reads. Through `Session.execute` each costs about 45 µs of
Python and, on PostgreSQL, a round trip to the server, which on a busy machine is a wait for the server's
process to get a core. Here each statement is made by SQLAlchemy once (per dialect, table and column) and run
on the session's own DBAPI connection, a batch of them in ONE round trip on PostgreSQL (psycopg's pipeline
mode). The ids are one bound parameter (`SearchIndex.id_list`): nothing a client sends reaches SQL as text.
Values go through SQLAlchemy's own result processors, so a row is the dict `session.execute` would give.
"""
from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, exc, select, text

from ketdir.store.search_index import SearchIndex, search_index

Rows = dict[Any, dict[str, Any]]  # id -> row


@dataclass(frozen=True)
class Through:
    """Values not at hand yet: the `field` of the rows of `table` whose `column` is one of the read's values (a
    subquery: the rows a record's rows point to are read with them, not after them)."""

    table: Table
    column: str
    field: str


@dataclass(frozen=True)
class Read:
    """Rows of `table` whose `column` is one of `values` (or, `through` another table, is one of the values
    found there)."""

    table: Table
    column: str
    values: Collection[Any]
    through: Through | None = None


@dataclass(frozen=True)
class _Statement:
    sql: str
    param_names: tuple[str, ...]  # for positional paramstyles (SQLite's "?"), their order
    columns: tuple[str, ...]
    key: str  # the primary key's column: rows are returned by it


@functools.cache
def _statement(dialect, index: SearchIndex, table: Table, column: str, through: Through | None) -> _Statement:
    if through is None:
        condition, _ = index.id_list(f"{table.name}.{column}", "ids", ())
        statement = select(*table.c).where(text(condition))
    else:
        parent = through.table.alias("parent")
        condition, _ = index.id_list(f"parent.{through.column}", "ids", ())
        statement = select(*table.c).where(table.c[column].in_(select(parent.c[through.field]).where(text(condition))))
    compiled = statement.compile(dialect=dialect)
    key = [c.key for c in table.primary_key.columns]
    assert len(key) == 1, f"{table.name}: rows are kept by a one-column primary key"
    return _Statement(str(compiled), tuple(compiled.positiontup or ()), tuple(c.key for c in table.c), key[0])


@functools.cache
def _processors(dialect, table: Table, type_codes: tuple) -> tuple:
    """SQLAlchemy's converters of each column's values (None where a value is used as the driver gives it)."""
    return tuple(column.type.dialect_impl(dialect).result_processor(dialect, code)
                 for column, code in zip(table.c, type_codes))


def read_rows(connection: Connection, reads: Sequence[Read]) -> list[Rows]:
    """For each read, its rows by primary key. Reads with no values cost nothing. A driver error is raised as
    SQLAlchemy's (sqlalchemy.exc.DBAPIError), as `Session.execute` would raise it."""
    out: list[Rows] = [{} for _ in reads]
    wanted = [(i, read, sorted({v for v in read.values if v is not None})) for i, read in enumerate(reads)]
    wanted = [(i, read, values) for i, read, values in wanted if values]
    if not wanted:
        return out
    dialect = connection.dialect
    index = search_index(connection)
    calls = []
    for _, read, values in wanted:
        statement = _statement(dialect, index, read.table, read.column, read.through)
        _, ids = index.id_list("", "ids", values)
        params: Any = ({"ids": ids} if not statement.param_names else
                       tuple(ids if name == "ids" else None for name in statement.param_names))
        calls.append((statement, params))
    dbapi = connection.connection.driver_connection
    try:
        results = _pipelined(dbapi, calls) if hasattr(dbapi, "pipeline") else _one_by_one(dbapi, calls)  # psycopg 3 pipelines
    except connection.dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
        if lost:
            connection.invalidate(error)  # so the pool does not hand the broken connection out again
        raise exc.DBAPIError.instance(calls[0][0].sql, None, error, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect) from error
    for (i, read, _), (statement, _), (type_codes, rows) in zip(wanted, calls, results):
        processors = _processors(dialect, read.table, type_codes)
        names = statement.columns
        found = out[i]
        for values in rows:
            row = {name: (convert(value) if convert is not None and value is not None else value)
                   for name, convert, value in zip(names, processors, values)}
            found[row[statement.key]] = row
    return out


def _one_by_one(dbapi, calls) -> list[tuple[tuple, list]]:
    """In-process (SQLite): nothing to gain from batching but the Python."""
    results = []
    cursor = dbapi.cursor()
    try:
        for statement, params in calls:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
            results.append(((None,) * len(statement.columns), rows))
    finally:
        cursor.close()
    return results


def _pipelined(dbapi, calls) -> list[tuple[tuple, list]]:
    """Every statement sent before any answer is waited for: one round trip for the batch."""
    cursors = []
    try:
        with dbapi.pipeline():
            for statement, params in calls:
                cursor = dbapi.cursor()
                cursors.append(cursor)
                cursor.execute(statement.sql, params)
        return [(tuple(d.type_code for d in cursor.description), cursor.fetchall()) for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()
