"""Retention: entries older than N months are deleted on start, and the window is told how many. The period is
kept in the directory (both backends); an older version's per-computer setting moves into it once."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import func, select

from referral_data import BLADDER, NOW
from ketdir.app import referrals as app_referrals
from ketdir.gui.retention import LEGACY_SETTINGS_KEY, RetentionDialog, apply_on_start
from ketdir.problems import BadInput
from ketdir.referral.log import log_referral
from ketdir.referral.retention import apply_retention, months_before
from ketdir.store.models import ReferralLog, ReferralNeed, ReferralService


def fill(session):
    for at in (dt.datetime(2024, 1, 10, 9), dt.datetime(2025, 11, 2, 9), dt.datetime(2025, 11, 3, 11),
               dt.datetime(2026, 10, 1, 9)):
        log_referral(session, [BLADDER], ["bladder-urology"], "SE1", "phone", at=at)
    session.commit()


def count(session, model=ReferralLog):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_months_before_handles_short_months():
    assert months_before(dt.datetime(2026, 3, 31, 12), 1) == dt.datetime(2026, 2, 28, 12)
    assert months_before(dt.datetime(2026, 1, 15), 12) == dt.datetime(2025, 1, 15)


def test_old_entries_and_their_links_are_deleted(session):
    fill(session)
    now = dt.datetime(2026, 11, 3, 10, 30)
    assert apply_retention(session, 0, now) == 0, "0 keeps everything"
    assert apply_retention(session, 12, now) == 2  # 2024-01-10 and 2025-11-02; 2025-11-03 11:00 is kept
    session.commit()
    assert count(session) == 2 and count(session, ReferralService) == 2 and count(session, ReferralNeed) == 2
    assert apply_retention(session, 12, now) == 0
    with pytest.raises(ValueError):
        apply_retention(session, -1, now)


def test_the_period_is_kept_in_the_directory_and_applied(directory, session):
    fill(session)
    assert app_referrals.retention_period(directory) == 0, "keep everything until someone chooses"
    assert app_referrals.apply_retention(directory, NOW) == app_referrals.RetentionDone(0, 0)
    assert count(session) == 4
    assert app_referrals.set_retention_period(directory, 12) == 12
    assert app_referrals.retention_period(directory) == 12
    done = app_referrals.apply_retention(directory, NOW)
    assert done.deleted == 2 and done.message().startswith("Deleted 2 referral-log entries older than 12 months")
    session.expire_all()
    assert count(session) == 2 and count(session, ReferralService) == 2
    assert app_referrals.apply_retention(directory, NOW).message() is None
    for wrong in (-1, 241, "twelve"):
        with pytest.raises(BadInput, match="0 \\(everything\\) to 240 months"):
            app_referrals.set_retention_period(directory, wrong)
    assert app_referrals.retention_period(directory) == 12


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_an_older_versions_setting_moves_into_the_directory_once(sqlite_directory, settings, qtbot, qapp):
    directory = sqlite_directory
    with directory.session() as session:
        fill(session)
    settings.setValue(LEGACY_SETTINGS_KEY, 12)
    messages = []
    job = apply_on_start(qapp, directory, settings, messages.append, now=NOW)
    qtbot.waitUntil(lambda: not job.running)
    assert messages and messages[0].startswith("Deleted 2 referral-log entries older than 12 months")
    assert app_referrals.retention_period(directory) == 12
    assert settings.value(LEGACY_SETTINGS_KEY) is None, "moved, not kept in two places"
    job = apply_on_start(qapp, directory, settings, messages.append, now=NOW)
    qtbot.waitUntil(lambda: not job.running)
    assert len(messages) == 1, "nothing more to delete: nothing said"


def test_the_dialog_reads_and_saves_the_directorys_period(sqlite_directory, qtbot):
    dialog = RetentionDialog(sqlite_directory)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.months.isEnabled())
    assert dialog.months.value() == 0 and dialog.months.text() == "Keep everything"
    dialog.months.setValue(24)
    with qtbot.waitSignal(dialog.changed) as changed:
        qtbot.keyClick(dialog.months, Qt.Key.Key_Return)
    assert changed.args[0].startswith("The referral log is kept for 24 months")
    assert app_referrals.retention_period(sqlite_directory) == 24 and not dialog.isVisible()
