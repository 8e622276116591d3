"""The full-text index: SQLite FTS5 over ketdir_search_doc (external content, kept in sync by triggers), or
on PostgreSQL a generated tsvector column with a GIN index plus a pg_trgm word list (see below).

This module is the one place that knows the backend's full-text syntax.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Iterable, Protocol, Sequence

from sqlalchemy import Engine, text

from ketdir.store import tags

class Alternatives(Protocol):
    """One thing asked for (see ketdir.search.text_query.Group): any alternative matches."""

    phrases: list[tuple[str, ...]]  # words or phrases matched whole
    prefixes: list[str]  # words matched as prefixes


@dataclass(frozen=True)
class Area:
    """Around a place: a bounding box and the grid cells (ketdir.store.tags) covering it. SQLite asks its
    full-text index for the cells' tags, which it intersects with the typed words by skipping; PostgreSQL reads
    the box through its index on (latitude, longitude) instead, or intersects the two indexes, whichever its
    planner finds cheaper: a GIN index makes a bitmap of every match of each tag and word first, which for a
    common word or a two-letter prefix costs more than reading the few hundred services in a small box."""

    cells: tuple[str, ...]
    box: tuple[float, float, float, float]  # min_lat, max_lat, min_lon, max_lon


@dataclass(frozen=True)
class _Words:
    phrases: list[tuple[str, ...]]
    prefixes: tuple[str, ...] = ()


def area_key(dialect: str, area: Area | None) -> object:
    """What of an area a backend's search uses: two areas with the same key find the same services."""
    if area is None:
        return None
    return area.box if dialect == "postgresql" else area.cells


@dataclass(frozen=True)
class Match:
    """A full-text match: the groups, and whether a service must match all of them or any."""

    groups: Sequence[Alternatives]
    mode: str = "all"  # "all" | "any"
    required: Sequence[Alternatives] = ()  # filter tags: always all of these, whatever the mode
    columns: tuple[str, ...] | None = None  # look for the typed words in these columns only
    side: str | None = None  # LOCAL_SIDE or NATIONAL_SIDE: only those services (None: both)
    area: Area | None = None  # only services in this area


LOCAL_SIDE, NATIONAL_SIDE = "local", "national"
# Search rows of national lines are numbered from here, local services below it (ketdir.store.index keeps
# to this). On SQLite a side is then a rowid range, which FTS5 seeks to directly, instead of one more word to
# intersect (the "local" tag's list holds nearly every service).
NATIONAL_ROWID = 1_000_000_000


def side_condition(side: str | None, rowid: str = "d.rowid") -> str:
    """SQL: the rows of one side (LOCAL_SIDE / NATIONAL_SIDE); "1=1" for both."""
    if side == LOCAL_SIDE:
        return f"{rowid} < {NATIONAL_ROWID}"
    if side == NATIONAL_SIDE:
        return f"{rowid} >= {NATIONAL_ROWID}"
    return "1=1"


def _sqlite_side(match: Match, rowid: str = "search_fts.rowid") -> str:
    return "" if match.side is None else " AND " + side_condition(match.side, rowid)


# The indexed columns (relevance is ketdir.search.rank's, on the fetched text; the tags only filter).
COLUMNS = ("name", "alternate_name", "organization", "needs_text", "description", "tags")
STRONG_COLUMNS = ("name", "alternate_name", "organization", "needs_text")

# The index's words with the number of services using each, kept by refresh_vocabulary (on PostgreSQL the
# same table, ketdir_vocab, has a pg_trgm index). Search looks words up here to turn a long typed prefix
# ("alcoho") into the few whole words it stands for, which the index finds far faster (see expand_prefixes).
SQLITE_WORDS_TABLE = "CREATE TABLE IF NOT EXISTS ketdir_vocab (word TEXT PRIMARY KEY, ndoc INTEGER NOT NULL) WITHOUT ROWID"

def sqlite_create_statements(columns: Sequence[str] = COLUMNS) -> list[str]:
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
        SQLITE_WORDS_TABLE,
    ]



