"""Statistics from the log: counts by need type, service, district and week; CSV; `ketdir stats`."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from referral_data import BLADDER, CHEMLINE, DEMO
from ketdir.cli import main
from ketdir.referral.log import log_referral
from ketdir.referral.stats import NOT_RECORDED, referral_stats, stats_as_text, write_csv

D = dt.date


def fill(session):
    rows = [
        (dt.datetime(2026, 10, 5, 9), [BLADDER], ["bladder-urology"], "SE1 7TP", "phone"),
        (dt.datetime(2026, 10, 20, 9), [BLADDER, CHEMLINE], ["bladder-urology", "chemsex"], "SE1", "outreach"),
        (dt.datetime(2026, 11, 2, 9), [CHEMLINE], ["chemsex", "sexual-health"], "E1", "phone"),
        (dt.datetime(2026, 11, 3, 9), [DEMO], [], None, "other"),
        (dt.datetime(2025, 1, 1, 9), [DEMO], ["harm-reduction"], "N1", "phone"),  # outside most periods
    ]
    for at, services, needs, place, channel in rows:
        log_referral(session, services, needs, place, channel, at=at)
    session.commit()


def as_dict(stats):
    return {row.label: row.count for row in stats.rows}


def test_counts_by_each_grouping_for_a_period(session):
    fill(session)
    start, end = D(2026, 10, 1), D(2026, 11, 30)
    need = referral_stats(session, "need", start, end)
    assert need.referrals == 4
    assert as_dict(need) == {"Bladder & urology": 2, "Chemsex support": 2, "Sexual health": 1, NOT_RECORDED: 1}
    assert need.rows[-1].label == NOT_RECORDED, "not recorded comes last"
    assert as_dict(referral_stats(session, "service", start, end)) == {
        "Riverside Bladder Clinic": 2, "Chem Line": 2, "Demo Drop-in": 1}
    assert as_dict(referral_stats(session, "district", start, end)) == {"SE1": 2, "E1": 1, NOT_RECORDED: 1}
    week = referral_stats(session, "week", start, end)
    assert [(r.key, r.count) for r in week.rows] == [
        ("2026-W40", 0), ("2026-W41", 1), ("2026-W42", 0), ("2026-W43", 1), ("2026-W44", 0), ("2026-W45", 2),
        ("2026-W46", 0), ("2026-W47", 0), ("2026-W48", 0), ("2026-W49", 0)]
    assert week.rows[0].label == "2026-W40 (from 28 Sep)"


def test_period_edges_are_inclusive_and_all_time_is_open(session):
    fill(session)
    assert referral_stats(session, "district", D(2026, 11, 3), D(2026, 11, 3)).referrals == 1
    assert referral_stats(session, "district", D(2026, 11, 4), None).referrals == 0
    everything = referral_stats(session, "district")
    assert everything.referrals == 5 and as_dict(everything)["N1"] == 1
    weeks = referral_stats(session, "week")
    assert weeks.rows[0].key == "2025-W01" and weeks.rows[-1].key == "2026-W45"
    with pytest.raises(ValueError):
        referral_stats(session, "name")
    with pytest.raises(ValueError):
        referral_stats(session, "need", D(2026, 12, 1), D(2026, 11, 1))


def test_empty_log(session):
    stats = referral_stats(session, "need", D(2026, 1, 1), D(2026, 1, 31))
    assert stats.referrals == 0 and stats.rows == ()
    assert "(no referrals logged in this period)" in stats_as_text(stats)


def test_csv_export(session):
    fill(session)
    out = io.StringIO()
    write_csv(referral_stats(session, "need", D(2026, 10, 1), D(2026, 11, 30)), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["need_type_code", "need_type", "referrals"]
    assert ["bladder-urology", "Bladder & urology", "2"] in rows and ["", NOT_RECORDED, "1"] in rows
    out = io.StringIO()
    write_csv(referral_stats(session, "week", D(2026, 10, 1), D(2026, 10, 11)), out)
    assert out.getvalue().splitlines() == ["iso_week,week_starting,referrals", "2026-W40,2026-09-28,0",
                                           "2026-W41,2026-10-05,1"]


def test_a_service_name_cannot_become_a_spreadsheet_formula(session):
    from ketdir.store.models import Service

    session.get(Service, BLADDER).name = '=HYPERLINK("http://evil.example","x")'
    session.commit()
    fill(session)
    out = io.StringIO()
    write_csv(referral_stats(session, "service"), out)
    assert "'=HYPERLINK" in out.getvalue()


def test_ketdir_stats_prints_the_same(directory, capsys, tmp_path):
    with directory.session() as session:
        fill(session)
    db = directory.url.removeprefix("sqlite:///")
    assert main(["--db", db, "stats", "--from", "2026-10-01", "--to", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "Referrals by need type, 1 Oct 2026 to 30 Nov 2026: 4 in all" in out
    assert "Referrals by service" in out and "Referrals by district" in out and "Referrals by week" in out
    assert "Bladder & urology" in out and "2026-W45 (from 2 Nov)" in out

    target = tmp_path / "by-district.csv"
    assert main(["--db", db, "stats", "--by", "district", "--csv", str(target)]) == 0
    assert target.read_text().splitlines()[:2] == ["district,district_name,referrals", "SE1,SE1,2"]
    capsys.readouterr()

    assert main(["--db", db, "stats", "--from", "yesterday"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["--db", db, "stats", "--from", "2026-12-01", "--to", "2026-11-01"]) == 2
    assert main(["--db", db, "stats", "--csv", str(target)]) == 2
