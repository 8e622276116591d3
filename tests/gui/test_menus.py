"""The menu bar's work, driven with the keyboard: shortlist, slip, QR, referral log, harm library, editing."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from helpers import choose_result, press, selected_name, settle


def _dialogs(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_ctrl_d_adds_the_selected_service_to_the_shortlist(qtbot, window):
    settle(qtbot, window)
    assert selected_name(window) is None  # nothing is selected until the person selects
    detail = choose_result(qtbot, window)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    panel = window.menus.shortlist
    assert window.menus.shortlist_dock.isVisible()
    assert panel.shortlist.ids == [detail.id]


def test_slip_qr_and_log_referral_open_for_the_selected_service(qtbot, window):
    from ketdir.gui.log_referral_dialog import LogReferralDialog
    from ketdir.gui.qr_dialog import QrDialog
    from ketdir.gui.slip_dialog import SlipDialog

    settle(qtbot, window)
    detail = choose_result(qtbot, window, steps=2)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    slips = _dialogs(SlipDialog)
    assert slips and slips[0].details[0].id == detail.id
    slips[0].close()  # back to the window (its shortcuts work while it is the active window)
    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qrs = _dialogs(QrDialog)
    assert qrs
    qrs[0].close()
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    logs = _dialogs(LogReferralDialog)
    qtbot.waitUntil(lambda: logs and logs[0].is_ready)  # its services are read off the UI thread
    assert logs[0].chosen_services() == [detail.id]
    for dialog in _dialogs(QDialog):
        dialog.close()


def test_edit_opens_the_editor_on_the_selected_service(qtbot, window):
    from ketdir.gui.service_editor import ServiceEditor

    settle(qtbot, window)
    detail = choose_result(qtbot, window)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_dialogs(ServiceEditor)) == 1, timeout=5000)  # read off the UI thread first
    editors = _dialogs(ServiceEditor)
    assert editors[0].name.text() == detail.name
    for dialog in editors:
        dialog.close()


def test_about_credits_the_data_sources(qtbot, window):
    window.menus.about()
    (box,) = [w for w in QApplication.topLevelWidgets() if w.objectName() == "aboutBox" and w.isVisible()]
    assert "GeoNames, CC BY 4.0" in box.text() and "Open Government Licence" in box.text()
    assert "Demo — not a real service" in box.text()
    box.close()


def test_menu_bar_lists_the_work(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "Se&arch", "&Service", "&View", "&Referrals", "&Help"]


def test_ctrl_h_opens_the_harm_library_for_the_current_needs(qtbot, window):
    from ketdir.gui.harm_library import HarmLibraryDialog

    settle(qtbot, window)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialogs = _dialogs(HarmLibraryDialog)
    assert len(dialogs) == 1 and dialogs[0].visible_topics()
    dialogs[0].close()
