"""Open a ketdir database: SQLite file (WAL, foreign keys on) or any SQLAlchemy URL.

Every way opening can fail because of the user's file or server becomes a `DatabaseProblem` whose
message says what happened and what to do. Opening never changes a file it cannot use.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ketdir.paths import bundled_db
from ketdir.store import fts
from ketdir.store.models import Base, DatasetMeta

SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseProblem(Exception):
    """A database that cannot be used, with a message for people."""


@dataclass
class Directory:
    """An open directory database: the engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


def resolve_url(db: str | os.PathLike | None) -> str:
    """--db argument, else KETDIR_DB, else the bundled resources.db. Paths become sqlite URLs."""
    value = str(db) if db else os.environ.get("KETDIR_DB") or str(bundled_db())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    return None


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 3000")
    cur.close()


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 3})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _check_sqlite_file(path: Path, create: bool) -> None:
    if not path.exists():
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            return
        raise DatabaseProblem(
            f"There is no database at {path}. Check the path, or run `ketdir build-db` to make the bundled one."
        )
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a database file. Choose the .db file inside it.")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise DatabaseProblem(f"Cannot read {path}: {exc.strerror}. Check the file's permissions.") from exc
    if head and head != SQLITE_MAGIC:
        raise DatabaseProblem(
            f"{path} is not a ketdir database (it is not an SQLite file). Choose a ketdir .db file, or import "
            "this file with `ketdir import` if it is a directory export."
        )


def _translate(exc: Exception, url: str) -> DatabaseProblem:
    detail = str(getattr(exc, "orig", exc))
    where = _sqlite_path(url) or url.split("@")[-1]
    if "locked" in detail or "busy" in detail:
        return DatabaseProblem(
            f"The database {where} is locked by another program (perhaps another ketdir window or an import). "
            "Close the other program, or wait a moment, then try again. Nothing was changed."
        )
    if "malformed" in detail or "not a database" in detail or "file is encrypted" in detail:
        return DatabaseProblem(
            f"The database {where} is damaged and cannot be read. Nothing was changed. Restore it from a backup, "
            "or rebuild the bundled one with `ketdir build-db`."
        )
    if "password authentication failed" in detail:
        return DatabaseProblem(f"The server at {where} refused the user name or password. Check them and try again.")
    if "could not connect" in detail or "Connection refused" in detail or "could not translate host" in detail:
        return DatabaseProblem(
            f"Cannot reach the database server at {where}. Check the address and your network, or work offline "
            "with a local copy."
        )
    return DatabaseProblem(f"Cannot open the database {where}: {detail}")


def read_schema_version(engine: Engine) -> int | None:
    names = set(inspect(engine).get_table_names())
    if "ketdir_meta" not in names:
        return None
    with Session(engine) as s:
        row = s.get(DatasetMeta, "schema_version")
        return int(row.value) if row else None


def open_directory(db: str | os.PathLike | None = None, *, create: bool = False) -> Directory:
    """Open (or with create=True, make) a ketdir database and check it is one this version can use."""
    url = resolve_url(db)
    path = _sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, create)
    is_new = path is not None and not path.exists()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA schema_version").fetchone()  # forces a read of the header
                if not is_new:
                    result = conn.exec_driver_sql("PRAGMA quick_check").fetchone()
                    if result and result[0] != "ok":
                        raise DatabaseProblem(
                            f"The database {path} is damaged ({result[0]}). Nothing was changed. Restore it "
                            "from a backup, or rebuild the bundled one with `ketdir build-db`."
                        )
        version = read_schema_version(engine)
        tables = set(inspect(engine).get_table_names())
    except DatabaseProblem:
        engine.dispose()
        raise
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise _translate(exc, url) from exc

    if version is None:
        if tables and not create:
            engine.dispose()
            raise DatabaseProblem(
                f"{path or url} is a database, but not a ketdir one (it has no ketdir tables). Choose a ketdir "
                "database file. Nothing was changed."
            )
        if not create and not tables:
            engine.dispose()
            raise DatabaseProblem(f"{path or url} is empty. Run `ketdir build-db` or import a directory into it.")
        _create_schema(engine)
    elif version > SCHEMA_VERSION:
        engine.dispose()
        raise DatabaseProblem(
            f"{path or url} was made by a newer version of ketdir (schema {version}; this version reads up to "
            f"{SCHEMA_VERSION}). Update ketdir to open it. Nothing was changed."
        )
    if engine.dialect.name == "sqlite":
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        except OperationalError as exc:
            engine.dispose()
            raise _translate(exc, url) from exc
    return Directory(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), url=url)


def _create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    fts.create(engine)
    with Session(engine) as s, s.begin():
        s.merge(DatasetMeta(key="schema_version", value=str(SCHEMA_VERSION)))


def set_meta(session: Session, key: str, value: str) -> None:
    session.merge(DatasetMeta(key=key, value=value))


def get_meta(session: Session, key: str) -> str | None:
    row = session.execute(select(DatasetMeta.value).where(DatasetMeta.key == key)).scalar_one_or_none()
    return row
