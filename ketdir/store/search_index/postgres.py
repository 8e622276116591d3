"""The search index on PostgreSQL: a generated, weighted tsvector column with a GIN index (and a second one of the
strong columns, schema 5), and the word list ketdir_vocab with a pg_trgm index for spelling corrections.

Text is folded the way SQLite's FTS5 tokenizer folds it (unaccent, lower case, every run of characters that are
not letters or digits a space) and read with the 'simple' configuration (no stemming, no stop words), so both
backends index the same words. Prefixes are `word:*`, phrases `a <-> b`. Why the search SQL differs from SQLite's
(a GIN index lists every match before the first row is read, and cannot count without visiting each row):
docs/team-mode.md, "Search on PostgreSQL".
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Iterable

from sqlalchemy import Engine, text

from ketdir.store import tags
from ketdir.store.search_index.base import SearchIndex
from ketdir.store.search_index.match import (
    NATIONAL_ROWID,
    STRONG_COLUMNS,
    Alternatives,
    Area,
    Match,
    side_condition,
)

# GIN turns any prefix into a bitmap of every word it begins before intersecting, while whole words are
# intersected by skipping through their lists: so from 3 letters on, prefixes are looked up in ketdir_vocab.
SHORTEST_LOOKED_UP = 3
TRIGRAM_THRESHOLD = 0.1  # generous: rapidfuzz decides; this only has to keep every word scoring >= 80
SOURCES = (("name", "A"), ("alternate_name", "B"), ("needs_text", "B"), ("organization", "C"),
           ("description", "D"), ("tags", "D"))
_WEIGHT_OF = {col: weight for col, weight in SOURCES}
# Schema 5: the strong columns and the filter tags in a tsvector of their own (see _match_source).
_STRONG_SOURCES = (("name", "A"), ("alternate_name", "B"), ("needs_text", "B"), ("organization", "C"),
                   ("tags", "D"))
_NEED_TAG = "xneed"  # need-type tags begin so (ketdir.needs, tags.PREFIXES)


def _extension_schema(conn, name: str) -> str:
    row = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = %s",
        (name,),
    ).fetchone()
    return row[0]


def create_statements(conn, sources=None) -> list[str]:
    """The folding function, the weighted tsvector column and its GIN index, and the word list (migrations pass
    the sources of their schema). Makes the unaccent and pg_trgm extensions first."""
    for ext in ("unaccent", "pg_trgm"):
        conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    ua = _extension_schema(conn, "unaccent")
    trgm = _extension_schema(conn, "pg_trgm")
    vector = " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, ketdir_fold({col})), '{weight}')"
        for col, weight in (sources or SOURCES)
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


def strong_statements() -> list[str]:
    """Schema 5: tsv_strong with its GIN index, and partial GIN indexes over the national lines (about 3 % of the
    rows), which a search of that side uses."""
    vector = " || ".join(f"setweight(to_tsvector('simple'::regconfig, ketdir_fold({col})), '{weight}')"
                         for col, weight in _STRONG_SOURCES)
    national = f"WHERE rowid >= {NATIONAL_ROWID}"
    return [
        # Whole rows, tsv included, stay in the table (up to a page), so a count or a recheck never needs a TOAST
        # lookup. Set before the column is added: adding it rewrites the table, which applies this.
        "ALTER TABLE ketdir_search_doc SET (toast_tuple_target = 8160)",
        f"ALTER TABLE ketdir_search_doc ADD COLUMN IF NOT EXISTS tsv_strong tsvector GENERATED ALWAYS AS ({vector}) STORED",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_tsv_strong ON ketdir_search_doc USING gin (tsv_strong)",
        f"CREATE INDEX IF NOT EXISTS ix_search_doc_tsv_national ON ketdir_search_doc USING gin (tsv) {national}",
        "CREATE INDEX IF NOT EXISTS ix_search_doc_tsv_strong_national ON ketdir_search_doc "
        f"USING gin (tsv_strong) {national}",
    ]


def strong_drop_statements() -> list[str]:
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
    weights = "".join(sorted({_WEIGHT_OF[c] for c in match.columns})) if match.columns else ""
    joiner = " & " if match.mode == "all" else " | "
    return joiner.join(_tsquery_group(g, weights) for g in match.groups)


def tsquery_expression(match: Match) -> str:
    """The whole match: the typed words, and every required filter tag."""
    words = _tsquery_words(match)
    parts = [f"({words})"] if words and match.required else ([words] if words else [])
    parts += [_tsquery_group(g) for g in match.required]
    return " & ".join(parts)


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


def _match_source(match: Match) -> tuple[str, dict]:
    # A side is a rowid range: national lines have their own small partial indexes, which the range lets the
    # planner use, and the "local" tag (in nearly every row) is not asked of the index at all.
    side = "" if match.side is None else " AND " + side_condition(match.side)
    params = {}
    if match.area is not None:  # see PostgresSearchIndex.area_key
        side += (" AND d.latitude BETWEEN :min_lat AND :max_lat AND d.longitude BETWEEN :min_lon AND :max_lon")
        params.update(zip(("min_lat", "max_lat", "min_lon", "max_lon"), match.area.box))
    match = replace(match, side=None, area=None)
    strong = _strong_expression(match) if match.columns and set(match.columns) == set(STRONG_COLUMNS) else None
    if strong is not None:
        # Typed words in the strong columns: tsv_strong answers without weights, so without rechecking the rows'
        # whole text (a weight-restricted query on tsv rereads every row with the words anywhere).
        return "FROM ketdir_search_doc d WHERE d.tsv_strong @@ CAST(:tsq AS tsquery)" + side, {**params, "tsq": strong}
    expression = tsquery_expression(match)
    source = "FROM ketdir_search_doc d WHERE " + ("d.tsv @@ CAST(:tsq AS tsquery)" if expression else "TRUE") + side
    if expression:
        params["tsq"] = expression
    return source, params


def _refresh_vocabulary(conn, service_ids) -> None:
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
        _refresh_vocabulary(conn, None)
        return
    conn.execute(
        text(
            "INSERT INTO ketdir_vocab (word, ndoc) SELECT word, ndoc FROM ts_stat(:q) ON CONFLICT (word) DO NOTHING"
        ),
        {"q": "SELECT tsv FROM ketdir_search_doc WHERE service_id IN ("
              + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + ")"},
    )


class PostgresSearchIndex(SearchIndex):
    shortest_looked_up = SHORTEST_LOOKED_UP

    def create(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for stmt in [*create_statements(conn), *strong_statements()]:
                conn.exec_driver_sql(stmt)

    def drop_statements(self) -> list[str]:
        return [*strong_drop_statements(), "DROP INDEX IF EXISTS ix_search_doc_tsv",
                "ALTER TABLE ketdir_search_doc DROP COLUMN IF EXISTS tsv"]

    def bulk_rewrite(self, conn) -> AbstractContextManager:
        return nullcontext()  # the tsvector columns are generated: nothing to lift

    def optimize(self, conn) -> None:
        pass  # no segments to merge by hand (after a large change, VACUUM (ANALYZE): docs/team-mode.md)

    def refresh_vocabulary(self, conn, service_ids: Iterable[str] | None = None) -> None:
        _refresh_vocabulary(conn, service_ids)

    def match_source(self, match: Match) -> tuple[str, dict]:
        return _match_source(match)

    def count_source(self, match: Match) -> tuple[str, dict]:
        return _match_source(match)  # a GIN index cannot count without the rows: the same as a match

    def capped_count(self, source: str, probe_pages: int = 0) -> str:
        """With probe_pages: a GIN index lists every match before the first row is read, however few are
        counted. So first count in the first probe_pages pages of the table alone, row by row: a common word
        reaches the cap there, and the count is the cap as it would be anyway; only a rarer one (a short list
        for the index) is counted in full."""
        counted = f"SELECT count(*) FROM (SELECT 1 {source} LIMIT :cap) AS c"
        if not probe_pages:
            return counted
        return (f"SELECT CASE WHEN p.n > :cap - 1 THEN p.n ELSE ({counted}) END FROM (SELECT count(*) AS n "
                f"FROM (SELECT 1 {source} AND d.ctid < '({probe_pages},0)'::tid LIMIT :cap) AS q) AS p")

    def area_key(self, area: Area | None) -> object:
        """The box: the server reads the services in it through its (latitude, longitude) index, or intersects
        that with the text index, whichever its planner finds cheaper (grid-cell words would make GIN list every
        service in each cell first)."""
        return None if area is None else area.box

    def id_list(self, column: str, param: str, ids) -> tuple[str, object]:
        return f"{column} = ANY(:{param})", list(ids)

    def id_set(self, conn, name: str, key: object, ids) -> tuple[str, dict]:
        """A bit string of the ids (small non-negative integers), one bit each, looked at only on the rows the
        rest of the search finds (as an array the planner estimated every value and looked each one up)."""
        column = f"d.{name}"
        ids = [i for i in ids if i >= 0]  # a negative id (a placeholder for "none") is no row's
        bits = bytearray((max(ids) // 8 + 1) if ids else 0)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)  # get_bit numbers the bits of each byte from the lowest
        # CASE, not AND: PostgreSQL may evaluate an AND's sides in any order, and get_bit fails out of range.
        return (f"(CASE WHEN {column} BETWEEN 0 AND :{name}_last THEN get_bit(:{name}_bits, {column}) = 1 "
                "ELSE FALSE END)", {f"{name}_bits": bytes(bits), f"{name}_last": len(bits) * 8 - 1})

    def words_beginning(self, conn, prefix: str, n: int) -> list[str]:
        # LIKE 'abc%' uses the pg_trgm index whatever the server's collation (a range on the primary key would
        # depend on it). Prefixes are letters and digits only (ketdir.search.tokens): nothing to escape.
        sql = "SELECT word FROM ketdir_vocab WHERE word LIKE :pattern ORDER BY word LIMIT :n"
        return conn.execute(text(sql), {"pattern": prefix + "%", "n": n}).scalars().all()

    def spelling_words(self, conn, limit: int) -> list[str] | None:
        return None  # the server's trigram index answers per misspelt word: close_words, has_word_beginning

    def close_words(self, conn, word: str, limit: int = 500) -> list[str]:
        """Index words sharing trigrams with `word` (the closest `limit` of them), in vocabulary order (most used
        first, then by code point, as SQLite sorts). Run inside a transaction (SET LOCAL)."""
        conn.exec_driver_sql(f"SET LOCAL pg_trgm.similarity_threshold = {TRIGRAM_THRESHOLD}")
        rows = conn.execute(
            text(
                f"SELECT word, ndoc FROM ketdir_vocab WHERE word % :w AND {tags.not_a_tag('word')} AND length(word) >= 3 "
                "AND word !~ '^[0-9]+$' ORDER BY similarity(word, :w) DESC LIMIT :n"
            ),
            {"w": word, "n": limit},
        ).all()
        return [w for w, _ in sorted(rows, key=lambda r: (-r[1], r[0]))]

    def has_word_beginning(self, conn, word: str) -> bool:
        """Whether any index word starts with `word` (letters and digits only)."""
        return bool(conn.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM ketdir_vocab WHERE word LIKE :p AND {tags.not_a_tag('word')})"),
            {"p": word + "%"},
        ).scalar())
