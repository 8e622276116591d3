"""Open a ketdir database: SQLite file (WAL, foreign keys on) or any SQLAlchemy URL.

Every way opening can fail because of the user's file or server becomes a `DatabaseProblem` whose
message says what happened and what to do. Opening never changes a file it cannot use.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ketdir.paths import bundled_db
from ketdir.problems import Unavailable, is_locked, is_read_only
from ketdir.store.search_index import search_index
from ketdir.store.models import Base, DatasetMeta

SCHEMA_VERSION = 6  # = the Alembic head revision ("0006"); see ketdir/store/migrations
MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_MAGIC = b"SQLite format 3\x00"
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024  # larger files are not scanned on open (it would take seconds)
log = logging.getLogger(__name__)  # upgrade notices: the command line prints them, the window shows them


class DatabaseProblem(Unavailable):
    """A database that cannot be used, with a message for people."""


@dataclass
class Directory:
    """An open directory database: the engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str
    notice: str = ""  # something people should know about opening it, e.g. that it was upgraded

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_url(self) -> str:
        """The URL with any password masked: the only form to show or log."""
        return display_url(self.url)

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


def display_url(url: str) -> str:
    """Any database URL with its password masked (paths of SQLite files as they are)."""
    path = _sqlite_path(url)
    if path is not None:
        return str(path)
    from ketdir.store.credentials import display_url as masked

    return masked(url)


def make_engine(url: str, *, read_only: bool = False, pool_size: int | None = None,
                ping_connections: bool = True) -> Engine:
    """ping_connections: ask a server whether a pooled connection still works before each use (a round trip;
    without it, the first use of a connection the server closed fails)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 3})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseProblem(f"“{display_url(url)}” is not a database URL (e.g. postgresql+psycopg://user@host/db).") from exc
    connect_args: dict = {}
    options: dict = {"pool_pre_ping": ping_connections}
    if pool_size:
        options.update(pool_size=pool_size, max_overflow=pool_size)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect_args.update(connect_timeout=int(os.environ.get("KETDIR_CONNECT_TIMEOUT", "5")), application_name="ketdir")
        if not parsed.password:
            from ketdir.store.credentials import CredentialProblem, lookup_password

            try:
                password = lookup_password(parsed)
            except CredentialProblem as exc:
                raise DatabaseProblem(str(exc)) from exc
            if password:
                connect_args["password"] = password  # never put into the URL, so it is never shown
    try:
        engine = create_engine(parsed, connect_args=connect_args, **options)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseProblem(
            f"ketdir cannot talk to {parsed.get_backend_name()} databases ({exc}). Use a sqlite path or a "
            "postgresql+psycopg:// URL."
        ) from exc
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _on_postgresql_connect)
    return engine


def _on_postgresql_connect(dbapi_conn, _record) -> None:
    """Session settings for every PostgreSQL connection ketdir opens (PG_SESSION_SETTINGS, UNLESS_CONFIGURED): they
    keep the planner on the cheap plans for ketdir's short index lookups, and results stable while colleagues
    search. Set per connection because the server's configuration may not be ketdir's team's to change. Why
    each, with measurements: docs/team-mode.md, "Connection settings"."""
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True  # a SET inside a transaction would be undone by the pool's rollback
    try:
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT name, source FROM pg_settings WHERE name = ANY(%s)", ([n for n, _ in UNLESS_CONFIGURED],))
            for statement in pg_session_settings(dict(cur.fetchall())):
                cur.execute(statement)
    finally:
        dbapi_conn.autocommit = autocommit


PG_SESSION_SETTINGS = (
    ("jit", "off"),  # compiling a large count took longer than running it
    ("cpu_index_tuple_cost", "0.02"),  # a GIN index lists every match first: for common words, read rows to LIMIT
    ("synchronize_seqscans", "off"),  # every scan starts at the table's beginning: the same search, the same rows
)
# Left alone when the server's configuration sets them. The default 4.0 models a spinning disk.
UNLESS_CONFIGURED = (("random_page_cost", "1.1"),)


def pg_session_settings(sources: dict[str, str]) -> list[str]:
    """SET statements for a new PostgreSQL connection (see _on_postgresql_connect). sources: where the server's
    current value of each UNLESS_CONFIGURED setting comes from (pg_settings.source: "default" when nobody set
    it)."""
    wanted = list(PG_SESSION_SETTINGS)
    wanted += [(name, value) for name, value in UNLESS_CONFIGURED if sources.get(name, "default") == "default"]
    return [f"SET {name} = {value}" for name, value in wanted]


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


def database_problem(exc: Exception, url: str) -> DatabaseProblem:
    """The message for people about a database error (opening, reading or writing): the one place that reads
    the driver's text."""
    detail = str(getattr(exc, "orig", exc))
    where = _sqlite_path(url) or _server_where(url)
    if is_read_only(exc):
        return DatabaseProblem(
            f"The database {where} is read-only here, so nothing could be saved (nothing was changed). Check the "
            "file's permissions or that the disk is writable, or open a copy you can write to."
        )
    if is_locked(exc):
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
        return DatabaseProblem(
            f"The server at {where} refused the user name or password. Check them and try again (save a new "
            "password with `ketdir --db URL login`)."
        )
    if "no password supplied" in detail or "fe_sendauth" in detail:
        return DatabaseProblem(
            f"The server at {where} needs a password. Save it once with `ketdir --db URL login` (it goes to your "
            "system keyring or a ~/.pgpass file only you can read, never into settings)."
        )
    if "does not exist" in detail and "database" in detail:
        name = _url_part(url, "database") or "?"
        return DatabaseProblem(
            f"The server at {where} has no database called “{name}”. Ask its administrator to create it "
            f"(createdb {name}), then fill it with `ketdir import` or `ketdir bundle import`."
        )
    if "does not exist" in detail and "role" in detail:
        return DatabaseProblem(f"The server at {where} does not know the user “{_url_part(url, 'username')}”. "
                               "Check the user name in the address.")
    if any(s in detail for s in ("could not connect", "Connection refused", "could not translate host",
                                  "timeout expired", "No route to host", "Name or service not known",
                                  "Network is unreachable", "connection failed")):
        return DatabaseProblem(
            f"Cannot reach the database server at {where}. Check the address and your network, or work offline "
            "with a local copy."
        )
    return DatabaseProblem(f"Cannot open the database {where}: {_mask_text(detail, url)}")


