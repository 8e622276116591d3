"""run_checks finds planted problems (and leaves near-misses alone), on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from health_helpers import TODAY, rec, unique_phone

from ketdir.health import CHECK_CODES, ERROR, INFO, WARNING, run_checks
from ketdir.health.phones import DRAMA, INVALID, OK, SHORT, check_phone
from ketdir.store.models import stable_id
from tests.factories import build


def sid(name: str) -> str:
    return stable_id("test", name)


def check(new_db, records, **kw):
    """run_checks over a new directory holding these records (new_db: the conftest fixture, both backends)."""
    directory = build(new_db(), records)
    try:
        with directory.session() as s:
            return run_checks(s, kw.pop("today", TODAY), **kw)
    finally:
        directory.close()


def of(report, check_code, name=None):
    return [f for f in report.findings if f.check == check_code and (name is None or f.service_name == name)]


def test_a_clean_directory_has_no_findings(new_db):
    report = check(new_db, [rec("Southwark Drug Service"), rec("Manchester Recovery Hub", postcode="M1 1AE")])
    assert report.findings == []
    assert report.services_checked == 2
    assert report.by_check() == {code: 0 for code in CHECK_CODES}


# ------------------------------------------------------------------------------------------- duplicates


def test_planted_duplicates_are_found_and_near_misses_are_not(new_db):
    shared = unique_phone()
    records = [
        # 1. the same service twice at one postcode, the name written differently (and the postcode too)
        rec("Southwark Sexual Health Clinic", postcode="SE1 7AB"),
        rec("Sexual Health Clinic, Southwark", postcode="se17ab"),
        # 2. one phone number, two different names, in different places
        rec("Lambeth Drug Service", postcode="SW9 8EJ", phone=shared),
        rec("Brixton Recovery Hub", postcode="SE11 5HL", phone=shared),
        # near-misses: a similar name elsewhere with its own number; a different service at the same postcode
        rec("Southwark Sexual Health Clinic Outreach", postcode="M1 1AE"),
        rec("Southwark Needle Exchange", postcode="SE1 7AB"),
    ]
    report = check(new_db, records)
    dups = of(report, "duplicate")
    assert len(dups) == 2, [f.message for f in dups]

    by_postcode = next(f for f in dups if "postcode" in f.message)
    assert {by_postcode.service_id, *by_postcode.related_ids} == {
        sid("Southwark Sexual Health Clinic"), sid("Sexual Health Clinic, Southwark")}
    assert "SE1 7AB" in by_postcode.message and "100% alike" in by_postcode.message
    assert by_postcode.severity == WARNING

    by_phone = next(f for f in dups if "phone" in f.message)
    assert {by_phone.service_id, *by_phone.related_ids} == {sid("Lambeth Drug Service"), sid("Brixton Recovery Hub")}
    assert by_phone.severity == WARNING
    assert "Shares the phone number 0300 123" in by_phone.message

    involved = {f.service_id for f in dups} | {i for f in dups for i in f.related_ids}
    assert sid("Southwark Sexual Health Clinic Outreach") not in involved
    assert sid("Southwark Needle Exchange") not in involved


def test_a_typo_in_the_name_at_the_same_phone_is_a_likely_duplicate(new_db):
    phone = unique_phone()
    report = check(new_db, [
        rec("Leeds Chemsex Support Service", postcode="LS1 4AP", phone=phone),
        rec("Leeds Chemsex Suport Service", postcode="LS2 7EW", phone=phone),
    ])
    (dup,) = of(report, "duplicate")
    assert "Looks like the same service" in dup.message and "same phone number" in dup.message
    assert dup.field == "name, phone.number"


def test_phone_numbers_are_compared_after_normalising(new_db):
    report = check(new_db, [
        rec("Bristol Drug Project", postcode="BS1 4DJ", phone="0300 123 9999"),
        rec("BDP Outreach Van", postcode="BS2 0JA", phone="+44 300 1239999"),
    ])
    assert len(of(report, "duplicate")) == 1


def test_a_number_shared_inside_one_organisation_is_only_a_note(new_db):
    phone = unique_phone()
    report = check(new_db, [
        rec("Change Grow Live Leeds", postcode="LS1 4AP", phone=phone, org="Change Grow Live"),
        rec("CGL Young People's Service", postcode="LS2 7EW", phone=phone, org="Change Grow Live"),
    ])
    (dup,) = of(report, "duplicate")
    assert dup.severity == INFO and "all run by Change Grow Live" in dup.message


def test_a_big_shared_number_is_one_finding_naming_a_few(new_db):
    phone = unique_phone()
    records = [rec(f"Service number {word}", postcode="M1 1AE", phone=phone)
               for word in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")]
    report = check(new_db, records)
    (dup,) = of(report, "duplicate")
    assert len(dup.related_ids) == 5
    assert "and 2 others" in dup.message


# ------------------------------------------------------------------------------------------------ stale


def test_stale_records(new_db):
    report = check(new_db, [
        rec("Old Record", assured="2025-10-01"),
        rec("Never Checked", assured=None),
        rec("Exactly A Year", assured="2025-11-25"),
        rec("Recent Record", assured="2026-05-01"),
        rec("Future Record", assured="2027-01-01"),
    ])
    stale = {f.service_name: f for f in of(report, "stale")}
    assert set(stale) == {"Old Record", "Never Checked", "Future Record"}
    assert "1 October 2025, 13 months ago" in stale["Old Record"].message
    assert "Never checked" in stale["Never Checked"].message
    assert "in the future" in stale["Future Record"].message
    assert all(f.field == "assured_date" for f in stale.values())


def test_stale_threshold_is_a_setting(new_db):
    report = check(new_db, [rec("Recent Record", assured="2026-05-01")], stale_months=6)
    assert [f.service_name for f in of(report, "stale")] == ["Recent Record"]
    with pytest.raises(ValueError):
        check(new_db, [], stale_months=0)


def test_the_bundled_demo_set_has_stale_records(tmp_path):
    from ketdir.store.build import build_database
    from ketdir.store.engine import open_directory

    built = build_database(tmp_path / "resources.db")  # from data/, as `ketdir build-db` makes it
    directory = open_directory(built.path)
    try:
        with directory.session() as s:
            report = run_checks(s, dt.date(2026, 11, 25), only="stale")
    finally:
        directory.close()
    assert len(report.findings) > 20
    assert report.checks_run == ("stale",)


# ------------------------------------------------------------------------------------------------ phones


@pytest.mark.parametrize("number, kind", [
    ("999", SHORT), ("111", SHORT), ("101", SHORT), ("116 123", SHORT), ("116111", SHORT), ("85258", SHORT),
    ("82111", SHORT), ("0800 1111", OK), ("0300 123 6600", OK), ("+44 300 123 6600", OK), ("07911 123456", OK),
    ("020 7946 0123", DRAMA), ("07700 900123", DRAMA), ("01632 960001", DRAMA),
    ("0207 946", INVALID), ("12345", INVALID), ("call us", INVALID), ("0800 COUNSEL", INVALID), ("", INVALID),
])
def test_phone_kinds(number, kind):
    assert check_phone(number).kind == kind


def test_invalid_and_unverified_phones(new_db):
    report = check(new_db, [
        rec("Bad Number", phone="0207 946"),
        rec("Samaritans Line", phone="116 123"),
        rec("Drama Number", phone="020 7946 0123"),
        rec("Demo Service (demo)", phone="020 7946 0124", demo=True),
        rec("Unconfirmed Number", phone="0300 123 7123", verified=False),
    ])
    bad = {f.service_name: f for f in of(report, "phone")}
    assert set(bad) == {"Bad Number", "Drama Number"}
    assert bad["Bad Number"].severity == ERROR and "“0207 946”" in bad["Bad Number"].message
    assert "rings nowhere" in bad["Drama Number"].message
    (unverified,) = of(report, "unverified-phone")
    assert unverified.service_name == "Unconfirmed Number" and unverified.severity == WARNING


# ------------------------------------------------------------------------------------ postcodes, coordinates


def test_postcodes(new_db):
    report = check(new_db, [
        rec("Bad Format", postcode="SE1 7A", coords=(51.5, -0.1)),
        rec("Unknown District", postcode="SE99 1AA", coords=(51.5, -0.1)),
        rec("Lower Case Fine", postcode="m1 1ae"),
        rec("Retired District", postcode="W1M 7UU", coords=(51.52, -0.15)),
    ])
    found = {f.service_name: f for f in of(report, "postcode")}
    assert set(found) == {"Bad Format", "Unknown District", "Retired District"}
    assert found["Retired District"].severity == WARNING and "current Royal Mail format" in found["Retired District"].message
    assert found["Bad Format"].severity == ERROR and "not a UK postcode" in found["Bad Format"].message
    assert found["Unknown District"].severity == WARNING and "SE99" in found["Unknown District"].message


def test_coordinates(new_db):
    report = check(new_db, [
        rec("In Paris", postcode="SE1 7AB", coords=(48.8566, 2.3522)),
        rec("Swapped Round", postcode="SE1 7AB", coords=(-0.1, 51.5)),
        rec("In The Sea", postcode="SE1 7AB", coords=(55.0, -8.9)),
        rec("Manchester Coordinates", postcode="SE1 7AB", coords=(53.4808, -2.2426)),
        rec("No Coordinates", postcode="SE1 7AB", coords=None),
        rec("Close Enough", postcode="SE1 7AB", coords=(51.45, -0.05)),
    ])
    found = {f.service_name: f for f in of(report, "coordinates")}
    assert set(found) == {"In Paris", "Swapped Round", "In The Sea", "Manchester Coordinates", "No Coordinates"}
    assert found["In Paris"].severity == ERROR and "outside the UK" in found["In Paris"].message
    assert "look swapped" in found["Swapped Round"].message
    assert found["Manchester Coordinates"].severity == WARNING
    assert "miles from the centre of the postcode district SE1" in found["Manchester Coordinates"].message
    assert "no map coordinates" in found["No Coordinates"].message


# ------------------------------------------------------------------------------------- schedules, contact


def test_unreadable_schedules(new_db):
    bad_days = {"weekly": [{"days": ["XX"], "opens": "09:00", "closes": "17:00"}]}
    bad_time = {"weekly": [{"days": ["MO"], "opens": "25:00", "closes": "17:00"}]}
    report = check(new_db, [rec("Bad Days", hours=bad_days), rec("Bad Time", hours=bad_time),
                              rec("Fine Hours")])
    found = {f.service_name: f for f in of(report, "schedule")}
    assert set(found) == {"Bad Days", "Bad Time"}
    assert "'XX' is not a day of the week" in found["Bad Days"].message
    assert "opens at" in found["Bad Time"].message or "25:00" in found["Bad Time"].message


def test_no_way_to_contact(new_db):
    unreachable = rec("Nowhere Line", national=True, phone=None)
    unreachable["url"] = None
    website_only = rec("Website Only", national=True, phone=None)
    report = check(new_db, [unreachable, website_only])
    (finding,) = of(report, "no-contact")
    assert finding.service_name == "Nowhere Line" and finding.severity == ERROR


def test_retired_services_are_not_checked(new_db):
    retired = rec("Closed Service", phone="0207 946", assured=None)
    retired["status"] = "inactive"
    report = check(new_db, [retired])
    assert report.findings == [] and report.services_checked == 0


def test_only_runs_the_chosen_checks(new_db):
    report = check(new_db, [rec("Bad Number", phone="0207 946", assured=None)], only=["phone"])
    assert report.checks_run == ("phone",)
    assert [f.check for f in report.findings] == ["phone"]
    with pytest.raises(ValueError, match="not a check"):
        check(new_db, [], only="spelling")


def test_findings_are_sorted_errors_first(new_db):
    report = check(new_db, [rec("Bad Number", phone="0207 946", assured=None)])
    assert [f.severity for f in report.findings] == [ERROR, WARNING]
    assert report.by_severity() == {ERROR: 1, WARNING: 1, INFO: 0}


def test_progress_and_cancel(new_db):
    from ketdir.health import ChecksCancelled

    directory = build(new_db(), [rec("A Service")])
    try:
        seen = []
        with directory.session() as s:
            run_checks(s, TODAY, progress=lambda what, done, total: seen.append(what))
            assert "Looking for duplicates" in seen
            with pytest.raises(ChecksCancelled):
                run_checks(s, TODAY, cancelled=lambda: True)
    finally:
        directory.close()
