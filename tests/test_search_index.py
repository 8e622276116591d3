"""The pieces that keep search fast at any size: the two row ranges (local / national), the index's word list
that turns long typed prefixes into whole words, the Python ranking of candidates, and the open-now id set
kept per connection."""

import pytest
from sqlalchemy import select

from ketdir.search import Query, search
from ketdir.search.rank import Scorer, fold
from ketdir.search.text_query import Group
from ketdir.store.search_index import NATIONAL_ROWID, base as index_base, search_index
from ketdir.store.index import refresh
from ketdir.store.models import SearchDoc, Service
from tests import backends
from tests.factories import ALWAYS, WEEKDAYS_9_5, build, record
from tests.test_search import TUESDAY_2PM, TUESDAY_9PM

RECORDS = [
    record("Southwark Alcohol Service", needs=["drug-treatment"], lat=51.50, lon=-0.09,
           description="Alcohol and ketamine support."),
    record("Lambeth Alcoholics Group", needs=["peer-support"], lat=51.49, lon=-0.11,
           description="Mutual aid meetings."),
    record("Camden Day Clinic", needs=["sexual-health"], lat=51.54, lon=-0.14, hours=WEEKDAYS_9_5,
           description="Testing for STIs."),
    record("Camden Night Clinic", needs=["sexual-health"], lat=51.54, lon=-0.14, hours=ALWAYS,
           description="Testing for STIs, open all hours."),
    record("National Alcohol Line", needs=["drug-treatment"], national=True, hours=ALWAYS,
           description="Alcohol advice by phone."),
]


@pytest.fixture(params=backends.BACKENDS)
def directory(request, tmp_path):
    with backends.database_url(request.param, tmp_path) as url:
        d = build(url, RECORDS)
        yield d
        d.close()


def names(hits):
    return [h.name for h in hits]


def test_national_lines_and_local_services_are_numbered_apart(directory):
    with directory.session() as s:
        rows = s.execute(select(SearchDoc.rowid, SearchDoc.is_national, SearchDoc.service_id)).all()
        assert {national for _, national, _ in rows} == {True, False}
        for rowid, national, _ in rows:
            assert (rowid >= NATIONAL_ROWID) == national
        # Refreshing one of each keeps it on its side.
        line = next(sid for _, national, sid in rows if national)
        local = next(sid for _, national, sid in rows if not national)
        refresh(s, [line, local])
        s.commit()
        again = dict(s.execute(select(SearchDoc.service_id, SearchDoc.rowid)).all())
        assert again[line] >= NATIONAL_ROWID > again[local]
        res = search(s, Query(text="alcohol", at=TUESDAY_2PM))
        assert names(res.national) == ["National Alcohol Line"]
        assert set(names(res.local)) == {"Southwark Alcohol Service", "Lambeth Alcoholics Group"}


def test_long_prefix_is_read_as_the_whole_words_it_begins(directory):
    with directory.session() as s:
        index = search_index(s.connection())
        groups = index.expand_prefixes(s.connection(), [Group(typed="alcoho", prefixes=["alcoho"]),
                                                       Group(typed="cam", prefixes=["cam"])])
        assert groups[0].phrases == [("alcohol",), ("alcoholics",)] and groups[0].prefixes == []
        assert groups[0].begun == ["alcoho"]
        if s.get_bind().dialect.name == "sqlite":
            assert groups[1].prefixes == ["cam"]  # FTS5 has its own lists for prefixes up to 4 letters
        else:  # GIN makes a bitmap of every word a prefix begins: from 3 letters on, whole words are faster
            assert groups[1].phrases == [("camden",)] and groups[1].prefixes == []
        res = search(s, Query(text="alcoho", at=TUESDAY_2PM, include_national=False))
        assert set(names(res.local)) == {"Southwark Alcohol Service", "Lambeth Alcoholics Group"}


def test_word_list_follows_edits_so_a_new_word_is_found_by_its_prefix(directory):
    with directory.session() as s:
        assert not search(s, Query(text="zebrafi", at=TUESDAY_2PM)).local
        service = s.execute(select(Service).where(Service.name == "Camden Day Clinic")).scalar_one()
        service.description = "Testing for STIs. Ask for the zebrafish leaflet."
        s.flush()
        refresh(s, [service.id])
        s.commit()
        res = search(s, Query(text="zebrafi", at=TUESDAY_2PM))
        assert names(res.local) == ["Camden Day Clinic"]


