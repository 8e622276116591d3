"""The anonymous referral log cannot hold personal data: no column for it, and every value is checked."""
from __future__ import annotations

import datetime as dt
import inspect

import pytest
from sqlalchemy import String, inspect as sa_inspect, select, text
from sqlalchemy.exc import DataError, IntegrityError

from referral_data import BLADDER, CHEMLINE, DEMO
from ketdir.referral.log import (
    ReferralError,
    delete_referral,
    district_of,
    export_csv,
    import_csv,
    log_referral,
    referrals,
)
from ketdir.store.models import ReferralLog, ReferralNeed, ReferralService

AT = dt.datetime(2026, 11, 3, 10, 42, 17)

# Every column the log has, and nothing else: time, codes from fixed sets, ids, an outcode.
SCHEMA = {
    "ketdir_referral": {"id": 64, "logged_at": None, "district": 4, "channel": 16, "outcome": 16},
    "ketdir_referral_service": {"referral_id": 64, "service_id": 64},
    "ketdir_referral_need": {"referral_id": 64, "need": 32},
}


def test_the_tables_have_no_column_for_names_numbers_notes_or_postcodes(directory):
    inspector = sa_inspect(directory.engine)
    for table, expected in SCHEMA.items():
        columns = {c["name"]: c["type"] for c in inspector.get_columns(table)}
        assert set(columns) == set(expected), f"{table} has {sorted(columns)}"
        for name, length in expected.items():
            if length is None:
                assert "DATETIME" in str(columns[name]).upper() or "TIMESTAMP" in str(columns[name]).upper()
            else:
                assert isinstance(columns[name], String) and columns[name].length == length, (table, name)
    # the models say the same (no Text column anywhere in them)
    for model in (ReferralLog, ReferralService, ReferralNeed):
        for column in model.__table__.columns:
            assert column.name in SCHEMA[model.__tablename__]
            assert not (isinstance(column.type, String) and (column.type.length or 10_000) > 64)


def test_there_is_no_parameter_for_free_text(session):
    params = set(inspect.signature(log_referral).parameters)
    assert params == {"session", "service_ids", "needs", "district_or_postcode", "channel", "outcome", "at",
                      "gazetteer"}
    with pytest.raises(TypeError):
        log_referral(session, [BLADDER], [], "SE1", "phone", note="Called by Jo Bloggs on 07700 900123")


def test_a_full_postcode_is_reduced_to_its_district(session):
    logged = log_referral(session, [BLADDER], ["bladder-urology"], "se1 7tp", "phone", at=AT)
    row = session.get(ReferralLog, logged.id)
    assert row.district == "SE1" and logged.district == "SE1"
    assert row.logged_at == dt.datetime(2026, 11, 3, 10, 0), "time kept to the hour only"
    for value in ("SW1A 1AA", "sw1a1aa", "SW1A"):
        assert log_referral(session, [BLADDER], [], value, "phone", at=AT).district == "SW1A"


@pytest.mark.parametrize("value", [
    "Jo Bloggs", "07700 900123", "Flat 2, 10 High Street", "Brighton", "ZZ9 9ZZ", "SE1 7TP is where Jo lives",
    "", "   ", None,
])
def test_anything_that_is_not_a_district_stores_nothing(session, value):
    logged = log_referral(session, [BLADDER], [], value, "outreach", at=AT)
    assert session.get(ReferralLog, logged.id).district is None


def test_free_text_cannot_get_in_through_the_other_fields(session):
    cases = [
        dict(channel="phoned Jo back"),
        dict(channel="PHONE"),
        dict(outcome="Jo was upset, call back on 07700 900123"),
        dict(needs=["chemsex", "Jo Bloggs"]),
        dict(service_ids=["Jo Bloggs"]),
        dict(service_ids=["not-a-service-in-this-directory"]),
        dict(service_ids=[], needs=[]),
    ]
    for change in cases:
        values = dict(service_ids=[BLADDER], needs=["bladder-urology"], district_or_postcode="SE1", channel="phone")
        values.update(change)
        with pytest.raises(ReferralError):
            log_referral(session, **values, at=AT)
    with pytest.raises(ReferralError):
        district_of(12345)
    assert session.execute(select(ReferralLog)).first() is None, "nothing was stored"


