"""The full-text index: SQLite FTS5 over ketdir_search_doc (external content, kept in sync by triggers).

This module is the one place that knows the backend's full-text syntax. PostgreSQL support
(tsvector + GIN) belongs here too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from sqlalchemy import Engine

class Alternatives(Protocol):
    """One thing asked for (see ketdir.search.text_query.Group): any alternative matches."""

    phrases: list[tuple[str, ...]]  # words or phrases matched whole
    prefixes: list[str]  # words matched as prefixes


@dataclass(frozen=True)
class Match:
    """A full-text match: the groups, and whether a service must match all of them or any."""

    groups: Sequence[Alternatives]
    mode: str = "all"  # "all" | "any"


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


def _fts5_group(group: Alternatives) -> str:
    # Words reach here as letters and digits only (ketdir.search.tokens), so quoting cannot be escaped.
    parts = ['"' + " ".join(p) + '"' for p in group.phrases]
    parts += [f'"{p}"*' for p in group.prefixes]
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def fts5_expression(match: Match) -> str:
    joiner = " AND " if match.mode == "all" else " OR "
    return joiner.join(_fts5_group(g) for g in match.groups)


def match_source(dialect: str, match: Match) -> tuple[str, str, dict]:
    """SQL for a text match on ketdir_search_doc d: (FROM ... WHERE ..., rank expression, parameters).

    The rank is "lower is better" on every backend.
    """
    if dialect == "sqlite":
        return (
            "FROM search_fts JOIN ketdir_search_doc d ON d.rowid = search_fts.rowid WHERE search_fts MATCH :match",
            "bm25(search_fts, " + ", ".join(str(w) for w in WEIGHTS) + ")",
            {"match": fts5_expression(match)},
        )
    raise ValueError(f"Full-text search on {dialect} is not supported by this version of ketdir.")