_SQLITE_CREATE = sqlite_create_statements()


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [*pg_strong_drop_statements(), "DROP INDEX IF EXISTS ix_search_doc_tsv",
                "ALTER TABLE ketdir_search_doc DROP COLUMN IF EXISTS tsv"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in ("search_doc_ai", "search_doc_ad", "search_doc_au")] + \
        ["DROP TABLE IF EXISTS search_vocab", "DROP TABLE IF EXISTS search_fts", "DROP TABLE IF EXISTS ketdir_vocab"]


def create(engine: Engine) -> None:
    """Make the full-text index (and its helpers) for a new database; safe to run again."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for stmt in [*_pg_create_statements(conn), *pg_strong_statements()]:
                conn.exec_driver_sql(stmt)
        return
    if engine.dialect.name != "sqlite":
        raise ValueError(f"Full-text search on {engine.dialect.name} is not supported by this version of ketdir.")
    with engine.begin() as conn:
        for stmt in _SQLITE_CREATE:
            conn.exec_driver_sql(stmt)


def drop(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for stmt in pg_strong_drop_statements():
                conn.exec_driver_sql(stmt)
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_doc_tsv")
            conn.exec_driver_sql("ALTER TABLE ketdir_search_doc DROP COLUMN IF EXISTS tsv")
            conn.exec_driver_sql("DROP TABLE IF EXISTS ketdir_vocab")
            return
        for name in ("search_doc_ai", "search_doc_ad", "search_doc_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_vocab")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")
        conn.exec_driver_sql("DROP TABLE IF EXISTS ketdir_vocab")


def rebuild(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the tsvector column is generated; only the vocabulary is derived
            _pg_refresh_vocabulary(conn, None)
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        sqlite_refresh_words(conn)


def optimize(conn) -> None:
    """SQLite: merge the index's segments into one (after rewriting many rows), which makes lookups faster."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


_FTS_TABLE = re.compile(r"INSERT\s+INTO\s+\"?(\w+)\"?\s*\(", re.IGNORECASE)


class SearchIndexBulkMode:
    """For a large rewrite of the search rows on SQLite (an import, a schema upgrade): lift the full-text
    triggers while the rows are rewritten, then rebuild the full-text index in one pass (about twice as fast as
    row-by-row triggers). Nothing to do on PostgreSQL, whose tsvector columns are generated.

    The trigger definitions are read from the database itself and put back unchanged; everything happens
    inside the caller's transaction, so a failure restores the old triggers and index with the rest.
    """

    def __init__(self, conn, content_table: str = "ketdir_search_doc"):
        self.conn = conn
        self.content_table = content_table
        self.triggers: list[tuple[str, str]] = []
        self.fts_table: str | None = None

    def __enter__(self) -> "SearchIndexBulkMode":
        if self.conn.dialect.name != "sqlite":
            return self
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
        sqlite_refresh_words(self.conn)  # the word list follows the rebuilt index


def sqlite_refresh_words(conn) -> None:
    """SQLite: ketdir_vocab from the whole index (after a rebuild)."""
    conn.exec_driver_sql(SQLITE_WORDS_TABLE)
    conn.exec_driver_sql("DELETE FROM ketdir_vocab")
    conn.exec_driver_sql("INSERT INTO ketdir_vocab (word, ndoc) SELECT term, doc FROM search_vocab")


def _sqlite_add_words(conn, service_ids: list[str]) -> None:
    """SQLite: add the words of these services' search rows, split by the index's own tokenizer (a scratch
    FTS5 table), so ketdir_vocab holds exactly the words the index holds."""
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


# SQLite: prefixes up to this length have their own lists in the index (prefix='2 3 4' above); a longer one
# makes FTS5 merge the lists of every word it begins and cannot skip, so it is looked up in ketdir_vocab
# instead. PostgreSQL: GIN turns any prefix into a bitmap of every word it begins before intersecting, while
# whole words are intersected by skipping through their lists; so from 3 letters on, prefixes are looked up.
INDEXED_PREFIX = 4
PG_SHORTEST_LOOKED_UP = 3
MAX_EXPANSION = 24  # a prefix standing for more words than this stays a prefix


