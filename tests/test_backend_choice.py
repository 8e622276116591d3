"""The backends differ by implementation, not by string checks: one function picks the search index for a
database (ketdir.store.search_index.search_index), one the retrieval for that index, and the code below them
asks the implementation it was given. A check of the dialect's name anywhere else fails here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import ketdir
from ketdir.search.retrieve import Filters, retriever_for
from ketdir.search.retrieve.postgres import PostgresRetriever
from ketdir.search.retrieve.sqlite import SqliteRetriever
from ketdir.store.engine import open_directory
from ketdir.store.search_index import PostgresSearchIndex, SqliteSearchIndex, search_index

ROOT = Path(ketdir.__file__).parent
# A dialect's name read or compared ("dialect.name", "dialect == ...", "get_backend_name() == ...").
CHECK = re.compile(r"dialect\.name\b|\bdialect\s*(?:==|!=|\bin\b|\bnot\s+in\b)|get_backend_name\(\)\s*(?:==|!=)")

# Where a check stays, how many there are, and why.
ALLOWED = {
    "store/search_index/__init__.py": (1, "search_index(): the one place that picks the implementation"),
    "store/engine.py": (5, "opening an engine: each driver's connection settings, SQLite's file checks and WAL, "
                           "and Directory.is_sqlite"),
    "interop/apply.py": (1, "an import's larger SQLite page cache while it writes (one PRAGMA, nothing on a server)"),
    "interop/bulk.py": (1, "secondary indexes deferred for a bulk insert into empty SQLite tables (nothing on a "
                           "server)"),
    "team/bundle.py": (1, "a bundle export reads one snapshot: REPEATABLE READ on a server (an SQLite transaction "
                          "is one already)"),
}
# A migration records one schema change as it was made on each backend.
ALLOWED_FOLDERS = ("store/migrations/",)


def _checks() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        lines = [f"{rel}:{n}: {line.strip()}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if CHECK.search(line)]
        if lines:
            found[rel] = lines
    return found


def test_no_dialect_checks_outside_the_places_that_pick_an_implementation():
    found = _checks()
    stray = [line for rel, lines in found.items() if rel not in ALLOWED and not rel.startswith(ALLOWED_FOLDERS)
             for line in lines]
    assert stray == [], "Ask the search index (ketdir.store.search_index) instead of checking the dialect"
    counts = {rel: len(found.get(rel, [])) for rel in ALLOWED}
    assert counts == {rel: n for rel, (n, _why) in ALLOWED.items()}


def test_the_scan_sees_a_dialect_check():
    for line in ('if conn.dialect.name == "sqlite":', 'if dialect != "postgresql":', 'dialect in ("a", "b")',
                 'if url.get_backend_name() == "postgresql":'):
        assert CHECK.search(line), line
    assert not CHECK.search("index = search_index(conn)")


def test_each_backend_gets_its_own_index_and_retrieval(db_url):
    expected = {"sqlite": (SqliteSearchIndex, SqliteRetriever), "postgresql": (PostgresSearchIndex, PostgresRetriever)}
    index_kind, retriever_kind = expected["sqlite" if db_url.startswith("sqlite") else "postgresql"]
    directory = open_directory(db_url, create=True)
    try:
        assert type(search_index(directory.engine)) is index_kind
        with directory.session() as session:
            assert search_index(session.connection()) is search_index(directory.engine)  # stateless: one of each
            assert type(retriever_for(session, Filters())) is retriever_kind
    finally:
        directory.close()


def test_an_unsupported_backend_is_refused_with_a_reason():
    class Other:
        class dialect:
            name = "oracle"

    with pytest.raises(ValueError, match="Full-text search on oracle is not supported"):
        search_index(Other())
