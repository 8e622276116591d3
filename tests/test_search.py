"""search(session, Query): text, slang, spelling, filters, place, hours, national lines, hostile input."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ketdir.search import Query, search
from tests.factories import ALWAYS, WEEKDAYS_9_5, build, record

TUESDAY_2PM = dt.datetime(2026, 12, 1, 14, 0)
TUESDAY_9PM = dt.datetime(2026, 12, 1, 21, 0)
CHRISTMAS_10AM = dt.datetime(2026, 12, 25, 10, 0)

RECORDS = [
    record("Borough Ketamine Bladder Clinic", needs=["bladder-urology"], lat=51.501, lon=-0.094,
           description="Urology clinic for ketamine bladder damage (uropathy)."),
    record("Islington Bladder and Continence Service", needs=["bladder-urology"], lat=51.538, lon=-0.103,
           description="Continence nurses and urology for people whose bladder was hurt by ketamine."),
    record("Brighton Urology Clinic", needs=["bladder-urology"], lat=50.827, lon=-0.139,
           description="Urology for ketamine bladder problems."),
    record("Southwark Drug Service", needs=["drug-treatment"], lat=51.498, lon=-0.09,
           description="Key workers and detox for ketamine, cocaine and alcohol."),
    record("Brighton Chemsex Clinic", needs=["chemsex", "sexual-health"], lat=50.824, lon=-0.137,
           description="Support with G, crystal meth and mephedrone; PEP and PrEP.", hours=WEEKDAYS_9_5),
    record("Brighton Late Sexual Health", needs=["sexual-health"], lat=50.83, lon=-0.13,
           description="STI and HIV testing, PEP.",
           hours={"weekly": [{"days": ["TU"], "opens": "17:00", "closes": "22:00"}]}),
    record("Brighton A&E", needs=["urgent-care", "sexual-health"], lat=50.819, lon=-0.118,
           description="Emergency department, PEP out of hours.", hours=ALWAYS),
    record("Youth Drug Project", needs=["drug-treatment"], lat=51.50, lon=-0.10, min_age=11, max_age=24,
           description="Young people's drug and alcohol service."),
    record("Private Counselling", needs=["mental-health"], lat=51.50, lon=-0.10, free=False,
           description="Counselling for anxiety and low mood."),
    record("FRANK", needs=["drug-treatment", "harm-reduction"], national=True, hours=ALWAYS,
           phone="0300 123 6600", description="Friendly, confidential drugs advice. Ketamine information."),
    record("Unchecked Helpline", needs=["sexual-health"], national=True, verified=False, assured=None,
           phone="0300 123 7123", description="Sexual health helpline.", hours=None),
    record("Demo Bladder Group", needs=["bladder-urology", "peer-support"], lat=51.502, lon=-0.097, demo=True,
           description="Training record: a ketamine bladder peer group."),
]


@pytest.fixture(scope="module")
def session(directory_url):  # once on SQLite, once on the PostgreSQL test server
    directory = build(directory_url, RECORDS)
    with directory.session() as s:
        yield s
    directory.close()


def names(hits):
    return [h.name for h in hits]


def test_prefix_matching_as_you_type(session):
    for typed in ("bla", "blad", "bladde", "bladder"):
        res = search(session, Query(text=typed, at=TUESDAY_2PM))
        assert "Borough Ketamine Bladder Clinic" in names(res.local), typed


def test_slang_is_read_and_reported(session):
    res = search(session, Query(text="ket bladder", at=TUESDAY_2PM))
    assert {"ket", "bladder"} <= {r.term for r in res.readings}
    assert "ketamine" in res.understood_as and "Bladder & urology" in res.understood_as
    assert set(names(res.local)) >= {"Borough Ketamine Bladder Clinic", "Brighton Urology Clinic"}
    assert "Southwark Drug Service" not in names(res.local)


def test_reading_can_be_undone(session):
    with_reading = search(session, Query(text="wee", at=TUESDAY_2PM))
    assert "Brighton Urology Clinic" in names(with_reading.local)
    res = search(session, Query(text="wee", at=TUESDAY_2PM, ignore_readings=frozenset({"wee"})))
    assert not res.readings
    assert "Brighton Urology Clinic" not in names(res.local)  # the literal word "wee" is in no record


def test_slang_reaches_need_type_without_the_word(session):
    res = search(session, Query(text="chems", at=TUESDAY_2PM))
    assert "Brighton Chemsex Clinic" in names(res.local)
    wee = search(session, Query(text="wee", at=TUESDAY_2PM))
    assert "Brighton Urology Clinic" in names(wee.local)


@pytest.mark.parametrize("typo,expected", [("bladdr", "bladder"), ("urolgy", "urology")])
def test_spelling_fallback(session, typo, expected):
    res = search(session, Query(text=typo, at=TUESDAY_2PM))
    assert res.used_fuzzy
    assert any(r.kind == "spelling" and r.meaning == expected for r in res.readings)
    assert res.local


def test_ketamin_typo_still_finds_ketamine(session):
    res = search(session, Query(text="ketamin", at=TUESDAY_2PM))
    assert "Southwark Drug Service" in names(res.local)


def test_need_filter(session):
    res = search(session, Query(needs=frozenset({"chemsex"}), at=TUESDAY_2PM))
    assert names(res.local) == ["Brighton Chemsex Clinic"]


def test_place_orders_nearest_first_and_applies_radius(session):
    res = search(session, Query(text="ket bladder", near="se1 7tp", radius_miles=10, at=TUESDAY_2PM))
    assert res.place is not None and res.place.outcode == "SE1"
    local = names(res.local)
    assert local[0] in {"Borough Ketamine Bladder Clinic", "Demo Bladder Group"}
    assert "Brighton Urology Clinic" not in local  # ~47 miles away
    distances = [h.distance_miles for h in res.local]
    assert distances == sorted(distances)
    assert names(res.national) == ["FRANK"] or "FRANK" not in local


def test_national_lines_are_grouped_apart_and_can_be_turned_off(session):
    res = search(session, Query(text="ketamine", near="Brighton", at=TUESDAY_2PM))
    assert "FRANK" in names(res.national) and "FRANK" not in names(res.local)
    off = search(session, Query(text="ketamine", near="Brighton", include_national=False, at=TUESDAY_2PM))
    assert off.national == []


def test_open_now_at_a_fixed_time(session):
    res = search(session, Query(near="Brighton", open_now=True, at=TUESDAY_9PM))
    assert set(names(res.local)) == {"Brighton Late Sexual Health", "Brighton A&E"}
    for hit in res.local:
        assert hit.open_state.is_open


def test_christmas_day_is_a_bank_holiday(session):
    res = search(session, Query(text="chems", near="Brighton", open_now=True, at=CHRISTMAS_10AM,
                                needs=frozenset({"sexual-health"})))
    assert "Brighton Chemsex Clinic" not in names(res.local)  # weekday hours, closed on bank holidays
    everything = search(session, Query(near="Brighton", open_now=True, at=CHRISTMAS_10AM))
    assert names(everything.local) == ["Brighton A&E"]


def test_age_and_free_filters(session):
    adult = search(session, Query(text="drug", age=40, at=TUESDAY_2PM))
    assert "Youth Drug Project" not in names(adult.local)
    young = search(session, Query(text="drug", age=16, at=TUESDAY_2PM))
    assert "Youth Drug Project" in names(young.local)
    free = search(session, Query(text="counselling", free_only=True, at=TUESDAY_2PM))
    assert "Private Counselling" not in names(free.local)


def test_hits_carry_what_a_referrer_must_see(session):
    res = search(session, Query(text="sexual health helpline", at=TUESDAY_2PM))
    unchecked = next(h for h in res.national if h.name == "Unchecked Helpline")
    assert unchecked.has_unverified_phone and unchecked.is_stale and unchecked.assured_date is None
    demo = search(session, Query(text="bladder", at=TUESDAY_2PM))
    flagged = {h.name: h.is_demo for h in demo.local}
    assert flagged["Demo Bladder Group"] is True and flagged["Borough Ketamine Bladder Clinic"] is False
    frank = next(h for h in search(session, Query(text="frank", at=TUESDAY_2PM)).national if h.name == "FRANK")
    assert frank.phone == "0300 123 6600" and frank.open_state.text == "Open 24 hours"


def test_need_counts(session):
    res = search(session, Query(text="bladder", with_counts=True, at=TUESDAY_2PM))
    assert res.need_counts["bladder-urology"] == 4
    assert res.need_counts["peer-support"] == 1


def test_ambiguous_place_returns_choices(session):
    res = search(session, Query(text='"unbalanced NEAR(', near="Bangor", at=TUESDAY_2PM))
    assert len(res.place_choices) >= 2 and res.local == []
    assert res.place_message


def test_unknown_place_says_so(session):
    res = search(session, Query(text="bladder", near="Brigton", at=TUESDAY_2PM))
    assert res.place is None and res.local == []
    assert "Brighton" in (res.place_message or "")


@pytest.mark.parametrize("text", ['"', "*", ":", "(", ")", "NEAR", "NEAR(", "-ket", "^bladder", "a AND", "OR",
                                  'ket" OR "1"="1', "bladder'; DROP TABLE service;--", "ケタミン", "🙂", "\x00"])
def test_fts_syntax_never_raises(session, text):
    search(session, Query(text=text, at=TUESDAY_2PM))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_typed_text_is_safe(session, text):
    res = search(session, Query(text=text, at=TUESDAY_2PM))
    assert res.total_local >= len(res.local)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(['"', "*", ":", "(", ")", "NEAR", "-", "^", "ket", "bladder", "OR", "AND", "NOT", " "]),
                max_size=8))
def test_fts_operator_soup_is_safe(session, parts):
    search(session, Query(text="".join(parts), near="SE1", at=TUESDAY_2PM))


def test_many_matches_near_a_place_are_bounded_and_nearest_first(tmp_path, monkeypatch):
    """More matches than the engine reads at once (POSITIONS): it narrows the circle, still nearest first,
    and reports an estimated total; many services at one spot cannot make it loop."""
    from ketdir.search.retrieve import common

    monkeypatch.setattr(common, "POSITIONS", 4)
    records = [record(f"Crowded Clinic {i}", needs=["sexual-health"], lat=51.5, lon=-0.1,
                      description="Sexual health clinic.") for i in range(8)]
    records += [record(f"Ring Clinic {i}", needs=["sexual-health"], lat=51.5 + 0.01 * (i + 1), lon=-0.1,
                       description="Sexual health clinic.") for i in range(8)]
    directory = build(tmp_path / "crowded.db", records)
    with directory.session() as s:
        res = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=3, at=TUESDAY_2PM))
        assert len(res.local) == 3 and all(h.name.startswith("Crowded") for h in res.local)
        assert not res.total_is_estimate and res.total_local == 16  # a sample of up to SAMPLE rows covered all
        monkeypatch.setattr(common, "SAMPLE", 5)
        res = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=3, at=TUESDAY_2PM))
        assert len(res.local) == 3 and all(h.name.startswith("Crowded") for h in res.local)
        assert res.total_is_estimate and res.total_local == 16  # all of the sample inside: 16 x 6/6
        wide = search(s, Query(text="clinic", near="51.5,-0.1", radius_miles=10, limit=12, at=TUESDAY_2PM))
        distances = [h.distance_miles for h in wide.local]
        assert distances == sorted(distances)
    directory.close()


def test_many_matches_with_sql_filters_estimate_the_total_from_a_sample(tmp_path, monkeypatch):
    """Too many matches to count with the open-now filter: the filter's share in a sample scales the total."""
    from ketdir.search.retrieve import common

    monkeypatch.setattr(common, "CANDIDATES", 2)
    records = [record(f"Open Clinic {i}", needs=["sexual-health"], lat=51.5, lon=-0.1, hours=ALWAYS,
                      description="Sexual health clinic.") for i in range(6)]
    records += [record(f"Day Clinic {i}", needs=["sexual-health"], lat=51.5, lon=-0.1,
                       description="Sexual health clinic.") for i in range(6)]
    directory = build(tmp_path / "sample.db", records)
    with directory.session() as s:
        res = search(s, Query(text="clinic", open_now=True, at=TUESDAY_9PM, include_national=False))
        assert res.total_is_estimate and res.total_local == 6
        assert all(h.name.startswith("Open Clinic") for h in res.local)
    directory.close()


def test_a_lone_letter_still_being_typed_does_not_empty_the_list(session):
    before = search(session, Query(text="bladder clinic", at=TUESDAY_2PM))
    typing = search(session, Query(text="bladder clinic u", at=TUESDAY_2PM))
    assert [h.name for h in typing.local] == [h.name for h in before.local] and typing.local
    assert typing.message == before.message  # the lone letter changes nothing, not even the notice
    ket = search(session, Query(text="k bladder", at=TUESDAY_2PM))  # "k" is slang for ketamine: kept
    assert any(r.term == "k" for r in ket.readings)
