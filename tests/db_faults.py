"""Databases that refuse writes, as a person meets them: a read-only file or account, or a file another program
holds locked."""
from __future__ import annotations

import contextlib
import sqlite3
from typing import Iterator


def refuse_writes(directory) -> None:
    """From now on every connection to `directory` refuses writes, as a read-only file or a read-only server
    account does (chmod alone does not stop root, who runs the tests in CI containers)."""
    from sqlalchemy import event

    def read_only(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if directory.is_sqlite:
            cursor.execute("PRAGMA query_only = ON")  # SQLite then says "attempt to write a readonly database"
        else:
            cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()
        cursor.close()

    event.listen(directory.engine, "connect", read_only)
    directory.engine.dispose()


@contextlib.contextmanager
def write_locked(directory) -> Iterator[None]:
    """Another program holds the SQLite file's write lock while the block runs (readers still read: WAL)."""
    other = sqlite3.connect(directory.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
