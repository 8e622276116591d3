"""One freshness rule ("stale"), and the same answer from every place that shows it: the search results
(the window's row and `ketdir search`), the detail (the window's pane, slips and referrals), data health
and `ketdir check`. The window's own row and pane are checked in tests/gui/test_stewardship_journeys.py."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from ketdir.freshness import MAX_STALE_MONTHS, is_stale, months_since, stale_cutoff
from ketdir.store.models import stable_id
from tests.factories import build, record

LEAP_DAY_AFTER = dt.date(2028, 3, 1)  # 2028 is a leap year: 365 days back is 2 March 2027
CHECKED_A_YEAR_AGO = "Checked A Year Ago"  # 2027-03-01: exactly 12 months, still fresh
CHECKED_LONGER_AGO = "Checked Longer Ago"  # 2027-02-28: stale


def within(seconds, fn):
    """fn()'s result, failing (not hanging) if it takes longer than `seconds`: the old rule spun for ever."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert out, f"still running after {seconds} s"
    return out[0]


def test_stale_means_older_than_twelve_calendar_months():
    assert stale_cutoff(dt.date(2026, 11, 3)) == dt.date(2025, 11, 3)
    assert stale_cutoff(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)  # no 29 February: the month's end
    assert stale_cutoff(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert not is_stale(dt.date(2025, 11, 3), dt.date(2026, 11, 3))
    assert is_stale(dt.date(2025, 11, 2), dt.date(2026, 11, 3))
    assert is_stale(None, dt.date(2026, 11, 3))
    assert not is_stale(dt.date(2027, 3, 1), LEAP_DAY_AFTER)
    assert is_stale(dt.date(2027, 2, 28), LEAP_DAY_AFTER)
    assert is_stale(dt.date(2028, 1, 31), LEAP_DAY_AFTER, months=1)
    assert months_since(dt.date(2027, 2, 28), LEAP_DAY_AFTER) == 12
    assert months_since(dt.date(2028, 4, 1), LEAP_DAY_AFTER) == 0


@pytest.mark.parametrize("today, months", [
    (dt.date.min, 12), (dt.date(1, 1, 31), 1), (dt.date(2026, 1, 1), 999_999_999_999), (dt.date.max, 12),
    (dt.date(2026, 1, 1), MAX_STALE_MONTHS), (dt.date.max, -999_999_999_999),
])
def test_the_rule_answers_at_once_for_any_day_and_threshold(today, months):
    """It used to spin for ever before year 1 and overflow for a huge threshold (issue 16)."""
    cutoff = within(5, lambda: stale_cutoff(today, months))
    assert dt.date.min <= cutoff <= dt.date.max
    assert is_stale(None, today, months)


@pytest.fixture
def leap_directory(db_url):
    directory = build(db_url, [
        record(CHECKED_A_YEAR_AGO, needs=("chemsex",), postcode="SE1 7AB", lat=51.4985, lon=-0.1004,
               phone="0300 123 4001", assured="2027-03-01"),
        record(CHECKED_LONGER_AGO, needs=("chemsex",), postcode="SE1 7AB", lat=51.4985, lon=-0.1004,
               phone="0300 123 4002", assured="2027-02-28"),
    ])
    yield directory
    directory.close()


def test_results_detail_and_health_agree_on_1_march_2028(leap_directory):
    from ketdir.app import reading
    from ketdir.app.health import run_health
    from ketdir.search.engine import search
    from ketdir.search.types import Query
    from ketdir.store.detail import load_service_detail

    with reading(leap_directory) as session:
        hits = {h.name: h for h in search(session, Query(text="", needs=frozenset({"chemsex"}),
                                                          at=dt.datetime(2028, 3, 1, 10, 0))).hits}
        details = {name: load_service_detail(session, stable_id("test", name), today=LEAP_DAY_AFTER)
                   for name in (CHECKED_A_YEAR_AGO, CHECKED_LONGER_AGO)}
    report = run_health(leap_directory, today=LEAP_DAY_AFTER, only="stale")

    stale_in_health = {f.service_name for f in report.only("stale")}
    for name, stale in ((CHECKED_A_YEAR_AGO, False), (CHECKED_LONGER_AGO, True)):
        assert hits[name].is_stale is stale, name
        assert details[name].is_stale is stale, name
        assert (name in stale_in_health) is stale, name


def test_the_command_line_agrees_on_1_march_2028(leap_directory, capsys):
    from ketdir.cli import main

    url = leap_directory.url
    assert main(["--db", url, "search", "--need", "chemsex", "--at", "2028-03-01 10:00"]) == 0
    out = capsys.readouterr().out
    assert "verified 1 Mar 2027" in out and "stale — last checked 28 Feb 2027" in out
    assert main(["--db", url, "check", "--today", "2028-03-01", "--only", "stale"]) == 0
    out = capsys.readouterr().out
    assert CHECKED_LONGER_AGO in out and CHECKED_A_YEAR_AGO not in out


@pytest.mark.parametrize("args, message", [
    (["--today", "0001-01-01", "--summary"], "--today 0001-01-01 is too long ago"),
    (["--stale-months", "999999999999"], "--stale-months must be a whole number of months from 1 to 1,200"),
    (["--stale-months", "-3"], "--stale-months must be"),
])
def test_check_refuses_days_and_thresholds_it_cannot_use(leap_directory, capsys, args, message):
    from ketdir.cli import main

    assert within(20, lambda: main(["--db", leap_directory.url, "check", *args])) == 2
    assert message in capsys.readouterr().err


def test_data_health_refuses_a_threshold_it_cannot_use(leap_directory):
    from ketdir.app.health import run_health
    from ketdir.problems import BadInput

    with pytest.raises(BadInput, match="from 1 to 1,200"):
        run_health(leap_directory, today=LEAP_DAY_AFTER, stale_months=MAX_STALE_MONTHS + 1)
    with pytest.raises(BadInput, match="too long ago"):
        run_health(leap_directory, today=dt.date(1, 1, 1))
