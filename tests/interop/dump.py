"""Database dumps for comparing directories in tests, on either backend (a .db path or a database URL).

content_dump: what an export must keep (HSDS tables and search rows). full_dump: everything in the database,
schema included, for "nothing was changed" — of the SQLite file, or of the PostgreSQL database.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

HSDS_TABLES = ("organization", "service", "location", "service_at_location", "address", "phone", "schedule",
               "taxonomy", "taxonomy_term", "attribute", "service_area", "language", "accessibility",
               "cost_option", "contact")
# Local to one database: the edit counter, not part of the data an export carries.
LOCAL_COLUMNS = {"service": {"version"}}
# Search rows: the row number is local; the hours pattern is compared by its code (below); PostgreSQL's
# tsvector column is generated from the other columns.
SEARCH_DOC_SKIP = {"rowid", "hours_pattern_id", "tsv"}


def _url(db: Path | str) -> str:
    return db if isinstance(db, str) and "://" in db else f"sqlite:///{db}"


def _engine(db: Path | str):
    url = _url(db)
    if url.startswith("sqlite:///"):  # read-only: a dump never touches the file
        return create_engine(f"sqlite:///file:{url[len('sqlite:///'):]}?mode=ro&uri=true")
    return create_engine(url)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(conn, sql: str) -> list[tuple]:
    return sorted((tuple(r) for r in conn.exec_driver_sql(sql).fetchall()), key=repr)


def content_dump(db: Path | str) -> dict[str, list[tuple]]:
    """Every HSDS table (with ketdir's own columns) and the search rows, sorted: what an export must keep.
    Values as the backend's driver returns them: compare dumps of the same backend."""
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            schema = inspect(conn)
            out: dict[str, list[tuple]] = {}
            for table in HSDS_TABLES:
                cols = [c["name"] for c in schema.get_columns(table)
                        if c["name"] not in LOCAL_COLUMNS.get(table, set())]
                out[table] = _select(conn, f"SELECT {', '.join(map(_q, cols))} FROM {_q(table)}")
            cols = [c["name"] for c in schema.get_columns("ketdir_search_doc") if c["name"] not in SEARCH_DOC_SKIP]
            out["ketdir_search_doc"] = _select(
                conn, f"SELECT {', '.join('d.' + _q(c) for c in cols)}, p.code FROM ketdir_search_doc d "
                "LEFT JOIN ketdir_hours_pattern p ON p.id = d.hours_pattern_id")
            return out
    finally:
        engine.dispose()


def full_dump(db: Path | str) -> dict[str, object]:
    """Everything in the database (for "nothing was changed"): its schema and every row of every table."""
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                return _sqlite_full(conn)
            return _postgres_full(conn)
    finally:
        engine.dispose()


def _sqlite_full(conn) -> dict[str, object]:
    out: dict[str, object] = {"__schema__": _select(conn, "SELECT type, name, sql FROM sqlite_master")}
    for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        if name.startswith("search_fts") or name == "search_vocab":
            continue
        out[name] = _select(conn, f"SELECT * FROM {_q(name)}")
    out["__fts__"] = tuple(conn.exec_driver_sql("SELECT count(*) FROM search_fts").fetchone())
    return out


def _postgres_full(conn) -> dict[str, object]:
    """The public schema of a PostgreSQL database: tables, columns (with generated expressions), indexes,
    constraints, triggers, functions and extensions, then every row of every table. Sequence positions are
    left out: PostgreSQL never rolls them back, so a refused or rolled-back write moves them too."""
    out: dict[str, object] = {
        "__columns__": _select(conn, "SELECT table_name, column_name, data_type, is_nullable, column_default, "
                                     "generation_expression FROM information_schema.columns "
                                     "WHERE table_schema = 'public'"),
        "__indexes__": _select(conn, "SELECT tablename, indexname, indexdef FROM pg_indexes "
                                     "WHERE schemaname = 'public'"),
        "__constraints__": _select(conn, "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                                         "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                                         "WHERE n.nspname = 'public'"),
        "__triggers__": _select(conn, "SELECT event_object_table, trigger_name, event_manipulation, "
                                      "action_statement FROM information_schema.triggers "
                                      "WHERE trigger_schema = 'public'"),
        "__functions__": _select(conn, "SELECT p.proname, pg_get_function_identity_arguments(p.oid), "
                                       "md5(coalesce(p.prosrc, '')) FROM pg_proc p "
                                       "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"),
        "__extensions__": _select(conn, "SELECT extname, extversion FROM pg_extension"),
    }
    tables = [t for (t,) in conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
    for name in tables:
        out[name] = _select(conn, f"SELECT * FROM {_q(name)}")
    return out


def diff(a: dict, b: dict, limit: int = 5) -> list[str]:
    """Readable differences between two dumps."""
    lines = []
    for key in sorted(set(a) | set(b)):
        left, right = a.get(key), b.get(key)
        if left == right:
            continue
        if isinstance(left, list) and isinstance(right, list):
            only_left = [r for r in left if r not in right][:limit]
            only_right = [r for r in right if r not in left][:limit]
            lines.append(f"{key}: {len(left)} vs {len(right)} rows; only first: {only_left}; only second: {only_right}")
        else:
            lines.append(f"{key}: {left!r} != {right!r}")
    return lines
