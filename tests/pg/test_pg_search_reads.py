"""How a search reads the server cheaply under load (issue 7): a place as a latitude/longitude box, "open now" as a
bit string, the need-type counts from one sample, no count while typing, reads remembered for the search the window
repeats when typing pauses, and the planner's price of an index entry. Each is checked against what SQLite gives."""
import datetime as dt

import pytest
from sqlalchemy import event, text

from ketdir.search import Query, search
from ketdir.search.retrieve import common, postgres as pg_retrieve
from ketdir.search.text_query import Group
from ketdir.store.search_index import LOCAL_SIDE, Match, PostgresSearchIndex, SqliteSearchIndex
from ketdir.store.engine import open_directory
from ketdir.store.index import refresh
from ketdir.store.models import Service
from tests import backends
from tests.factories import build, record

AT = dt.datetime(2026, 12, 1, 14, 0)

# 40 bladder clinics, the last 3 also for chemsex, around one place; 25 that mention bladder care only in their
# description; a national line.
RECORDS = (
    [record(f"Bladder Clinic {i:02d}", needs=["bladder-urology"] + (["chemsex"] if i >= 37 else []),
            lat=51.5 + 0.001 * i, lon=-0.1, description="Urology and ketamine.") for i in range(40)]
    + [record(f"Drop-in {i:02d}", needs=["harm-reduction"], lat=51.45 + 0.001 * i, lon=-0.12,
              description="Advice, and bladder care.") for i in range(25)]
    + [record("Bladder Line", needs=["bladder-urology"], national=True, description="Advice by phone.")]
)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    with backends.sessions_on_both(tmp_path_factory.mktemp("reads"), RECORDS) as sessions:
        yield sessions


def statements(session):
    """The SQL a block of code sends (a list filled as it runs)."""
    sent = []

    def remember(conn, cursor, statement, *args):
        sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", remember)
    return sent, lambda: event.remove(engine, "before_cursor_execute", remember)


def test_a_place_is_a_box_on_the_server_and_grid_tags_on_sqlite():
    area = common.area_around(_place(51.5, -0.1), 2.0)
    match = Match([Group(typed="bl", phrases=[], prefixes=["bl"])], area=area, side=LOCAL_SIDE)
    pg_source, pg_params = PostgresSearchIndex().match_source(match)
    assert "d.latitude BETWEEN :min_lat AND :max_lat" in pg_source and "xg" not in pg_params["tsq"]
    assert (pg_params["min_lat"], pg_params["max_lat"], pg_params["min_lon"], pg_params["max_lon"]) == area.box
    _, lite_params = SqliteSearchIndex().match_source(match)
    assert all(cell in lite_params["match"] for cell in area.cells)


def _place(lat, lon):
    from ketdir.geo import Place

    return Place(name="here", kind="latlon", latitude=lat, longitude=lon, label="here")


@pytest.mark.parametrize("text_typed", ["", "bl", "bladder", "urology ket"])
def test_near_a_place_both_backends_list_the_same_nearest(both, text_typed):
    lite, pg = both
    for with_total in (False, True):
        q = Query(text=text_typed, near="51.5,-0.1", radius_miles=3, limit=10, at=AT, with_total=with_total,
                  with_counts=with_total)
        a, b = search(lite, q), search(pg, q)
        assert [(h.name, h.distance_miles) for h in b.local] == [(h.name, h.distance_miles) for h in a.local]
        if with_total:
            assert (b.total_local, b.need_counts) == (a.total_local, a.need_counts)


def test_open_now_bit_string_passes_exactly_the_open_ids(both):
    _, pg = both
    index = PostgresSearchIndex()
    condition, params = index.id_set(pg.connection(), "hours_pattern_id", "key", [0, 7, 8, 300, -1])
    rows = pg.execute(text(f"SELECT d.hours_pattern_id, {condition} FROM (VALUES (0), (1), (7), (8), (9), (300), "
                           "(301), (5000), (NULL)) AS d(hours_pattern_id)"), params).all()
    assert [v for v, passes in rows if passes] == [0, 7, 8, 300]  # beyond the bits and NULL: not open
    none, params = index.id_set(pg.connection(), "hours_pattern_id", "key", [-1])  # nothing open at all
    assert pg.execute(text(f"SELECT count(*) FROM ketdir_search_doc d WHERE {none}"), params).scalar() == 0


def test_need_counts_from_a_sample_say_at_least_for_need_types_in_it(both, monkeypatch):
    lite, pg = both
    monkeypatch.setattr(pg_retrieve, "NEED_SAMPLE", 30)  # 65 services match "bladder": more than the sample
    q = Query(text="bladder", at=AT, with_counts=True)
    exact, sampled = search(lite, q), search(pg, q)
    assert exact.need_counts["bladder-urology"] == 40 and not exact.need_counts_at_least  # SQLite counts
    # The sample (the first 30 in table order: clinics 00-29) holds only bladder & urology: "at least 30"...
    assert sampled.need_counts["bladder-urology"] == 30
    assert sampled.need_counts_at_least == {"bladder-urology"}
    # ...the need types it did not find are read again together (28 services): exact, zeros included.
    assert (sampled.need_counts["chemsex"], sampled.need_counts["harm-reduction"]) == (3, 25)
    assert sampled.need_counts["sexual-health"] == 0
    for code, n in sampled.need_counts.items():
        if code not in sampled.need_counts_at_least:
            assert n == exact.need_counts[code]


