"""ketdir.app.referrals on both backends: what the window and `ketdir stats` call. Each function owns its
transaction; a database that refuses writes gives a message and changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from referral_data import BLADDER, CHEMLINE, DEMO, NOW, TODAY
from ketdir.app import referrals
from ketdir.problems import BadInput, KetdirProblem, Unavailable
from ketdir.referral.log import ReferralError
from tests.backends import refuse_writes
from tests.db_faults import write_locked


def test_log_a_referral_in_its_own_transaction(directory):
    logged = referrals.log_referral(directory, [BLADDER], ["bladder-urology"], "SE1 7TP", "phone", "referred", NOW)
    assert (logged.service_ids, logged.needs, logged.district, logged.outcome) == (
        (BLADDER,), ("bladder-urology",), "SE1", "referred")
    assert logged.logged_at == dt.datetime(2026, 11, 3, 10)
    stats = referrals.referral_stats(directory, "service", TODAY, TODAY)
    assert [(r.label, r.count) for r in stats.rows] == [("Riverside Bladder Clinic", 1)]


def test_a_referral_the_log_cannot_hold_is_bad_input_and_nothing_is_stored(directory):
    assert issubclass(ReferralError, BadInput)
    with pytest.raises(BadInput, match="at least one service or need type"):
        referrals.log_referral(directory, [], [], "SE1", "phone")
    with pytest.raises(BadInput, match="not a need type"):
        referrals.log_referral(directory, [BLADDER], ["Jo Bloggs 07700 900123"], None, "phone")
    assert referrals.referral_stats(directory, "need").referrals == 0


def test_a_read_only_database_is_a_message_and_nothing_changes(directory):
    referrals.log_referral(directory, [BLADDER], [], None, "phone", at=NOW)
    refuse_writes(directory)
    with pytest.raises(Unavailable, match="read-only.*nothing was changed"):
        referrals.log_referral(directory, [CHEMLINE], ["chemsex"], "E1", "phone", at=NOW)
    with pytest.raises(Unavailable, match="read-only"):
        referrals.set_retention_period(directory, 12)
    assert referrals.referral_stats(directory, "service").referrals == 1, "reading still works"
    assert referrals.retention_period(directory) == 0


def test_a_locked_file_is_a_message_and_nothing_changes(sqlite_directory):
    with write_locked(sqlite_directory):
        with pytest.raises(Unavailable, match="locked by another program.*Nothing was changed"):
            referrals.log_referral(sqlite_directory, [BLADDER], [], "SE1", "phone", at=NOW)
        assert referrals.referral_stats(sqlite_directory, "need").referrals == 0, "readers still read"
    referrals.log_referral(sqlite_directory, [BLADDER], [], "SE1", "phone", at=NOW)  # and it works once free
    assert referrals.referral_stats(sqlite_directory, "district").rows[0].key == "SE1"


def test_services_for_a_hand_over_in_order_with_the_missing_named(directory):
    read = referrals.read_services(directory, [CHEMLINE, "gone-since", BLADDER, CHEMLINE], TODAY)
    assert [d.name for d in read.details] == ["Chem Line", "Riverside Bladder Clinic"]
    assert read.missing == ("gone-since",)
    assert referrals.read_services(directory, []).details == ()


def test_statistics_their_period_and_the_first_day(directory):
    assert referrals.first_logged_day(directory) is None
    for at in (dt.datetime(2025, 6, 1, 9), dt.datetime(2026, 11, 2, 9)):
        referrals.log_referral(directory, [DEMO], ["harm-reduction"], "N1", "other", at=at)
    assert referrals.first_logged_day(directory) == dt.date(2025, 6, 1)
    assert [s.by for s in referrals.all_referral_stats(directory)] == ["need", "service", "district", "week"]
    assert referrals.referral_stats(directory, "district", dt.date(2026, 1, 1)).referrals == 1
    with pytest.raises(BadInput, match="starts .* after it ends"):
        referrals.referral_stats(directory, "need", dt.date(2026, 12, 1), dt.date(2026, 11, 1))
    with pytest.raises(BadInput, match="Count by one of"):
        referrals.referral_stats(directory, "name")


def test_the_stats_csv_says_where_it_went_and_neutralises_formulas(directory, tmp_path):
    from sqlalchemy import update

    from ketdir.store.models import Service

    with directory.session() as session, session.begin():
        session.execute(update(Service).where(Service.id == BLADDER).values(name='=HYPERLINK("http://x.example")'))
    referrals.log_referral(directory, [BLADDER], [], None, "phone", at=NOW)
    stats = referrals.referral_stats(directory, "service")
    out = tmp_path / "exports"
    out.mkdir()
    saved = referrals.save_stats_csv(stats, out / "by-service")
    assert saved.path == (out / "by-service.csv").resolve() and saved.rows == 1
    assert saved.path.read_text().splitlines()[1] == f'{BLADDER},"\'=HYPERLINK(""http://x.example"")",1'
    with pytest.raises(BadInput, match="does not exist.*nothing was written"):
        referrals.save_stats_csv(stats, out / "no-such-folder" / "x.csv")
    (out / "taken.csv").mkdir()
    with pytest.raises(Unavailable, match="Could not write"):
        referrals.save_stats_csv(stats, out / "taken.csv")
    assert sorted(p.name for p in out.iterdir()) == ["by-service.csv", "taken.csv"], "no half files"


def test_every_problem_is_one_of_the_family(directory):
    for call in (lambda: referrals.set_retention_period(directory, -3),
                 lambda: referrals.log_referral(directory, ["not an id!"], [], None, "phone")):
        with pytest.raises(KetdirProblem):
            call()
