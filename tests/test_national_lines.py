"""The national lines in data/directory: numbers, hours, sources, and coverage by nation (issue 15).

Coverage contract (shared with the search-side nation filter): a line's coverage is one HSDS
service_area row per nation it covers, each named "England", "Wales", "Scotland" or
"Northern Ireland"; a line with no nation-named row covers the whole UK.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import pytest
from factories import build, record

from ketdir.harm import confirmed
from ketdir.paths import bundled_db, data_dir
from ketdir.store.coverage import NATIONS, WHOLE_UK_LABEL, CoverageError, area_rows, coverage_label, nations_of
from ketdir.store.detail import load_service_detail
from ketdir.store.engine import open_directory
from ketdir.store.models import stable_id
from ketdir.store.records import RecordError

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def lines() -> list[dict]:
    return json.loads((data_dir() / "directory" / "national_lines.json").read_text(encoding="utf-8"))


def _by_name(lines: list[dict], name: str) -> dict:
    return next(line for line in lines if line["name"] == name)


def _digits(number: str) -> str:
    return confirmed.normalise_number(number)


# --------------------------------------------------------------------------- the data


def test_every_line_is_national_real_and_has_hours_or_says_check_hours(lines) -> None:
    for line in lines:
        assert line["national"] and not line["demo"], line["name"]
        weekly = (line.get("hours") or {}).get("weekly")
        said = " ".join(p.get("description") or "" for p in line["phones"]) + " " + (line["description"] or "")
        assert weekly or re.search(r"(?i)check\b.{0,60}\bhours", said), line["name"]


def test_verified_numbers_are_confirmed_and_the_rest_are_flagged(lines) -> None:
    for line in lines:
        for phone in line["phones"]:
            digits = _digits(phone["number"])
            if phone["verified"]:
                assert digits in confirmed.CONFIRMED_DIGITS, (line["name"], phone["number"])
            else:
                assert digits in confirmed.UNCONFIRMED_DIGITS, (line["name"], phone["number"])
                assert "unverified" in (phone["description"] or "").lower(), line["name"]
        if any(not p["verified"] for p in line["phones"]):
            assert line["assured_date"] is None, line["name"]  # nobody could confirm it: never "checked"


def test_sources_are_deep_links_and_checked_lines_have_one(lines) -> None:
    for line in lines:
        url = line.get("source_url")
        if line["assured_date"]:
            assert url, line["name"]
            assert dt.date.fromisoformat(line["assured_date"]) <= dt.date.today()
        if url:
            assert confirmed.is_deep_link(url) and url in confirmed.ALLOWED_URLS, (line["name"], url)


@pytest.mark.parametrize(
    ("name", "number", "verified"),
    [
        ("National Domestic Abuse Helpline", "0808 2000 247", True),
        ("Papyrus HOPELINE247", "0800 068 4141", True),
        ("CALM helpline", "0800 58 58 58", True),
        ("The Havens (London sexual assault referral centres)", "020 3299 6900", True),
        ("Switchboard LGBT+ helpline", "0800 0119 100", False),
        ("Mind Infoline", "0300 123 3393", False),
        ("Rape Crisis 24/7 Support Line", "0808 500 2222", False),
        ("Live Fear Free helpline", "0808 80 10 800", True),
        ("Scotland's Domestic Abuse and Forced Marriage Helpline", "0800 027 1234", True),
        ("Domestic and Sexual Abuse Helpline (Northern Ireland)", "0808 802 1414", True),
        ("Rape Crisis Scotland helpline", "08088 01 03 02", True),
        ("Childline", "0800 1111", True),
        ("Police non-emergency (101)", "101", True),
    ],
)
def test_the_lines_outreach_workers_use_are_there(lines, name, number, verified) -> None:
    line = _by_name(lines, name)
    assert [(p["number"], p["verified"]) for p in line["phones"]][0] == (number, verified)


def test_hours_that_matter(lines) -> None:
    def weekly(name):
        return [(tuple(r["days"]), r["opens"], r["closes"]) for r in _by_name(lines, name)["hours"]["weekly"]]

    every_day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    for name in ("Childline", "Police non-emergency (101)", "National Domestic Abuse Helpline", "Samaritans",
                 "Papyrus HOPELINE247", "The Havens (London sexual assault referral centres)", "NHS 111"):
        assert weekly(name) == [(every_day, "00:00", "00:00")], name
    assert weekly("CALM helpline") == [(every_day, "17:00", "00:00")]
    assert weekly("Rape Crisis Scotland helpline") == [(every_day, "18:00", "00:00")]
    childline = _by_name(lines, "Childline")
    assert "under 19" in childline["phones"][0]["description"] and childline["maximum_age"] == 18
    assert "free" in _by_name(lines, "Police non-emergency (101)")["phones"][0]["description"].lower()
    for name in ("Galop LGBT+ helpline", "THT Direct"):
        said = _by_name(lines, name)["phones"][0]["description"]
        assert "Check current hours" in said and re.search(r"\(20\d\d:", said), name  # with the source's date


def test_nhs_111_coverage_per_nation_and_northern_ireland(lines) -> None:
    line = _by_name(lines, "NHS 111")
    assert area_rows(line) == [("England", None), ("Wales", "NHS 111 Wales"), ("Scotland", "NHS 24 on 111")]
    text = line["description"] + " " + line["eligibility"]
    assert "Northern Ireland has no 111" in text and "GP out-of-hours" in text
    assert "option 2" not in json.dumps(line)


# --------------------------------------------------------------------------- the coverage contract


def test_nation_lines_are_stored_one_service_area_row_per_nation() -> None:
    with sqlite3.connect(bundled_db()) as conn:
        rows = conn.execute(
            "SELECT s.name, a.name, a.description FROM service_area a JOIN service s ON s.id = a.service_id "
            "WHERE s.is_demo = 0").fetchall()
    by_service: dict[str, list[tuple[str, str | None]]] = {}
    for service, area, description in rows:
        by_service.setdefault(service, []).append((area, description))
    assert sorted(by_service["NHS 111"]) == [("England", None), ("Scotland", "NHS 24 on 111"),
                                             ("Wales", "NHS 111 Wales")]
    assert by_service["Live Fear Free helpline"] == [("Wales", None)]
    assert by_service["Scotland's Domestic Abuse and Forced Marriage Helpline"] == [("Scotland", None)]
    assert by_service["Domestic and Sexual Abuse Helpline (Northern Ireland)"] == [("Northern Ireland", None)]
    assert by_service["The Havens (London sexual assault referral centres)"] == [("England", "London only")]
    assert sorted(by_service["Rape Crisis 24/7 Support Line"]) == [("England", None), ("Wales", None)]
    # whole-UK lines: no nation-named row (one "United Kingdom" row keeps them national)
    for service in ("Samaritans", "FRANK drugs helpline", "Childline", "National Domestic Abuse Helpline"):
        assert by_service[service] == [("United Kingdom", None)], service
        assert nations_of(a for a, _ in by_service[service]) == ()
    for service, areas in by_service.items():
        names = [a for a, _ in areas]
        assert len(names) == len(set(names)), service
        assert all(a in NATIONS for a in names) or names == ["United Kingdom"], service


def test_build_writes_the_rows_from_a_nations_list(tmp_path) -> None:
    line = record("Test Line", national=True)
    del line["service_area"]
    line["nations"] = ["Scotland", {"name": "England", "description": "North only"}]
    directory = build(tmp_path / "t.db", [line])
    with directory.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, description FROM service_area").fetchall()
    sid = stable_id("test", "Test Line")
    assert sorted(rows) == sorted([(stable_id(sid, "area", "England"), "England", "North only"),
                                   (stable_id(sid, "area", "Scotland"), "Scotland", None)])
    with directory.session() as s:
        detail = load_service_detail(s, sid, TODAY)
    assert detail.is_national and detail.service_area == "England (North only), Scotland"
    directory.close()


@pytest.mark.parametrize(
    ("nations", "words"),
    [
        (["Cornwall"], "use one of"),
        (["Wales", "Wales"], "twice"),
        ([], "non-empty"),
        ([{"name": "Wales", "extra": 1}], "nation name or"),
    ],
)
def test_bad_nations_are_a_clear_record_error(tmp_path, nations, words) -> None:
    line = record("Bad Line", national=True)
    del line["service_area"]
    line["nations"] = nations
    with pytest.raises(RecordError, match=words):
        build(tmp_path / "bad.db", [line])


def test_nations_and_service_area_together_are_refused() -> None:
    with pytest.raises(CoverageError, match="not both"):
        area_rows({"nations": ["Wales"], "service_area": "United Kingdom"})


def test_coverage_labels_read_well() -> None:
    assert coverage_label([("United Kingdom", None)]) == WHOLE_UK_LABEL == "Whole UK"
    assert coverage_label([]) == "Whole UK"
    assert coverage_label([("Wales", "NHS 111 Wales"), ("England", None)]) == "England, Wales (NHS 111 Wales)"
    assert coverage_label([(n, None) for n in NATIONS]) == "Whole UK"
    assert coverage_label([("London", None)]) == "London"  # an imported area keeps its own name
    assert nations_of(["Scotland", "United Kingdom", "England"]) == ("England", "Scotland")


def test_detail_pane_labels_from_the_bundled_db() -> None:
    directory = open_directory(bundled_db())
    try:
        with sqlite3.connect(bundled_db()) as conn:
            ids = dict(conn.execute("SELECT name, id FROM service WHERE is_demo = 0"))
        with directory.session() as s:
            label = lambda name: load_service_detail(s, ids[name], TODAY).service_area  # noqa: E731
            assert label("NHS 111") == "England, Wales (NHS 111 Wales), Scotland (NHS 24 on 111)"
            assert label("Samaritans") == "Whole UK"
            assert label("The Havens (London sexual assault referral centres)") == "England (London only)"
            assert label("Domestic and Sexual Abuse Helpline (Northern Ireland)") == "Northern Ireland"
    finally:
        directory.close()