def test_while_typing_the_server_says_at_least_instead_of_counting(both):
    lite, pg = both
    # 65 match "bladder"; its 40 strong matches (in the name) are more than the 10 listed, so the weaker ones are
    # not read, and nothing is counted: "at least" the 40 read.
    common = search(pg, Query(text="bladder", limit=10, at=AT, with_total=False))
    assert common.total_is_minimum and common.amount() == "40+"
    counted = search(pg, Query(text="bladder", limit=10, at=AT))
    assert (counted.total_local, counted.total_is_minimum) == (65, False)
    assert [h.name for h in common.local] == [h.name for h in counted.local]  # the same best first
    few = search(pg, Query(text="care", at=AT, with_total=False))  # fewer than the candidates: all read
    assert (few.total_local, few.total_is_minimum, few.total_is_estimate) == (25, False, False)
    assert search(lite, Query(text="care", at=AT, with_total=False)).total_local == 25


def test_the_search_repeated_when_typing_pauses_reads_nothing_twice(both):
    for session, on_server in zip(both, (False, True)):
        q = Query(text="urology", near="51.5,-0.1", radius_miles=3, limit=10, at=AT, with_total=False)
        first = search(session, q)
        sent, stop = statements(session)
        try:
            again = search(session, q)
        finally:
            stop()
        assert [h.name for h in again.local] == [h.name for h in first.local]
        assert not [s for s in sent if "ketdir_vocab" in s]  # the words "urology" begins: remembered on both
        reads = [s for s in sent if "SELECT d.rowid, d.need_mask, d.latitude" in s]  # candidate reads
        if on_server:
            assert reads == []  # every candidate read was remembered
        else:
            assert reads  # SQLite reads again (a fraction of a millisecond)


def test_remembered_reads_are_forgotten_when_the_directory_changes(tmp_path):
    for backend in backends.BACKENDS:
        with backends.database_url(backend, tmp_path, f"edit_{backend}") as url:
            d = build(url, RECORDS[:5])
            try:
                with d.session() as s:
                    q = Query(text="clinic", near="51.5,-0.1", radius_miles=3, at=AT, with_total=False)
                    assert "Bladder Clinic 00" in [h.name for h in search(s, q).local]
                    service = s.query(Service).filter(Service.name == "Bladder Clinic 00").one()
                    service.name = service.organization.name = "Renamed Urology Service"
                    refresh(s, [service.id])
                    s.commit()
                    names = [h.name for h in search(s, q).local]  # "clinic" no longer matches it
                    assert "Renamed Urology Service" not in names and len(names) == 4
                    assert [h.name for h in search(s, Query(text="renamed", at=AT)).local] == ["Renamed Urology Service"]
            finally:
                d.close()


def test_a_new_query_starts_from_a_small_circle_but_typing_on_starts_from_the_last(both, monkeypatch):
    _, pg = both
    radii = []
    original = common.Retriever._near_match

    def spy(self, groups, mode, place, radius):
        radii.append(radius)
        return original(self, groups, mode, place, radius)

    monkeypatch.setattr(common.Retriever, "_near_match", spy)

    def first_circle(typed: str) -> float:
        radii.clear()
        search(pg, Query(text=typed, near="51.45,-0.12", radius_miles=10, limit=5, at=AT, with_total=False))
        return radii[0]

    assert first_circle("line") == common.FIRST_RING  # no local service says "line": it looks far
    assert first_circle("linen") > common.FIRST_RING  # typing on: from where "line" ended
    assert first_circle("drop") == common.FIRST_RING  # a new query: small again
    first_circle("d")
    assert first_circle("dr") == common.FIRST_RING  # after a lone letter (the word "d"), small again


def test_random_page_cost_is_set_only_where_the_server_left_the_default():
    from ketdir.store.engine import pg_session_settings

    assert "SET random_page_cost = 1.1" in pg_session_settings({"random_page_cost": "default"})
    assert "SET random_page_cost = 1.1" in pg_session_settings({})
    for configured in ("configuration file", "database", "user"):  # the server's team chose: theirs stands
        assert not any("random_page_cost" in s for s in pg_session_settings({"random_page_cost": configured}))
    assert "SET jit = off" in pg_session_settings({"random_page_cost": "configuration file"})


def test_server_connections_price_index_entries_for_gin_lists():
    with backends.pg_database() as url:
        d = open_directory(url, create=True)
        try:
            with d.session() as s:
                assert s.execute(text("SHOW cpu_index_tuple_cost")).scalar() == "0.02"
                assert s.execute(text("SHOW jit")).scalar() == "off"
                assert s.execute(text("SHOW synchronize_seqscans")).scalar() == "off"  # stable candidate reads
                # the test server's configuration sets random_page_cost: a database-level choice stands too
                s.execute(text(f'ALTER DATABASE "{d.engine.url.database}" SET random_page_cost = 3'))
                s.commit()
        finally:
            d.close()
        d = open_directory(url)
        try:
            with d.session() as s:
                assert s.execute(text("SHOW random_page_cost")).scalar() == "3"
                assert s.execute(text("SHOW cpu_index_tuple_cost")).scalar() == "0.02"
        finally:
            d.close()
