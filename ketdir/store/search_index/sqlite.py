"""The search index on SQLite: FTS5 over ketdir_search_doc (external content, kept in sync by triggers), its
fts5vocab view and the word list ketdir_vocab."""
from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from typing import Iterable, Sequence

from sqlalchemy import Engine, text

from ketdir.store import tags
from ketdir.store.search_index.base import SearchIndex
from ketdir.store.search_index.match import COLUMNS, Alternatives, Area, Match, Words, side_condition

# The index's words with the number of services using each: search turns a long typed prefix ("alcoho") into
# the few whole words it stands for (SearchIndex.expand_prefixes).
WORDS_TABLE = "CREATE TABLE IF NOT EXISTS ketdir_vocab (word TEXT PRIMARY KEY, ndoc INTEGER NOT NULL) WITHOUT ROWID"

# Prefixes up to this length have their own lists in the index (prefix='2 3 4'); for a longer one FTS5 merges
# the lists of every word it begins and cannot skip, so it is looked up in ketdir_vocab instead.
INDEXED_PREFIX = 4

# Spelling vocabulary: words of 3+ letters, not the hidden need tokens, not numbers; most used first, then
# alphabetical (the order decides between equally close words, so it is the same on every backend).
VOCABULARY = (
    f"SELECT term FROM search_vocab WHERE {tags.not_a_tag('term')} AND length(term) >= 3 "
    "ORDER BY doc DESC, term LIMIT :n"
)

_TRIGGERS = ("search_doc_ai", "search_doc_ad", "search_doc_au")
_FTS_TABLE = re.compile(r"INSERT\s+INTO\s+\"?(\w+)\"?\s*\(", re.IGNORECASE)


def create_statements(columns: Sequence[str] = COLUMNS) -> list[str]:
    """The FTS5 table over ketdir_search_doc, its sync triggers and its vocabulary (migrations pass the
    columns of their schema)."""
    cols = ", ".join(columns)
    new = ", ".join("new." + c for c in columns)
    old = ", ".join("old." + c for c in columns)
    return [
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        {cols},
        content='ketdir_search_doc', content_rowid='rowid',
        tokenize="unicode61 remove_diacritics 2", prefix='2 3 4')""",
        f"""CREATE TRIGGER IF NOT EXISTS search_doc_ai AFTER INSERT ON ketdir_search_doc BEGIN
        INSERT INTO search_fts(rowid, {cols}) VALUES (new.rowid, {new});
    END""",
        f"""CREATE TRIGGER IF NOT EXISTS search_doc_ad AFTER DELETE ON ketdir_search_doc BEGIN
        INSERT INTO search_fts(search_fts, rowid, {cols}) VALUES ('delete', old.rowid, {old});
    END""",
        f"""CREATE TRIGGER IF NOT EXISTS search_doc_au AFTER UPDATE ON ketdir_search_doc BEGIN
        INSERT INTO search_fts(search_fts, rowid, {cols}) VALUES ('delete', old.rowid, {old});
        INSERT INTO search_fts(rowid, {cols}) VALUES (new.rowid, {new});
    END""",
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab(search_fts, 'row')",
        WORDS_TABLE,
    ]


def refresh_words(conn) -> None:
    """ketdir_vocab from the whole index (after a rebuild)."""
    conn.exec_driver_sql(WORDS_TABLE)
    conn.exec_driver_sql("DELETE FROM ketdir_vocab")
    conn.exec_driver_sql("INSERT INTO ketdir_vocab (word, ndoc) SELECT term, doc FROM search_vocab")


def _add_words(conn, service_ids: list[str]) -> None:
    """Add the words of these services' search rows, split by the index's own tokenizer (a scratch FTS5 table),
    so ketdir_vocab holds exactly the words the index holds."""
    cols = " || ' ' || ".join(f"coalesce({c}, '')" for c in COLUMNS)
    conn.exec_driver_sql(
        'CREATE VIRTUAL TABLE IF NOT EXISTS temp.ketdir_new_words USING fts5(body, '
        'tokenize="unicode61 remove_diacritics 2")'
    )
    conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.ketdir_new_words_vocab "
                         "USING fts5vocab(temp, ketdir_new_words, 'row')")
    try:
        for i in range(0, len(service_ids), 500):
            chunk = service_ids[i : i + 500]
            conn.execute(
                text(f"INSERT INTO temp.ketdir_new_words (body) SELECT {cols} FROM ketdir_search_doc "
                     "WHERE service_id IN (SELECT value FROM json_each(:ids))"),
                {"ids": json.dumps(chunk)},
            )
        conn.exec_driver_sql("INSERT OR IGNORE INTO ketdir_vocab (word, ndoc) "
                             "SELECT term, doc FROM temp.ketdir_new_words_vocab")
    finally:
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.ketdir_new_words_vocab")
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.ketdir_new_words")


class TriggersLifted(AbstractContextManager):
    """For a large rewrite of the search rows: lift the full-text triggers while the rows are rewritten, then
    rebuild the full-text index in one pass, far faster than row by row (bench/README.md, "Generation").

    The trigger definitions are read from the database itself and put back unchanged; everything happens
    inside the caller's transaction, so a failure restores the old triggers and index with the rest.
    """

    def __init__(self, conn, content_table: str = "ketdir_search_doc"):
        self.conn = conn
        self.content_table = content_table
        self.triggers: list[tuple[str, str]] = []
        self.fts_table: str | None = None

    def __enter__(self) -> "TriggersLifted":
        self.triggers = [tuple(r) for r in self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (self.content_table,))]
        for _name, sql in self.triggers:
            match = _FTS_TABLE.search(sql or "")
            if match:
                self.fts_table = match.group(1)
                break
        if self.fts_table is None:
            self.triggers = []
            return self
        for name, _sql in self.triggers:
            self.conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None or not self.triggers:
            return  # the transaction rolls back, triggers and all
        for _name, sql in self.triggers:
            self.conn.exec_driver_sql(sql)
        self.conn.exec_driver_sql(f"INSERT INTO \"{self.fts_table}\"(\"{self.fts_table}\") VALUES ('rebuild')")
        refresh_words(self.conn)  # the word list follows the rebuilt index


def _fts5_group(group: Alternatives) -> str:
    # Words reach here as letters and digits only (ketdir.search.tokens), so quoting cannot be escaped.
    parts = ['"' + " ".join(p) + '"' for p in group.phrases]
    parts += [f'"{p}"*' for p in group.prefixes]
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def fts5_expression(match: Match) -> str:
    """The FTS5 MATCH expression: the typed words (in match.columns only), every required tag, and any of the
    area's grid cells (FTS5 intersects these lists by skipping)."""
    joiner = " AND " if match.mode == "all" else " OR "
    words = joiner.join(_fts5_group(g) for g in match.groups)
    if words and match.columns:
        words = "{" + " ".join(match.columns) + "} : (" + words + ")"
    required = list(match.required)
    if match.area is not None:
        required.append(Words([(c,) for c in match.area.cells]))
    parts = [f"({words})"] if words and required else ([words] if words else [])
    parts += [_fts5_group(g) for g in required]
    return " AND ".join(parts)


