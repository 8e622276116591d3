"""The full-text index: SQLite FTS5 over ketdir_search_doc (external content, kept in sync by triggers), or
on PostgreSQL a generated tsvector column with a GIN index plus a pg_trgm word list (see below).

This module is the one place that knows the backend's full-text syntax.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence

from sqlalchemy import Engine, text

from ketdir.store import tags

class Alternatives(Protocol):
    """One thing asked for (see ketdir.search.text_query.Group): any alternative matches."""

    phrases: list[tuple[str, ...]]  # words or phrases matched whole
    prefixes: list[str]  # words matched as prefixes


@dataclass(frozen=True)
class Match:
    """A full-text match: the groups, and whether a service must match all of them or any."""

    groups: Sequence[Alternatives]
    mode: str = "all"  # "all" | "any"
    required: Sequence[Alternatives] = ()  # filter tags: always all of these, whatever the mode
    columns: tuple[str, ...] | None = None  # look for the typed words in these columns only


# Column order matters: bm25() weights below follow it.
COLUMNS = ("name", "alternate_name", "organization", "needs_text", "description", "tags")
WEIGHTS = (10.0, 6.0, 3.0, 4.0, 1.0, 0.0)  # tags filter, they never rank
STRONG_COLUMNS = ("name", "alternate_name", "organization", "needs_text")

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
    ]


_SQLITE_CREATE = sqlite_create_statements()


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP INDEX IF EXISTS ix_search_doc_tsv", "ALTER TABLE ketdir_search_doc DROP COLUMN IF EXISTS tsv"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in ("search_doc_ai", "search_doc_ad", "search_doc_au")] + \
        ["DROP TABLE IF EXISTS search_vocab", "DROP TABLE IF EXISTS search_fts"]


def create(engine: Engine) -> None:
    """Make the full-text index (and its helpers) for a new database; safe to run again."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for stmt in _pg_create_statements(conn):
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
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_doc_tsv")
            conn.exec_driver_sql("ALTER TABLE ketdir_search_doc DROP COLUMN IF EXISTS tsv")
            conn.exec_driver_sql("DROP TABLE IF EXISTS ketdir_vocab")
            return
        for name in ("search_doc_ai", "search_doc_ad", "search_doc_au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_vocab")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")


def rebuild(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the tsvector column is generated; only the vocabulary is derived
            _pg_refresh_vocabulary(conn, None)
        return
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
    words = joiner.join(_fts5_group(g) for g in match.groups)
    if words and match.columns:
        words = "{" + " ".join(match.columns) + "} : (" + words + ")"
    parts = [f"({words})"] if words and match.required else ([words] if words else [])
    parts += [_fts5_group(g) for g in match.required]
    return " AND ".join(parts)


def id_list(dialect: str, column: str, param: str, ids) -> tuple[str, object]:
    """A condition "column is one of ids" with ONE bound parameter (thousands of ids stay cheap)."""
    if dialect == "postgresql":
        return f"{column} = ANY(:{param})", list(ids)
    return f"{column} IN (SELECT value FROM json_each(:{param}))", json.dumps(list(ids))


def count_source(dialect: str, match: Match) -> tuple[str, dict]:
    """FROM/WHERE to count matches without reading the service rows (the index answers alone)."""
    if dialect == "sqlite":
        return "FROM search_fts WHERE search_fts MATCH :match", {"match": fts5_expression(match)}
    source, _, params = match_source(dialect, match)
    return source, params


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

# ts_rank weights in the order {D, C, B, A}: description 1, organization 3, alternate name and needs 6, name 10
# (the bm25 column weights above, scaled to ts_rank's 0..1).
PG_RANK_WEIGHTS = "{0.1, 0.3, 0.6, 1.0}"
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


def _pg_match_source(match: Match) -> tuple[str, str, dict]:
    expression, words = tsquery_expression(match), _tsquery_words(match)
    source = "FROM ketdir_search_doc d WHERE " + ("d.tsv @@ CAST(:tsq AS tsquery)" if expression else "TRUE")
    # Filter tags never rank (as their bm25 weight is 0 on SQLite): rank on the typed words alone.
    rank = f"-ts_rank('{PG_RANK_WEIGHTS}', d.tsv, CAST(:tsr AS tsquery))" if words else "0"
    params = {}
    if expression:
        params["tsq"] = expression
    if words:
        params["tsr"] = words
    return source, rank, params


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
    if session.get_bind().dialect.name == "postgresql":
        _pg_refresh_vocabulary(session.connection(), service_ids)


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
