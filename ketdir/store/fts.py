"""The full-text index: SQLite FTS5 over ketdir_search_doc (external content, kept in sync by triggers).

This module is the one place that knows the backend's full-text syntax. PostgreSQL support
(tsvector + GIN) belongs here too.
"""
from __future__ import annotations

from sqlalchemy import Engine

# Column order matters: bm25() weights below follow it.
COLUMNS = ("name", "alternate_name", "organization", "needs_text", "description")
WEIGHTS = (10.0, 6.0, 3.0, 4.0, 1.0)

_SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        {", ".join(COLUMNS)},
        content='ketdir_search_doc', content_rowid='rowid',
        tokenize="unicode61 remove_diacritics 2", prefix='2 3 4')""",
    f"""CREATE TRIGGER IF NOT EXISTS search_doc_ai AFTER INSERT ON ketdir_search_doc BEGIN
        INSERT INTO search_fts(rowid, {", ".join(COLUMNS)})
        VALUES (new.rowid, {", ".join("new." + c for c in COLUMNS)});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_doc_ad AFTER DELETE ON ketdir_search_doc BEGIN
        INSERT INTO search_fts(search_fts, rowid, {", ".join(COLUMNS)})
        VALUES ('delete', old.rowid, {", ".join("old." + c for c in COLUMNS)});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_doc_au AFTER UPDATE ON ketdir_search_doc BEGIN
        INSERT INTO search_fts(search_fts, rowid, {", ".join(COLUMNS)})
        VALUES ('delete', old.rowid, {", ".join("old." + c for c in COLUMNS)});
        INSERT INTO search_fts(rowid, {", ".join(COLUMNS)})
        VALUES (new.rowid, {", ".join("new." + c for c in COLUMNS)});
    END""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab(search_fts, 'row')",
]


def create(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        raise ValueError(f"Full-text search on {engine.dialect.name} is not supported by this version of ketdir.")
    with engine.begin() as conn:
        for stmt in _SQLITE_CREATE:
            conn.exec_driver_sql(stmt)


def drop(engine: Engine) -> None:
    with engine.begin() as conn:
        for name in ("search_doc_ai", "search_doc_ad", "search_doc_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_vocab")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")


def rebuild(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
