"""Database dumps for comparing directories in tests."""
from __future__ import annotations

import sqlite3
from pathlib import Path

HSDS_TABLES = ("organization", "service", "location", "service_at_location", "address", "phone", "schedule",
               "taxonomy", "taxonomy_term", "attribute", "service_area", "language", "accessibility",
               "cost_option", "contact")
# Local to one database: the edit counter, not part of the data an export carries.
LOCAL_COLUMNS = {"service": {"version"}}


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def content_dump(path: Path) -> dict[str, list[tuple]]:
    """Every HSDS table (with ketdir's own columns) and the search rows, sorted: what an export must keep."""
    conn = _connect(path)
    try:
        out: dict[str, list[tuple]] = {}
        for table in HSDS_TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                    if r[1] not in LOCAL_COLUMNS.get(table, set())]
            out[table] = sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
        cols = [r[1] for r in conn.execute("PRAGMA table_info(ketdir_search_doc)") if r[1] not in ("rowid",
                                                                                                  "hours_pattern_id")]
        docs = conn.execute(
            f"SELECT {', '.join('d.' + c for c in cols)}, p.code FROM ketdir_search_doc d "
            "LEFT JOIN ketdir_hours_pattern p ON p.id = d.hours_pattern_id").fetchall()
        out["ketdir_search_doc"] = sorted(docs, key=repr)
        return out
    finally:
        conn.close()


def full_dump(path: Path) -> dict[str, object]:
    """Everything in the file: schema and every row of every table (for "nothing was changed")."""
    conn = _connect(path)
    try:
        schema = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr)
        out: dict[str, object] = {"__schema__": schema}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            if name.startswith("search_fts") or name == "search_vocab":
                continue
            out[name] = sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
        out["__fts__"] = conn.execute("SELECT count(*) FROM search_fts").fetchone()
        return out
    finally:
        conn.close()


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