def _url_part(url: str, part: str) -> str | None:
    try:
        return getattr(make_url(url), part)
    except ArgumentError:
        return None


def _server_where(url: str) -> str:
    """host:port/database (no user, no password) for messages about a server."""
    try:
        u = make_url(url)
    except ArgumentError:
        return display_url(url)
    if not u.host and not u.database:
        return display_url(url)
    return f"{u.host or 'localhost'}{':' + str(u.port) if u.port else ''}/{u.database or ''}"


def _mask_text(detail: str, url: str) -> str:
    password = _url_part(url, "password")
    return detail.replace(str(password), "***") if password else detail


def read_schema_version(engine: Engine) -> int | None:
    names = set(inspect(engine).get_table_names())
    if "ketdir_meta" not in names:
        return None
    with Session(engine) as s:
        row = s.get(DatasetMeta, "schema_version")
    if row is None:
        return None
    try:
        return int(row.value)
    except (TypeError, ValueError):
        raise DatabaseProblem(
            f"{display_url(str(engine.url))} says its schema version is “{row.value}”, which is not a version "
            "ketdir wrote: the file may be damaged or changed by another program. Nothing was changed. Restore it "
            "from a backup."
        ) from None


def open_directory(db: str | os.PathLike | None = None, *, create: bool = False,
                   ping_connections: bool = True) -> Directory:
    """Open (or with create=True, make) a ketdir database and check it is one this version can use.
    ping_connections: see make_engine (a server answering many short requests handles a closed connection
    itself instead: ketdir.api.catalogue)."""
    url = resolve_url(db)
    path = _sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, create)
    is_new = path is not None and not path.exists()
    engine = make_engine(url, ping_connections=ping_connections)
    shown = path or display_url(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA schema_version").fetchone()  # forces a read of the header
                if not is_new and path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                    try:
                        result = conn.exec_driver_sql("PRAGMA quick_check").fetchone()
                    except UnicodeDecodeError:  # the damage report itself is unreadable
                        result = ("unreadable pages",)
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
    except (OperationalError, DatabaseError, InterfaceError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise database_problem(exc, url) from exc

    if version is None:
        if tables and not create:
            engine.dispose()
            raise DatabaseProblem(
                f"{shown} is a database, but not a ketdir one (it has no ketdir tables). Choose a ketdir "
                "database file. Nothing was changed."
            )
        if not create and not tables:
            engine.dispose()
            raise DatabaseProblem(f"{shown} is empty. Run `ketdir build-db` or import a directory into it.")
        try:
            _create_schema(engine)
        except (OperationalError, DatabaseError) as exc:
            engine.dispose()
            raise database_problem(exc, url) from exc
    elif version > SCHEMA_VERSION:
        engine.dispose()
        raise DatabaseProblem(
            f"{shown} was made by a newer version of ketdir (schema {version}; this version reads up to "
            f"{SCHEMA_VERSION}). Update ketdir to open it. Nothing was changed."
        )
    notice = ""
    if version is not None and version < SCHEMA_VERSION:
        try:
            saved = upgrade(engine, url, version)
        except BaseException:
            engine.dispose()
            raise
        notice = (f"{shown} was upgraded from schema {version} to {SCHEMA_VERSION}"
                  + (f"; the copy made before the upgrade is {saved}." if saved else "."))
        log.warning(notice)
    if engine.dialect.name == "sqlite":
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        except OperationalError as exc:
            engine.dispose()
            raise database_problem(exc, url) from exc
    return Directory(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), url=url, notice=notice)


def _create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    search_index(engine).create(engine)
    with engine.begin() as conn:
        _alembic(conn, "stamp", "head")
        with Session(conn) as s:
            s.merge(DatasetMeta(key="schema_version", value=str(SCHEMA_VERSION)))
            s.flush()


# ---------------------------------------------------------------- schema upgrades (Alembic)


def _alembic(conn, command_name: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    getattr(command, command_name)(cfg, revision)


def backup_dir() -> Path:
    """Where backups of server databases go before an upgrade ($KETDIR_BACKUP_DIR overrides)."""
    if os.environ.get("KETDIR_BACKUP_DIR"):
        return Path(os.environ["KETDIR_BACKUP_DIR"])
    from platformdirs import user_data_dir

    return Path(user_data_dir("ketdir")) / "backups"


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def backup_sqlite(path: Path, version: int) -> Path:
    """A consistent copy of the file (WAL included) beside it: NAME.schemaN-backup-TIME.db."""
    target = path.with_name(f"{path.stem}.schema{version}-backup-{_stamp()}{path.suffix or '.db'}")
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except (OSError, sqlite3.Error) as exc:
        target.unlink(missing_ok=True)
        raise DatabaseProblem(
            f"{path} uses an older ketdir schema ({version}) and must be upgraded, but a backup could not be "
            f"written beside it ({exc}). Nothing was changed. Make the folder writable, or copy the file "
            "somewhere writable and open the copy."
        ) from exc
    return target


def backup_postgres(url: str, version: int) -> Path:
    """pg_dump (custom format) of the server database into backup_dir(); DatabaseProblem if it cannot."""
    u = make_url(url)
    pg_dump = shutil.which("pg_dump")
    advice = (
        f"The database {_server_where(url)} uses an older ketdir schema ({version}) and must be upgraded to "
        f"{SCHEMA_VERSION} before ketdir can use it. Nothing was changed. Back it up first (e.g. `pg_dump -Fc "
        f"-h {u.host or 'localhost'} -U {u.username or 'USER'} -f ketdir.dump {u.database}`), then run "
        "`ketdir --db URL db upgrade --backup-done`."
    )
    if not pg_dump:
        raise DatabaseProblem(advice + " (ketdir backs up by itself when pg_dump is installed.)")
    folder = backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{u.database}.schema{version}-backup-{_stamp()}.dump"
    env = dict(os.environ)
    password = u.password or _saved_password(u)
    if password:
        env["PGPASSWORD"] = str(password)  # the environment, never the command line (ps shows that)
    args = [pg_dump, "-Fc", "-f", str(target), "-h", u.host or "localhost", "-d", u.database or ""]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        target.unlink(missing_ok=True)
        raise DatabaseProblem(advice + f" (pg_dump failed: {exc})") from exc
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise DatabaseProblem(advice + f" (pg_dump failed: {_mask_text(reason, url)})")
    return target


def _saved_password(u) -> str | None:
    from ketdir.store.credentials import CredentialProblem, lookup_password

    try:
        return lookup_password(u)
    except CredentialProblem:
        return None


def upgrade(engine: Engine, url: str, version: int, *, backup: bool = True) -> Path | None:
    """Back the database up, then bring it to SCHEMA_VERSION with Alembic. Returns the backup's path."""
    saved = None
    if backup:
        path = _sqlite_path(url)
        saved = backup_sqlite(path, version) if path is not None else backup_postgres(url, version)
    try:
        with engine.begin() as conn:
            if "alembic_version" not in set(inspect(conn).get_table_names()):
                _alembic(conn, "stamp", f"{version:04d}")  # made before Alembic: schema N is revision 000N
            _alembic(conn, "upgrade", "head")
            with Session(conn) as s:
                s.merge(DatasetMeta(key="schema_version", value=str(SCHEMA_VERSION)))
                s.flush()
    except (OperationalError, DatabaseError) as exc:
        kept = f" The backup made before it is {saved}." if saved else ""
        raise DatabaseProblem(
            f"Upgrading {display_url(url)} from schema {version} failed: {_mask_text(str(getattr(exc, 'orig', exc)), url)}. "
            f"The upgrade was rolled back.{kept}"
        ) from exc
    return saved


def set_meta(session: Session, key: str, value: str) -> None:
    session.merge(DatasetMeta(key=key, value=value))


def get_meta(session: Session, key: str) -> str | None:
    row = session.execute(select(DatasetMeta.value).where(DatasetMeta.key == key)).scalar_one_or_none()
    return row