def _words_beginning(conn, prefix: str, n: int) -> list[str]:
    if conn.dialect.name == "postgresql":
        # LIKE 'abc%' uses the pg_trgm index whatever the server's collation (a range on the primary key would
        # depend on it). Prefixes are letters and digits only (ketdir.search.tokens): nothing to escape.
        sql = "SELECT word FROM ketdir_vocab WHERE word LIKE :pattern ORDER BY word LIMIT :n"
        return conn.execute(text(sql), {"pattern": prefix + "%", "n": n}).scalars().all()
    return conn.execute(
        text("SELECT word FROM ketdir_vocab WHERE word >= :p AND word < :end ORDER BY word LIMIT :n"),
        {"p": prefix, "end": prefix + "\U0010ffff", "n": n},
    ).scalars().all()


def expand_prefixes(conn, groups: Sequence[Alternatives], known: dict | None = None) -> list:
    """The groups with each long prefix replaced by the whole words it begins; unchanged when the prefix begins
    too many words, or when the word list does not know it. known: the words of prefixes looked up before (the
    caller keeps it while the word list is unchanged: one statement less per keystroke)."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        return list(groups)
    shortest = INDEXED_PREFIX + 1 if conn.dialect.name == "sqlite" else PG_SHORTEST_LOOKED_UP
    expanded = []
    for group in groups:
        long = [p for p in group.prefixes if len(p) >= shortest]
        if not long:
            expanded.append(group)
            continue
        phrases, prefixes = list(group.phrases), [p for p in group.prefixes if len(p) < shortest]
        begun = list(getattr(group, "begun", []))
        for prefix in long:
            found = known.get(prefix) if known is not None else None
            if found is None:
                found = _words_beginning(conn, prefix, MAX_EXPANSION + 1)
                if known is not None:
                    if len(known) > 5000:
                        known.clear()
                    known[prefix] = found
            if found and len(found) <= MAX_EXPANSION:
                phrases += [(w,) for w in found if (w,) not in phrases]
                begun.append(prefix)  # ranking still sees a word start ("alcoho" in "alcoholics")
            else:
                prefixes.append(prefix)
        expanded.append(replace(group, phrases=phrases, prefixes=prefixes, begun=begun))
    return expanded


def _fts5_group(group: Alternatives) -> str:
    # Words reach here as letters and digits only (ketdir.search.tokens), so quoting cannot be escaped.
    parts = ['"' + " ".join(p) + '"' for p in group.phrases]
    parts += [f'"{p}"*' for p in group.prefixes]
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def fts5_expression(match: Match) -> str:
    joiner = " AND " if match.mode == "all" else " OR "
    words = joiner.join(_fts5_group(g) for g in match.groups)
    if words and match.columns:
        words = "{" + " ".join(match.columns) + "} : (" + words + ")"
    required = list(match.required)
    if match.area is not None:
        required.append(_Words([(c,) for c in match.area.cells]))
    parts = [f"({words})"] if words and required else ([words] if words else [])
    parts += [_fts5_group(g) for g in required]
    return " AND ".join(parts)


def id_list(dialect: str, column: str, param: str, ids) -> tuple[str, object]:
    """A condition "column is one of ids" with ONE bound parameter (thousands of ids stay cheap)."""
    if dialect == "postgresql":
        return f"{column} = ANY(:{param})", list(ids)
    return f"{column} IN (SELECT value FROM json_each(:{param}))", json.dumps(list(ids))


def id_set(conn, name: str, key: object, ids) -> tuple[str, dict]:
    """A condition "d.<name> is one of ids" for a set that many statements of a search share (the service hours
    open this minute). SQLite: a temporary table of this connection, refilled only when `key` changes (reading
    a JSON list again in every statement costs about a millisecond for a few thousand ids); PostgreSQL: a bit
    string of the ids (small non-negative integers), one bit each. As an array (`= ANY(...)`) the planner
    estimated each of several thousand values, and chose to look every one up in the column's index (20 ms
    for the national lines open now); a bit is looked at only on the rows the rest of the search finds."""
    column = f"d.{name}"
    if conn.dialect.name != "sqlite":
        ids = [i for i in ids if i >= 0]  # a negative id (a placeholder for "none") is no row's
        bits = bytearray((max(ids) // 8 + 1) if ids else 0)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)  # get_bit numbers the bits of each byte from the lowest
        # CASE, not AND: PostgreSQL may evaluate an AND's sides in any order, and get_bit fails out of range.
        return (f"(CASE WHEN {column} BETWEEN 0 AND :{name}_last THEN get_bit(:{name}_bits, {column}) = 1 "
                "ELSE FALSE END)", {f"{name}_bits": bytes(bits), f"{name}_last": len(bits) * 8 - 1})
    table = f"ketdir_ids_{name}"
    # The key is kept in a temporary table too, not in Python: a rolled-back transaction takes both back.
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS ketdir_ids_key (name TEXT PRIMARY KEY, key TEXT)")
    if conn.exec_driver_sql("SELECT key FROM temp.ketdir_ids_key WHERE name = ?", (name,)).scalar() != repr(key):
        conn.exec_driver_sql(f"DELETE FROM temp.{table}")
        conn.exec_driver_sql(f"INSERT INTO temp.{table} (id) SELECT value FROM json_each(?)", (json.dumps(list(ids)),))
        conn.exec_driver_sql("INSERT OR REPLACE INTO temp.ketdir_ids_key (name, key) VALUES (?, ?)", (name, repr(key)))
    return f"{column} IN temp.{table}", {}


def counts_by_index(dialect: str) -> bool:
    """Whether the full-text index counts matches without reading their rows: SQLite's FTS5 does; PostgreSQL's
    GIN index cannot (a count visits every row counted)."""
    return dialect == "sqlite"


def capped_count(dialect: str, source: str, probe_pages: int = 0) -> str:
    """SQL counting the rows of `source` (FROM ... WHERE ...) up to :cap.

    PostgreSQL with probe_pages: a GIN index lists every match before the first row is read, however few are
    counted (20-50 ms for a common word in 100,000 services). So first count in the first probe_pages pages of
    the table alone, row by row (1-2 ms): a common word reaches the cap there, and the count is cap as it would
    be anyway; only a rarer one (a short list for the index) is counted in full.
    """
    counted = f"SELECT count(*) FROM (SELECT 1 {source} LIMIT :cap) AS c"
    if dialect != "postgresql" or not probe_pages:
        return counted
    return (f"SELECT CASE WHEN p.n > :cap - 1 THEN p.n ELSE ({counted}) END FROM (SELECT count(*) AS n "
            f"FROM (SELECT 1 {source} AND d.ctid < '({probe_pages},0)'::tid LIMIT :cap) AS q) AS p")


def count_source(dialect: str, match: Match) -> tuple[str, dict]:
    """FROM/WHERE to count matches without reading the service rows (the index answers alone)."""
    if dialect == "sqlite":
        expression = fts5_expression(match)
        if not expression:  # nothing to look up in the index: the side alone
            return "FROM ketdir_search_doc d WHERE 1=1" + _sqlite_side(match, "d.rowid"), {}
        return "FROM search_fts WHERE search_fts MATCH :match" + _sqlite_side(match), {"match": expression}
    return match_source(dialect, match)


def match_source(dialect: str, match: Match) -> tuple[str, dict]:
    """SQL for a text match on ketdir_search_doc d: (FROM ... WHERE ..., parameters)."""
    if dialect == "sqlite":
        expression = fts5_expression(match)
        if not expression:
            return "FROM ketdir_search_doc d WHERE 1=1" + _sqlite_side(match, "d.rowid"), {}
        return (
            "FROM search_fts JOIN ketdir_search_doc d ON d.rowid = search_fts.rowid WHERE search_fts MATCH :match"
            + _sqlite_side(match),
            {"match": expression},
        )
    if dialect == "postgresql":
        return _pg_match_source(match)
    raise ValueError(f"Full-text search on {dialect} is not supported by this version of ketdir.")


# ---------------------------------------------------------------- PostgreSQL: tsvector + GIN, pg_trgm vocabulary
#
# ketdir_search_doc gets a generated, weighted tsvector column `tsv` (name A; alternate_name and needs_text B;
# organization C; description D) with a GIN index. Text is folded the way FTS5's "unicode61 remove_diacritics 2"
# tokenizer folds it: unaccent, lower case, and every run of characters that are not letters or digits becomes
# a space, so PostgreSQL's parser sees only plain words (no e-mail, URL, hyphenated-word or decimal tokens) and
# the 'simple' configuration keeps every word as it is (no stemming, no stop words) — the same words FTS5
# indexes. Prefixes are `word:*`, phrases `a <-> b`.
#
# ketdir_vocab(word, ndoc) holds the index's words with the number of services using each (what FTS5's
# fts5vocab table gives on SQLite), with a pg_trgm GIN index: the spelling fallback asks it for the few words
# that share trigrams with a misspelt word, then ranks them exactly as on SQLite (rapidfuzz, in
# ketdir.search.fuzzy), so both backends make the same corrections on the same data.

PG_TRIGRAM_THRESHOLD = 0.1  # generous: rapidfuzz decides; this only has to keep every word scoring >= 80
_PG_SOURCES = (("name", "A"), ("alternate_name", "B"), ("needs_text", "B"), ("organization", "C"),
               ("description", "D"), ("tags", "D"))


def _pg_extension_schema(conn, name: str) -> str:
    row = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = %s",
        (name,),
    ).fetchone()
    return row[0]


def _pg_create_statements(conn, sources=None) -> list[str]:
    for ext in ("unaccent", "pg_trgm"):
        conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    ua = _pg_extension_schema(conn, "unaccent")
    trgm = _pg_extension_schema(conn, "pg_trgm")
    vector = " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, ketdir_fold({col})), '{weight}')"
        for col, weight in (sources or _PG_SOURCES)
    )
    return [
        # IMMUTABLE (unaccent itself is only STABLE) so that a generated column may use it; schema-qualified
        # so that it does not depend on search_path (pg_dump/restore run with an empty one).
        f"""CREATE OR REPLACE FUNCTION ketdir_fold(value text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $$ SELECT regexp_replace(lower({ua}.unaccent('{ua}.unaccent'::regdictionary, coalesce(value, ''))),
                                     '[^[:alnum:]]+', ' ', 'g') $$""",
        # Results without text are ordered by name: compare code points, as SQLite does, whatever the server's
        # locale (before tsv exists: a column used by a generated column cannot change).
        """DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'ketdir_search_doc'
                            AND column_name = 'tsv' AND table_schema = current_schema()) THEN
               ALTER TABLE ketdir_search_doc ALTER COLUMN name TYPE text COLLATE "C";
             END IF; END $$""",
        f"ALTER TABLE ketdir_search_doc ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ({vector}) STORED",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_tsv ON ketdir_search_doc USING gin (tsv)",
        "CREATE TABLE IF NOT EXISTS ketdir_vocab (word text PRIMARY KEY, ndoc integer NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS ix_vocab_trgm ON ketdir_vocab USING gin (word {trgm}.gin_trgm_ops)",
    ]


_PG_WEIGHT_OF = {col: weight for col, weight in _PG_SOURCES}

# Schema 5: the strong columns (name, alternate name, need words, organisation) and the filter tags in a tsvector
# of their own, with a GIN index, for "typed words in a strong column" without weights (see _pg_match_source);
# and partial GIN indexes over the national lines only (about 3 % of the rows), which a search of that side uses.
_PG_STRONG_SOURCES = (("name", "A"), ("alternate_name", "B"), ("needs_text", "B"), ("organization", "C"),
                      ("tags", "D"))


def pg_strong_statements() -> list[str]:
    vector = " || ".join(f"setweight(to_tsvector('simple'::regconfig, ketdir_fold({col})), '{weight}')"
                         for col, weight in _PG_STRONG_SOURCES)
    national = f"WHERE rowid >= {NATIONAL_ROWID}"
    return [
        # Keep whole rows, tsv included, in the table (up to a page): with the default (2 kB) the tsv of about
        # one row in six went to the TOAST table, and every row a count or a recheck reads then costs a TOAST
        # lookup. Set before the column is added: adding it rewrites the table, which applies this.
        "ALTER TABLE ketdir_search_doc SET (toast_tuple_target = 8160)",
        f"ALTER TABLE ketdir_search_doc ADD COLUMN IF NOT EXISTS tsv_strong tsvector GENERATED ALWAYS AS ({vector}) STORED",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_tsv_strong ON ketdir_search_doc USING gin (tsv_strong)",
        f"CREATE INDEX IF NOT EXISTS ix_search_doc_tsv_national ON ketdir_search_doc USING gin (tsv) {national}",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_tsv_strong_national ON ketdir_search_doc "
        f"USING gin (tsv_strong) {national}",
    ]


def pg_strong_drop_statements() -> list[str]:
    return ["DROP INDEX IF EXISTS ix_search_doc_tsv_strong_national", "DROP INDEX IF EXISTS ix_search_doc_tsv_national",
            "DROP INDEX IF EXISTS ix_search_doc_tsv_strong",
            "ALTER TABLE ketdir_search_doc DROP COLUMN IF EXISTS tsv_strong",
            "ALTER TABLE ketdir_search_doc RESET (toast_tuple_target)"]



def _tsquery_group(group: Alternatives, weights: str = "") -> str:
    # Words are letters and digits only (ketdir.search.tokens); quoted lexemes cannot be escaped.
    only = f":{weights}" if weights else ""
    parts = [" <-> ".join(f"'{w}'{only}" for w in phrase) for phrase in group.phrases if phrase]
    parts = [f"({p})" if " <-> " in p else p for p in parts]
    parts += [f"'{p}':*{weights}" for p in group.prefixes]
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


def _tsquery_words(match: Match) -> str:
    """The typed words only (what ranks), restricted to match.columns through the tsvector weights."""
    weights = "".join(sorted({_PG_WEIGHT_OF[c] for c in match.columns})) if match.columns else ""
    joiner = " & " if match.mode == "all" else " | "
    return joiner.join(_tsquery_group(g, weights) for g in match.groups)


def tsquery_expression(match: Match) -> str:
    """The whole match: the typed words, and every required filter tag."""
    words = _tsquery_words(match)
    parts = [f"({words})"] if words and match.required else ([words] if words else [])
    parts += [_tsquery_group(g) for g in match.required]
    return " & ".join(parts)


_NEED_TAG = "xneed"  # need-type tags begin so (ketdir.needs, tags.PREFIXES)


def _could_be_tag(word: str) -> bool:
    """Whether a typed word or prefix could match a filter tag ("x", "xne", "xfree", ...)."""
    return any(word.startswith(p) or p.startswith(word) for p in tags.PREFIXES)


def _strong_group(group: Alternatives) -> str | None:
    """One group as a tsquery over tsv_strong: the strong columns (weights A-C) and the tags (D). A lexeme
    that could be a tag is restricted to A-C (a weight: the rows are rechecked, rare); the hidden need-type
    tags among a group's alternatives ("bladder" -> its need type's tag) are left out: only the tags column
    holds them. None: nothing left of the group."""
    parts = []
    for phrase in group.phrases:
        if not phrase or (len(phrase) == 1 and phrase[0].startswith(_NEED_TAG)):
            continue
        words = [f"'{w}':ABC" if _could_be_tag(w) else f"'{w}'" for w in phrase]
        parts.append("(" + " <-> ".join(words) + ")" if len(words) > 1 else words[0])
    parts += [f"'{p}':*ABC" if _could_be_tag(p) else f"'{p}':*" for p in group.prefixes]
    unique = list(dict.fromkeys(parts))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


def _strong_expression(match: Match) -> str | None:
    """The match on tsv_strong: typed words in the strong columns, and the required tags. None when it cannot
    be said there (a group with no alternative left in "all" mode)."""
    groups = [_strong_group(g) for g in match.groups]
    if match.mode == "all" and None in groups:
        return None
    groups = [g for g in groups if g is not None]
    if not groups:
        return None
    joiner = " & " if match.mode == "all" else " | "
    words = joiner.join(groups)
    parts = [f"({words})"] if match.required else [words]
    parts += [_tsquery_group(g) for g in match.required]
    return " & ".join(parts)


def _pg_match_source(match: Match) -> tuple[str, dict]:
    # The sides (see ketdir.store.index) are rowid ranges. National lines are about 3 % of the services and have
    # their own small (partial) GIN indexes, which a condition on the national rowid range lets the planner use.
    # The local tag is in nearly every row: asking the index for it would make it read and intersect a posting
    # list of nearly every service; the rowid range says the same for free, checked on the rows found.
    side = "" if match.side is None else " AND " + side_condition(match.side)
    params = {}
    if match.area is not None:  # see Area
        side += (" AND d.latitude BETWEEN :min_lat AND :max_lat AND d.longitude BETWEEN :min_lon AND :max_lon")
        params.update(zip(("min_lat", "max_lat", "min_lon", "max_lon"), match.area.box))
    match = replace(match, side=None, area=None)
    strong = _strong_expression(match) if match.columns and set(match.columns) == set(STRONG_COLUMNS) else None
    if strong is not None:
        # Typed words in the strong columns: their own small tsvector and GIN index (schema 5), which answers
        # without weights, so without rechecking the rows' whole text (a weight-restricted query on tsv makes
        # PostgreSQL reread every row that has the words anywhere, description included).
        return "FROM ketdir_search_doc d WHERE d.tsv_strong @@ CAST(:tsq AS tsquery)" + side, {**params, "tsq": strong}
    expression = tsquery_expression(match)
    source = "FROM ketdir_search_doc d WHERE " + ("d.tsv @@ CAST(:tsq AS tsquery)" if expression else "TRUE") + side
    if expression:
        params["tsq"] = expression
    return source, params


def _pg_refresh_vocabulary(conn, service_ids) -> None:
    if service_ids is None:
        conn.exec_driver_sql("DELETE FROM ketdir_vocab")
        conn.exec_driver_sql(
            "INSERT INTO ketdir_vocab (word, ndoc) SELECT word, ndoc FROM ts_stat('SELECT tsv FROM ketdir_search_doc')"
        )
        return
    # After editing a few services: add their new words (counts are exact again after the next full refresh).
    ids = list(service_ids)
    if not ids:
        return
    if len(ids) > 2000:
        _pg_refresh_vocabulary(conn, None)
        return
    conn.execute(
        text(
            "INSERT INTO ketdir_vocab (word, ndoc) SELECT word, ndoc FROM ts_stat(:q) ON CONFLICT (word) DO NOTHING"
        ),
        {"q": "SELECT tsv FROM ketdir_search_doc WHERE service_id IN ("
              + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + ")"},
    )


def refresh_vocabulary(session, service_ids: Iterable[str] | None = None) -> None:
    """Bring derived full-text tables up to date after ketdir_search_doc changed (None: everything).

    SQLite's fts5vocab follows the index by itself; PostgreSQL keeps ketdir_vocab.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _pg_refresh_vocabulary(conn, service_ids)
    elif conn.dialect.name == "sqlite":
        if service_ids is None:
            sqlite_refresh_words(conn)
        else:
            ids = list(service_ids)
            if ids:
                _sqlite_add_words(conn, ids)