def _side(match: Match, rowid: str = "search_fts.rowid") -> str:
    return "" if match.side is None else " AND " + side_condition(match.side, rowid)


class SqliteSearchIndex(SearchIndex):
    shortest_looked_up = INDEXED_PREFIX + 1

    def create(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for stmt in create_statements():
                conn.exec_driver_sql(stmt)

    def drop_statements(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {name}" for name in _TRIGGERS] + [
            "DROP TABLE IF EXISTS search_vocab", "DROP TABLE IF EXISTS search_fts",
            "DROP TABLE IF EXISTS ketdir_vocab"]

    def bulk_rewrite(self, conn) -> AbstractContextManager:
        return TriggersLifted(conn)

    def optimize(self, conn) -> None:
        """Merge the index's segments into one (after rewriting many rows)."""
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def refresh_vocabulary(self, conn, service_ids: Iterable[str] | None = None) -> None:
        if service_ids is None:
            refresh_words(conn)
            return
        ids = list(service_ids)
        if ids:
            _add_words(conn, ids)

    def match_source(self, match: Match) -> tuple[str, dict]:
        expression = fts5_expression(match)
        if not expression:
            return "FROM ketdir_search_doc d WHERE 1=1" + _side(match, "d.rowid"), {}
        return (
            "FROM search_fts JOIN ketdir_search_doc d ON d.rowid = search_fts.rowid WHERE search_fts MATCH :match"
            + _side(match),
            {"match": expression},
        )

    def count_source(self, match: Match) -> tuple[str, dict]:
        """FTS5 counts its matches without reading the service rows."""
        expression = fts5_expression(match)
        if not expression:  # nothing to look up in the index: the side alone
            return "FROM ketdir_search_doc d WHERE 1=1" + _side(match, "d.rowid"), {}
        return "FROM search_fts WHERE search_fts MATCH :match" + _side(match), {"match": expression}

    def capped_count(self, source: str, probe_pages: int = 0) -> str:
        return f"SELECT count(*) FROM (SELECT 1 {source} LIMIT :cap) AS c"

    def area_key(self, area: Area | None) -> object:
        return None if area is None else area.cells

    def id_list(self, column: str, param: str, ids) -> tuple[str, object]:
        return f"{column} IN (SELECT value FROM json_each(:{param}))", json.dumps(list(ids))

    def id_set(self, conn, name: str, key: object, ids) -> tuple[str, dict]:
        """A temporary table of this connection, refilled only when `key` changes (reading a JSON list again in
        every statement of a search costs about a millisecond for a few thousand ids)."""
        column = f"d.{name}"
        table = f"ketdir_ids_{name}"
        # The key is kept in a temporary table too, not in Python: a rolled-back transaction takes both back.
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS ketdir_ids_key (name TEXT PRIMARY KEY, key TEXT)")
        if conn.exec_driver_sql("SELECT key FROM temp.ketdir_ids_key WHERE name = ?", (name,)).scalar() != repr(key):
            conn.exec_driver_sql(f"DELETE FROM temp.{table}")
            conn.exec_driver_sql(f"INSERT INTO temp.{table} (id) SELECT value FROM json_each(?)",
                                 (json.dumps(list(ids)),))
            conn.exec_driver_sql("INSERT OR REPLACE INTO temp.ketdir_ids_key (name, key) VALUES (?, ?)",
                                 (name, repr(key)))
        return f"{column} IN temp.{table}", {}

    def words_beginning(self, conn, prefix: str, n: int) -> list[str]:
        return conn.execute(
            text("SELECT word FROM ketdir_vocab WHERE word >= :p AND word < :end ORDER BY word LIMIT :n"),
            {"p": prefix, "end": prefix + "\U0010ffff", "n": n},
        ).scalars().all()

    def spelling_words(self, conn, limit: int) -> list[str] | None:
        """The words themselves: the file is local, and search holds them in memory (ketdir.search.fuzzy)."""
        return conn.execute(text(VOCABULARY), {"n": limit}).scalars().all()
