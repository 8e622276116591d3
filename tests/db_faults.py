"""A database file another program holds locked, as a person meets it (a read-only one: backends.refuse_writes)."""
from __future__ import annotations

import contextlib
import sqlite3
from typing import Iterator


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