# Spelling vocabulary: words of 3+ letters, not the hidden need tokens, not numbers; most used first, then
# alphabetical (the order decides between equally close words, so it is the same on every backend).
SQLITE_VOCABULARY = (
    f"SELECT term FROM search_vocab WHERE {tags.not_a_tag('term')} AND length(term) >= 3 "
    "ORDER BY doc DESC, term LIMIT :n"
)


def vocabulary_candidates(conn, word: str, limit: int = 500) -> list[str]:
    """PostgreSQL: index words sharing trigrams with `word` (the closest `limit` of them), in vocabulary order
    (most used first, then by code point, as SQLite sorts)."""
    conn.exec_driver_sql(f"SET LOCAL pg_trgm.similarity_threshold = {PG_TRIGRAM_THRESHOLD}")
    rows = conn.execute(
        text(
            f"SELECT word, ndoc FROM ketdir_vocab WHERE word % :w AND {tags.not_a_tag('word')} AND length(word) >= 3 "
            "AND word !~ '^[0-9]+$' ORDER BY similarity(word, :w) DESC LIMIT :n"
        ),
        {"w": word, "n": limit},
    ).all()
    return [w for w, _ in sorted(rows, key=lambda r: (-r[1], r[0]))]


def vocabulary_has_prefix(conn, word: str) -> bool:
    """PostgreSQL: whether any index word starts with `word` (letters and digits only)."""
    return bool(conn.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM ketdir_vocab WHERE word LIKE :p AND {tags.not_a_tag('word')})"),
        {"p": word + "%"},
    ).scalar())
