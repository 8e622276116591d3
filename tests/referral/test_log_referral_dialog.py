"""Logging a referral from the window: prefilled, Enter logs it, and only the district is kept."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from referral_data import BLADDER, CHEMLINE, NOW
from ketdir.gui.log_referral_dialog import LOG_REFERRAL_SHORTCUT, LogReferralDialog
from ketdir.referral.log import referrals


@pytest.fixture
def directory(sqlite_directory):
    """The window tests run on a SQLite file (the directory logic is tested on both backends elsewhere)."""
    return sqlite_directory


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make(qtbot, directory, settings, **kwargs):
    dialog = LogReferralDialog(directory, kwargs.pop("services", [BLADDER]), settings=settings,
                               clock=lambda: NOW, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.is_ready)  # the services are read off the UI thread
    return dialog


def test_prefilled_and_enter_logs_it(qtbot, directory, settings):
    dialog = make(qtbot, directory, settings, needs=["bladder-urology"], place="se1 7tp")
    assert dialog.chosen_services() == [BLADDER]
    assert dialog.chosen_needs() == ["bladder-urology"]
    assert dialog.district.text() == "SE1", "a full postcode is never even shown back"
    assert dialog.chosen_channel() == "phone" and dialog.chosen_outcome() is None
    with qtbot.waitSignal(dialog.logged) as logged:
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert logged.args[0] == "Referral logged (1 service in SE1). Thank you."
    with directory.session() as session:
        [r] = referrals(session)
    assert (r.service_ids, r.needs, r.district, r.channel) == ((BLADDER,), ("bladder-urology",), "SE1", "phone")
    assert r.logged_at.hour == 10 and r.logged_at.minute == 0
    assert LOG_REFERRAL_SHORTCUT == "Ctrl+Shift+R"


def test_typed_district_is_reduced_and_the_channel_remembered(qtbot, directory, settings):
    dialog = make(qtbot, directory, settings, services=[BLADDER, CHEMLINE])
    assert dialog.chosen_needs() == [], "two services with several needs: the worker ticks what applied"
    dialog.district.setText("E1 6AN")
    assert dialog.district_note.text() == "Only the district is stored: E1"
    dialog.district.setText("Jo's flat")
    assert "nothing will be stored" in dialog.district_note.text()
    dialog.district.setText("E1 6AN")
    dialog.channel_buttons["outreach"].setChecked(True)
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("referred"))
    with qtbot.waitSignal(dialog.logged):
        dialog.ok_button.click()
    assert dialog.result_referral.district == "E1" and dialog.result_referral.outcome == "referred"
    assert dialog.result() == dialog.DialogCode.Accepted
    again = make(qtbot, directory, settings)
    assert again.chosen_channel() == "outreach"


def test_nothing_chosen_is_explained_not_logged(qtbot, directory, settings):
    dialog = make(qtbot, directory, settings)
    assert dialog.chosen_needs() == ["bladder-urology"], "one service with one need type: that need"
    dialog.services.item(0).setCheckState(Qt.CheckState.Unchecked)
    for i in range(dialog.needs.count()):
        dialog.needs.item(i).setCheckState(Qt.CheckState.Unchecked)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "at least one service or need type" in dialog.error.text()
    assert dialog.result_referral is None and dialog.isVisible() and dialog.ok_button.isEnabled()


def test_the_dialog_has_no_place_for_free_text(qtbot, directory, settings):
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit

    dialog = make(qtbot, directory, settings)
    edits = dialog.findChildren(QLineEdit)
    assert [e.accessibleName() for e in edits if e.isVisible() and not e.parent().inherits("QComboBox")] == [
        "Postcode district"]
    assert not dialog.findChildren(QTextEdit) and not dialog.findChildren(QPlainTextEdit)
