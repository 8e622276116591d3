"""The menu bar's work, driven with the keyboard: shortlist, slip, QR, referral log, harm library, editing."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
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
    assert "GeoNames, CC BY 4.0" in box.texts() and "Open Government Licence" in box.texts()
    assert "Demo — not a real service" in box.texts()
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


def test_every_shortcut_is_in_a_menu_with_its_keys_and_mnemonics_are_unique(window):
    in_menus = {}
    for top in window.menuBar().actions():
        items = [a for a in top.menu().actions() if not a.isSeparator()]
        keys = [a.text()[a.text().index("&") + 1].lower() for a in items if "&" in a.text()]
        assert len(keys) == len(set(keys)), f"{top.text()}: {keys}"  # one letter per item, so Alt+letter works
        in_menus.update({a: top.text() for a in items})
    shortcuts = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty() and a.parent() is window]
    assert shortcuts and [a.text() for a in shortcuts if a not in in_menus] == []
    copy = next(a for a in in_menus if a.text() == "&Copy referral")
    assert in_menus[copy] == "&Service" and copy.shortcut().toString() == "Ctrl+Shift+C"


def test_the_window_title_names_ketdir_once(window):
    # the window system adds " — ketdir", the display name ketdir.gui.app gives the application
    assert window.windowTitle() == "Support services directory"


def test_shortcuts_work_whatever_has_focus(qtbot, window):
    from ketdir.gui.service_editor import ServiceEditor

    detail = choose_result(qtbot, window)
    places = [window.search_edit, window.place_bar.place_edit, window.results_view, window.need_list.view,
              window.detail_pane.browser, window.harm_pane.browser, window.place_bar.radius_combo]
    for widget in places:
        widget.setFocus()
        press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(_dialogs(ServiceEditor)) == 1, timeout=5000)
        (editor,) = _dialogs(ServiceEditor)
        assert editor.name.text() == detail.name, type(widget).__name__
        editor.close()
        window.activateWindow()
        widget.setFocus()
        press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.search_edit.hasFocus(), type(widget).__name__
