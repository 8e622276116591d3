"""Fast row writes for imports: the driver's executemany with plain tuples, in batches.

SQLAlchemy's ORM (and even Core `insert()` with dictionaries) spends most of a 100,000-service import
converting parameters one by one. Here each column's bind processor is looked up once and rows become
tuples; the driver does the rest. Everything runs on the session's connection, inside its transaction.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from ketdir.interop.dataset import column_default

BATCH = 5000


class BulkWriter:
    def __init__(self, conn: Connection, tick: Callable[[int], None] | None = None):
        self.conn = conn
        self.dialect = conn.dialect
        self.quote = self.dialect.identifier_preparer.quote
        style = self.dialect.paramstyle
        if style == "qmark":
            self.mark = "?"
        elif style in ("format", "pyformat"):
            self.mark = "%s"
        else:  # pragma: no cover - other drivers
            raise ValueError(f"unsupported database driver parameter style: {style}")
        self.tick = tick or (lambda n: None)
        self._processors: dict[tuple[str, str], Callable[[Any], Any] | None] = {}
        self.chunk = 5000

    def _processor(self, table: Table, column: str) -> Callable[[Any], Any] | None:
        key = (table.name, column)
        if key not in self._processors:
            self._processors[key] = table.c[column].type.bind_processor(self.dialect)
        return self._processors[key]

    def _tuples(self, table: Table, names: Sequence[str], rows: list[dict[str, Any]],
                defaults: dict[str, Any] | None = None) -> list[tuple]:
        """Rows as tuples in `names` order, built column by column (much faster than row by row)."""
        defaults = defaults or {}
        columns = []
        for name in names:
            default = defaults.get(name)
            if default is None:
                values = [row.get(name) for row in rows]
            else:
                values = [row.get(name, default) for row in rows]
            proc = self._processor(table, name)
            if proc is not None:
                values = [None if v is None else proc(v) for v in values]
            columns.append(values)
        return list(zip(*columns))

    def _run(self, sql: str, params: list[tuple]) -> None:
        for start in range(0, len(params), BATCH):
            batch = params[start : start + BATCH]
            self.conn.exec_driver_sql(sql, batch)
            self.tick(len(batch))

    def insert(self, table: Table, rows: list[dict[str, Any]], names: Sequence[str] | None = None) -> int:
        """Insert rows; columns a row lacks get the column's default (or NULL)."""
        if not rows:
            return 0
        names = list(names or [c.name for c in table.columns if not (c.primary_key and c.autoincrement is True
                                                                       and c.name not in rows[0])])
        defaults = {c.name: column_default(c) for c in table.columns}
        sql = (f"INSERT INTO {self.quote(table.name)} ({', '.join(self.quote(n) for n in names)}) "
               f"VALUES ({', '.join([self.mark] * len(names))})")
        self._run(sql, self._tuples(table, names, rows, defaults))
        return len(rows)

    def update(self, table: Table, rows: list[dict[str, Any]], names: Sequence[str], key: str = "id") -> int:
        """Set `names` of each row, found by `key`; other columns keep their values."""
        names = [n for n in names if n != key]
        if not rows or not names:
            return 0
        sql = (f"UPDATE {self.quote(table.name)} SET {', '.join(f'{self.quote(n)} = {self.mark}' for n in names)} "
               f"WHERE {self.quote(key)} = {self.mark}")
        self._run(sql, self._tuples(table, [*names, key], rows))
        return len(rows)

    def delete(self, table: Table, ids: Iterable[Any], key: str = "id") -> int:
        ids = list(ids)
        count = 0
        for start in range(0, len(ids), self.chunk):
            chunk = ids[start : start + self.chunk]
            sql = (f"DELETE FROM {self.quote(table.name)} WHERE {self.quote(key)} IN "
                   f"({', '.join([self.mark] * len(chunk))})")
            self.conn.exec_driver_sql(sql, tuple(chunk))
            count += len(chunk)
            self.tick(len(chunk))
        return count


class SecondaryIndexesDeferred:
    """For a large insert into empty SQLite tables: drop their secondary indexes first and build them
    again afterwards (one sort per index instead of millions of B-tree updates). The definitions are read
    from the database and restored unchanged, inside the caller's transaction."""

    def __init__(self, conn: Connection, tables: Iterable[str]):
        self.conn = conn
        self.tables = list(tables)
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self) -> "SecondaryIndexesDeferred":
        if self.conn.dialect.name != "sqlite" or not self.tables:
            return self
        marks = ", ".join("?" for _ in self.tables)
        self.indexes = [tuple(r) for r in self.conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tuple(self.tables))]
        for name, _sql in self.indexes:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            return  # the transaction rolls back, indexes and all
        for _name, sql in self.indexes:
            self.conn.exec_driver_sql(sql)