def test_a_prefix_that_begins_too_many_words_stays_a_prefix(directory, monkeypatch):
    monkeypatch.setattr(index_base, "MAX_EXPANSION", 1)
    with directory.session() as s:
        index = search_index(s.connection())
        groups = index.expand_prefixes(s.connection(), [Group(typed="alcoho", prefixes=["alcoho"])])
        assert groups[0].prefixes == ["alcoho"]
        res = search(s, Query(text="alcoho", at=TUESDAY_2PM, include_national=False))
        assert set(names(res.local)) == {"Southwark Alcohol Service", "Lambeth Alcoholics Group"}


def test_open_now_follows_the_clock_and_survives_a_rollback(directory):
    with directory.session() as s:
        day = search(s, Query(text="camden", open_now=True, at=TUESDAY_2PM))
        assert set(names(day.local)) == {"Camden Day Clinic", "Camden Night Clinic"}
        night = search(s, Query(text="camden", open_now=True, at=TUESDAY_9PM))
        assert names(night.local) == ["Camden Night Clinic"]
        s.rollback()  # the per-connection set of open hours goes back with the transaction
        night = search(s, Query(text="camden", open_now=True, at=TUESDAY_9PM))
        assert names(night.local) == ["Camden Night Clinic"]
        s.rollback()
        day = search(s, Query(text="camden", open_now=True, at=TUESDAY_2PM))
        assert set(names(day.local)) == {"Camden Day Clinic", "Camden Night Clinic"}


def test_ranking_prefers_the_name_then_whole_words_then_shorter_names():
    score = Scorer([Group(typed="alcohol", phrases=[("alcohol",)], prefixes=["alcohol"])])
    in_name = score({"name": "Alcohol Service", "description": ""})
    in_description = score({"name": "Drug Service", "description": "Alcohol support"})
    in_organisation = score({"name": "Drug Service", "organization": "Alcohol Trust"})
    assert in_name > in_organisation > in_description
    prefix = Scorer([Group(typed="alc", prefixes=["alc"])])
    assert prefix({"name": "Alc Team"}) > prefix({"name": "Alcohol Team"})  # whole word beats word start
    assert score({"name": "Alcohol Service"}) > score({"name": "Alcohol Service For Adults"})
    phrase = Scorer([Group(typed="key worker", phrases=[("key", "worker")])])
    assert phrase({"name": "Key-worker Team"}) > phrase({"name": "Key Team", "description": "a worker"})
    assert fold("Café ÜROLOGY") == "cafe urology"


def test_ranked_results_put_name_matches_first(directory):
    with directory.session() as s:
        res = search(s, Query(text="alcohol", at=TUESDAY_2PM, include_national=False))
        assert names(res.local)[0] == "Southwark Alcohol Service"  # whole word in the name


def test_estimate_near_a_place_is_close_to_the_exact_count(tmp_path, monkeypatch):
    """With more matches than are read, the total near a place comes from a sample's share inside the circle."""
    from ketdir.search.retrieve import common

    inside = [record(f"Inner Clinic {i}", needs=["sexual-health"], lat=51.5 + 0.001 * i, lon=-0.1,
                     description="Clinic.") for i in range(30)]
    outside = [record(f"Outer Clinic {i}", needs=["sexual-health"], lat=51.5 + 0.001 * i, lon=-0.1 + 0.3,
                      description="Clinic.") for i in range(30)]  # about 13 miles east
    d = build(tmp_path / "estimate.db", inside + outside)
    monkeypatch.setattr(common, "POSITIONS", 5)
    monkeypatch.setattr(common, "SAMPLE", 20)
    with d.session() as s:
        res = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=5, at=TUESDAY_2PM))
        assert all(h.name.startswith("Inner") for h in res.local)
        exact = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=100, at=TUESDAY_2PM))
    d.close()
    assert exact.total_local == 30
    if res.total_is_estimate:
        assert 20 <= res.total_local <= 45
    else:
        assert res.total_local == 30


