"""Retention: entries older than N months are deleted on start, and the window is told how many."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import func, select

from referral_data import BLADDER, NOW
from ketdir.gui.retention import (
    RetentionDialog,
    apply_retention_on_start,
    retention_months,
    set_retention_months,
)
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


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_applied_on_start_with_the_count_shown(sqlite_directory, settings, qapp):
    directory = sqlite_directory
    with directory.session() as session:
        fill(session)
    assert retention_months(settings) == 0
    assert apply_retention_on_start(directory, settings, now=NOW) is None, "off by default: nothing deleted"
    set_retention_months(settings, 12)
    message = apply_retention_on_start(directory, settings, now=NOW)
    assert message.startswith("Deleted 2 referral-log entries older than 12 months")
    assert apply_retention_on_start(directory, settings, now=NOW) is None
    settings.setValue("referral/retention_months", "rubbish")
    assert retention_months(settings) == 0


def test_the_setting_dialog(settings, qtbot):
    dialog = RetentionDialog(settings)
    qtbot.addWidget(dialog)
    dialog.months.setValue(24)
    dialog.accept()
    assert retention_months(settings) == 24
