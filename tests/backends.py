"""The two database backends for tests: SQLite files and databases on a real PostgreSQL server.

The server is named by KETDIR_TEST_PG_URL (an admin URL, e.g. the one `scripts/test-postgres start` prints;
`./test` starts that server and sets it). Without it, PostgreSQL tests fail in CI (CI=true) and are skipped
with the reason on a developer's machine — they never pass silently.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql")
ENV = "KETDIR_TEST_PG_URL"


def pg_admin_url() -> str:
    """The admin URL, or fail (CI) / skip (elsewhere) with the reason."""
    url = os.environ.get(ENV)
    if url:
        return url
    reason = (f"{ENV} is not set: no PostgreSQL server for this test. Run ./test (it starts one), or "
              f"`export {ENV}=$(scripts/test-postgres start)`.")
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _admin_engine(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", pool_size=1)


def create_pg_database(prefix: str = "ketdir_t") -> str:
    """A new, empty database on the test server; returns its URL (same user and password)."""
    admin = pg_admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(admin)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    engine = _admin_engine(pg_admin_url())
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@contextlib.contextmanager
def pg_database(prefix: str = "ketdir_t") -> Iterator[str]:
    url = create_pg_database(prefix)
    try:
        yield url
    finally:
        drop_pg_database(url)


@contextlib.contextmanager
def database_url(backend: str, folder, name: str = "directory") -> Iterator[str]:
    """A URL for a new, not yet created directory database on this backend."""
    if backend == "sqlite":
        yield "sqlite:///" + str(folder / f"{name}.db")
    else:
        with pg_database() as url:
            yield url


@contextlib.contextmanager
def sessions_on_both(folder, records: list[dict]):
    """The same records built on SQLite and on PostgreSQL: (sqlite session, postgresql session)."""
    from tests.factories import build

    with database_url("sqlite", folder) as lite_url, pg_database() as pg_url:
        lite, pg = build(lite_url, records), build(pg_url, records)
        try:
            with lite.session() as a, pg.session() as b:
                yield a, b
        finally:
            lite.close()
            pg.close()


@contextlib.contextmanager
def copy_template(template, folder, name: str = "referral"):
    """A copy of the template directory on the same backend: a file copy, or CREATE DATABASE ... TEMPLATE."""
    if not isinstance(template, str):
        copy = folder / f"{name}.db"
        shutil.copyfile(template, copy)
        yield copy
        return
    name = f"ketdir_t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(pg_admin_url())
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
    finally:
        engine.dispose()
    url = make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        drop_pg_database(url)


@contextlib.contextmanager
def pg_directory_template(prefix: str = "ketdir_tpl", fill=None) -> Iterator[str]:
    """A database on the test server holding a ketdir directory — empty, or filled by fill(url) — made once,
    for copy_template or new_directories to copy (CREATE DATABASE ... TEMPLATE is much quicker than making
    the schema again). Dropped afterwards."""
    from ketdir.store.engine import open_directory

    with pg_database(prefix) as url:
        open_directory(url, create=True).close()
        if fill is not None:
            fill(url)
        yield url


@contextlib.contextmanager
def new_directories(backend: str, folder, pg_template: str | None = None):
    """For tests that want several directories on one backend: make(name) gives a new one at each call — a
    SQLite path (the file is made on first open), or a new database on the test server (a copy of
    pg_template if given, else empty). Server databases are dropped afterwards."""
    with contextlib.ExitStack() as stack:
        def make(name: str = "directory"):
            if backend == "sqlite":
                return folder / f"{name}.db"
            if pg_template is not None:
                return stack.enter_context(copy_template(pg_template, folder, name))
            return stack.enter_context(pg_database())
        yield make


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