def test_the_database_refuses_personal_data_even_from_raw_sql(directory):
    bad_rows = [
        "INSERT INTO ketdir_referral (id, logged_at, district, channel) VALUES ('r1', '2026-11-03', 'SE1 7TP', 'phone')",
        "INSERT INTO ketdir_referral (id, logged_at, district, channel) VALUES ('r2', '2026-11-03', 'se1', 'phone')",
        "INSERT INTO ketdir_referral (id, logged_at, channel) VALUES ('r3', '2026-11-03', 'Jo rang from home')",
        "INSERT INTO ketdir_referral (id, logged_at, channel, outcome) VALUES ('r4', '2026-11-03', 'phone', 'upset')",
    ]
    # PostgreSQL refuses a value longer than its column before any CHECK runs (a DataError, not an
    # IntegrityError); SQLite has no length limits, so there the CHECK constraints refuse it.
    too_long = {0, 2} if directory.engine.dialect.name == "postgresql" else set()
    for i, sql in enumerate(bad_rows):
        with pytest.raises(DataError if i in too_long else IntegrityError):
            with directory.engine.begin() as conn:
                conn.execute(text(sql))
    with directory.engine.begin() as conn:
        conn.execute(text("INSERT INTO ketdir_referral (id, logged_at, channel) VALUES ('ok', '2026-11-03', 'phone')"))
    for sql in ("INSERT INTO ketdir_referral_need (referral_id, need) VALUES ('ok', 'Jo Bloggs')",
                "INSERT INTO ketdir_referral_service (referral_id, service_id) VALUES ('ok', 'Jo Bloggs 07700 900123')"):
        with pytest.raises(IntegrityError):
            with directory.engine.begin() as conn:
                conn.execute(text(sql))


def test_what_is_stored(session):
    logged = log_referral(session, [CHEMLINE, DEMO, CHEMLINE], ["chemsex", "sexual-health"], "E1 6AN", "outreach",
                          "details-given", at=AT)
    session.commit()
    [r] = referrals(session)
    assert r == logged
    assert r.service_ids == tuple(sorted((CHEMLINE, DEMO))) and r.needs == ("chemsex", "sexual-health")
    assert (r.district, r.channel, r.outcome) == ("E1", "outreach", "details-given")
    assert log_referral(session, [BLADDER], [], None, "other", "unknown", at=AT).outcome is None
    assert delete_referral(session, r.id) and not delete_referral(session, r.id)


def test_export_and_merge_carry_only_the_anonymous_columns(session, tmp_path, template_db):
    import io

    from backends import copy_template

    from ketdir.store.engine import open_directory

    log_referral(session, [BLADDER], ["bladder-urology"], "SE1 7TP", "phone", "referred", at=AT)
    log_referral(session, [CHEMLINE], [], None, "other", at=AT + dt.timedelta(days=1))
    session.commit()
    out = io.StringIO()
    assert export_csv(session, out) == 2
    csv_text = out.getvalue()
    assert csv_text.splitlines()[0] == "id,logged_at,district,channel,outcome,services,needs"
    assert "SE1 7TP" not in csv_text and ",SE1,phone,referred," in csv_text

    with copy_template(template_db, tmp_path, "team") as team_db:
        other = open_directory(team_db)
        try:
            with other.session() as team, team.begin():
                report = import_csv(team, csv_text)
                assert (report.added, report.already_there, report.refused) == (2, 0, 0)
                assert import_csv(team, csv_text).already_there == 2, "merging twice adds nothing"
                bad = csv_text + "x1,2026-11-05 10:00,Jo Bloggs,phone,,,\nx2,2026-11-05 10:00,,gossip,,,\n"
                report = import_csv(team, bad)  # ids that are not UUIDs, a name as the district: refused
                assert report.added == 0 and report.refused == 2, report
                assert team.get(ReferralLog, "x1") is None
            with pytest.raises(ReferralError):
                with other.session() as team:
                    import_csv(team, "name,phone\nJo,07700 900123\n")
        finally:
            other.close()
