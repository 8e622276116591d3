"""Opening the directory, and the two ways a use case talks to it: a read, or one write transaction.

Database errors a person can meet (locked, read-only, damaged, unreachable) become `Unavailable` with the
message from `ketdir.store.engine.database_problem`, the one place that reads the driver's text.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ketdir.store.engine import Directory, database_problem
from ketdir.store.engine import open_directory as _open

DRIVER_ERRORS = (OperationalError, DatabaseError, InterfaceError)


def open_directory(db: str | os.PathLike | None = None, *, create: bool = False,
                   ping_connections: bool = True) -> Directory:
    """The directory at `db` (a path or URL; default $KETDIR_DB or the bundled file). Raises Unavailable.
    ping_connections=False: no round trip to a database server before each use of a pooled connection, for a
    server whose requests are few reads each and that answers again after a lost connection (ketdir serve)."""
    return _open(db, create=create, ping_connections=ping_connections)


@contextlib.contextmanager
def reading(directory: Directory) -> Iterator[Session]:
    """A session for reading; closed afterwards."""
    try:
        with directory.session() as session:
            yield session
    except DRIVER_ERRORS as exc:
        raise database_problem(exc, directory.url) from exc


@contextlib.contextmanager
def writing(directory: Directory) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back (nothing changed) if anything fails."""
    try:
        with directory.session() as session, session.begin():
            yield session
    except DRIVER_ERRORS as exc:
        raise database_problem(exc, directory.url) from exc