def test_counting_stops_at_the_cap_and_says_more_than(tmp_path, monkeypatch):
    from ketdir.search import render, types

    monkeypatch.setattr(types, "COUNT_CAP", 5)
    clinics = [record(f"Clinic {i}", needs=["sexual-health"], lat=51.5 + 0.001 * i, lon=-0.1,
                      description="Testing.") for i in range(12)]
    d = build(tmp_path / "cap.db", clinics)
    with d.session() as s:
        res = search(s, Query(text="clinic", at=TUESDAY_2PM, with_counts=True, include_national=False))
        assert res.total_is_minimum and res.amount() == "12+"  # at least the 12 listed
        assert len(res.local) == 12  # the cap bounds counting, not what is listed
        assert "12+ services found" in render.results_as_text(res)
        assert types.count_text(res.need_counts["sexual-health"]) == "5+"
        assert types.count_text(res.need_counts["chemsex"]) == "0"
        near = search(s, Query(text="", near="51.5,-0.1", radius_miles=5, at=TUESDAY_2PM))
        assert len(near.local) == 12 and not near.total_is_minimum  # listed in full, so counted in full
        everything = search(s, Query(text="", at=TUESDAY_2PM, include_national=False))
        assert everything.total_is_minimum and everything.amount() == "12+"
    d.close()


def crowd(n: int) -> list[dict]:
    """n clinics within half a mile of 51.5,-0.1."""
    return [record(f"Crowd Clinic {i:02d}", needs=["sexual-health"], lat=51.5 + 0.0001 * i, lon=-0.1,
                   description="Testing.") for i in range(n)]


def test_while_typing_the_total_near_a_place_is_at_least_what_is_listed(tmp_path):
    d = build(tmp_path / "crowd.db", crowd(60))
    with d.session() as s:
        typing = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=10, at=TUESDAY_2PM,
                                 with_total=False))
        counted = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=10, at=TUESDAY_2PM))
    d.close()
    assert [h.name for h in typing.local] == [h.name for h in counted.local]  # the same nearest ten
    # at least those found in the first circle looked in (here all 60 are in it, but typing does not look further)
    assert typing.total_is_minimum and typing.amount() == f"{typing.total_local}+" and typing.total_local >= 10
    assert not counted.total_is_minimum and counted.amount() == "60"


def test_a_search_starting_from_the_last_circle_still_lists_the_nearest(tmp_path, monkeypatch):
    """Searches around the same place start from the circle the last one ended with; a wide circle left by a
    rare word must not stop the next, commoner word from listing exactly the nearest."""
    from ketdir.search.retrieve import common

    monkeypatch.setattr(common, "POSITIONS", 5)
    monkeypatch.setattr(common, "MAX_READ", 20)
    near_ones = [record(f"Near Clinic {i:02d}", needs=["sexual-health"], lat=51.5 + 0.0005 * i, lon=-0.1,
                        description="Testing clinic.") for i in range(40)]
    far_ones = [record(f"Far Rare Clinic {i}", needs=["sexual-health"], lat=51.61 + 0.001 * i, lon=-0.1,
                       description="Testing clinic, rare.") for i in range(5)]  # about 7.6 miles north
    d = build(tmp_path / "rings.db", near_ones + far_ones)
    with d.session() as s:
        rare = search(s, Query(text="rare", near="51.5,-0.1", radius_miles=10, limit=3, at=TUESDAY_2PM))
        assert [h.name for h in rare.local] == ["Far Rare Clinic 0", "Far Rare Clinic 1", "Far Rare Clinic 2"]
        common = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=4, at=TUESDAY_2PM))
        assert [h.name for h in common.local] == [f"Near Clinic {i:02d}" for i in range(4)]
    d.close()


def test_at_least_totals_are_said_in_round_figures():
    from ketdir.search.types import Results

    def amount(n):
        return Results(query=Query(), total_local=n, total_is_minimum=True).amount()

    assert [amount(n) for n in (12, 60, 140, 1790, 2000, 23456)] == ["12+", "60+", "140+", "1,700+", "2,000+",
                                                                        "23,000+"]
    assert Results(query=Query(), total_local=1790, total_is_estimate=True).amount() == "About 1,790"
