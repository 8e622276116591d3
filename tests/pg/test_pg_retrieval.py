"""PostgreSQL's own retrieval choices (schema 5) return what SQLite returns: typed words in the strong columns
through tsv_strong, national lines through their partial indexes, near searches that read instead of counting,
need-type counts in one statement, and counts that look at the first pages of the table first."""
import datetime as dt

import pytest

from ketdir.search import Query, search
from ketdir.search.retrieve import Filters, postgres as pg_retrieve, retriever_for
from ketdir.search.text_query import plan_text
from ketdir.search.synonyms import synonyms
from ketdir.needs import need_types
from ketdir.store.search_index import LOCAL_SIDE, NATIONAL_SIDE, STRONG_COLUMNS, Match, PostgresSearchIndex
from tests import backends
from tests.factories import build, record

AT = dt.datetime(2026, 12, 1, 14, 0)

# More matches than retrieve.common.CANDIDATES (100), fewer than the PostgreSQL count cap: "the strongest first"
# runs.
RECORDS = (
    [record(f"Ketamine Clinic {i}", needs=["bladder-urology"], lat=51.50 + i / 1000, lon=-0.09,
            description="Bladder care.", min_age=18 if i % 3 else None) for i in range(60)]
    + [record(f"Drop-in Centre {i}", needs=["harm-reduction"], lat=51.45 + i / 1000, lon=-0.12,
              description="Advice on ketamine and other drugs.", free=bool(i % 2)) for i in range(150)]
    + [record(f"Helpline {i}", needs=["harm-reduction"], national=True,
              description="Ketamine advice line." if i % 2 else "Drugs advice.") for i in range(12)]
    + [record("Xfree Ketamine Line", national=True, description="A name that looks like a tag.")]
)

QUERIES = [
    Query(text="ketamine", at=AT),
    Query(text="ket", at=AT),
    Query(text="k", at=AT),
    Query(text="ketamine bladder", at=AT),
    Query(text="ketamine", age=17, at=AT),
    Query(text="ketamine", free_only=True, at=AT),
    Query(text="ketamine", near="51.5,-0.1", radius_miles=10, at=AT),
    Query(text="ketamine", near="51.5,-0.1", radius_miles=10, at=AT, with_counts=True),
    Query(text="ketamine", at=AT, with_counts=True),
    Query(text="", at=AT, with_counts=True),
    Query(text="advice", at=AT),
    Query(text="xfree", at=AT),
    Query(text="x", at=AT),
    Query(text="helpline", at=AT),
]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    with backends.sessions_on_both(tmp_path_factory.mktemp("pgret"), RECORDS) as sessions:
        yield sessions


def _view(res):
    hits = lambda hs: [(h.name, h.distance_miles and round(h.distance_miles, 6), h.why) for h in hs]
    local, national = hits(res.local), hits(res.national)
    if res.place is None:  # relevance order: ketdir's own ranker on both, but ties may fall either way
        local, national = sorted(local), sorted(national)
    return dict(local=local, national=national, total=res.total_local, estimate=res.total_is_estimate,
                minimum=res.total_is_minimum, counts=res.need_counts, readings=res.readings)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr((q.text, q.near, q.age, q.free_only, q.with_counts)))
def test_postgresql_plans_find_what_sqlite_finds(both, query):
    lite, pg = both
    assert _view(search(pg, query)) == _view(search(lite, query))


def test_strong_matches_come_first(both):
    _, pg = both
    res = search(pg, Query(text="ketamine", at=AT))
    assert res.total_local == 210
    assert all(h.name.startswith("Ketamine Clinic") for h in res.local)  # the names, not the descriptions


def test_strong_query_uses_its_own_index_and_keeps_tags_out():
    group = plan_text("bladder", synonyms(), need_types()).groups[0]
    source, params = PostgresSearchIndex().match_source(Match([group], columns=STRONG_COLUMNS, side=NATIONAL_SIDE))
    assert "tsv_strong @@" in source and "d.rowid >= " in source
    assert "xneed" not in params["tsq"] and ":ABC" not in params["tsq"]  # exact: no rows rechecked
    tag_like = plan_text("xfr", synonyms(), need_types()).groups[0]
    _, params = PostgresSearchIndex().match_source(Match([tag_like], columns=STRONG_COLUMNS))
    assert "'xfr':*ABC" in params["tsq"]  # could be a tag: only the strong columns' weights


def test_count_probe_and_full_count_agree(both, monkeypatch):
    _, pg = both
    group = plan_text("ketamine", synonyms(), need_types()).groups[0]
    match = Match([group], side=LOCAL_SIDE)
    r = retriever_for(pg, Filters())
    assert r.count(match) == 210 and r.count(match, cap=100) == 101
    monkeypatch.setattr(pg_retrieve, "PROBE_PAGES", 1)  # the first page alone: the full count decides
    assert r.count(match) == 210 and r.count(match, cap=100) == 101


def test_totals_stop_at_the_postgresql_cap(tmp_path):
    many = [record(f"Ketamine Service {i}", lat=51.5, lon=-0.1, needs=["drug-treatment"])
            for i in range(pg_retrieve.COUNT_CAP + 20)]
    with backends.pg_database() as pg_url, backends.database_url("sqlite", tmp_path) as lite_url:
        pg, lite = build(pg_url, many), build(lite_url, many)
        try:
            with pg.session() as s:
                res = search(s, Query(text="ketamine", at=AT, with_counts=True))
                assert (res.total_local, res.total_is_minimum) == (pg_retrieve.COUNT_CAP, True)
                assert res.amount() == f"{pg_retrieve.COUNT_CAP}+"
                # need-type counts from a sample of NEED_SAMPLE: "at least" for a need type common in it
                assert res.need_counts["drug-treatment"] == pg_retrieve.NEED_SAMPLE
                assert res.need_counts_at_least == {"drug-treatment"}
                assert res.need_counts["chemsex"] == 0  # exact: the rare ones are read again, on their own
            with lite.session() as s:
                res = search(s, Query(text="ketamine", at=AT, with_counts=True))
                assert (res.total_local, res.total_is_minimum) == (len(many), False)
                assert res.need_counts["drug-treatment"] == len(many) and not res.need_counts_at_least
        finally:
            pg.close()
            lite.close()
