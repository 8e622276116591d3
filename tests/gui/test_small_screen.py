"""200 % text on a 1366×768 laptop (the tests' screen: tests/offscreen-laptop.json), as KETDIR_FONT_SCALE=2 sets
it: every column stays readable, the window and every dialog fit the screen."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from helpers import choose_result, press
from pytestqt.exceptions import TimeoutError

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def large_text(qapp, monkeypatch):
    original = QFont(qapp.font())
    monkeypatch.setenv("KETDIR_FONT_SCALE", "2")  # read by apply_look when the window is made
    yield
    qapp.setFont(original)


def windows_on_screen() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()
            and w.windowType() != Qt.WindowType.Popup]


def assert_fits(widget: QWidget) -> None:
    screen = widget.screen().availableGeometry()
    frame = widget.frameGeometry()
    assert screen.contains(frame), f"{widget.windowTitle() or type(widget).__name__}: {frame} is not within {screen}"


def assert_columns_readable(window) -> None:
    chars = window.fontMetrics().averageCharWidth()
    assert window.results_view.width() >= 38 * chars  # about 40 characters, less the scroll bar
    assert window.need_list.view.width() >= 16 * chars
    assert window.detail_pane.width() >= 36 * chars and window.detail_pane.isVisible()
    assert window.harm_pane.width() >= 30 * chars and window.harm_pane.isVisible()
    assert window.search_edit.width() >= 30 * chars and window.place_bar.place_edit.width() >= 16 * chars
    for button in (window.detail_pane.copy_button, window.detail_pane.call_button, window.detail_pane.web_button):
        assert button.width() >= button.sizeHint().width(), button.text()  # never cut off


def test_at_200_percent_on_a_laptop_every_column_is_readable_and_everything_fits(qtbot, large_text, make_window,
                                                                               directory, qapp):
    window = make_window(directory)
    assert window.screen().availableGeometry().size() == QSize(1366, 768)
    assert window.font().pointSizeF() >= 2 * 8  # the application's text is doubled
    assert_fits(window)
    assert_columns_readable(window)

    choose_result(qtbot, window)
    press(qtbot, Qt.Key.Key_D, CTRL)  # the shortlist opens beside or below the columns
    qtbot.waitUntil(lambda: window.menus.shortlist_dock.isVisible(), timeout=3000)
    qtbot.wait(50)
    assert_fits(window)
    assert_columns_readable(window)
    assert window.rect().contains(window.menus.shortlist_dock.geometry())

    # every window the keys open fits the screen too
    keys = [(Qt.Key.Key_F1, 0), (Qt.Key.Key_T, CTRL), (Qt.Key.Key_P, CTRL), (Qt.Key.Key_Q, CTRL | SHIFT),
            (Qt.Key.Key_R, CTRL | SHIFT), (Qt.Key.Key_E, CTRL), (Qt.Key.Key_H, CTRL), (Qt.Key.Key_H, CTRL | SHIFT),
            (Qt.Key.Key_I, CTRL)]
    menu_only = ["Add a service…", "Change history…", "Statistics…", "Keep the log for…", "About ketdir"]
    opened = []

    def one_new_window(before: set) -> QWidget:
        try:
            qtbot.waitUntil(lambda: len(set(windows_on_screen()) - before) == 1, timeout=5000)
        except TimeoutError:
            new = [w.windowTitle() for w in set(windows_on_screen()) - before]
            raise AssertionError(f"after {opened}: expected one new window, found {new}") from None
        (dialog,) = set(windows_on_screen()) - before
        opened.append(dialog.windowTitle())
        return dialog

    for key, modifiers in keys:
        before = set(windows_on_screen())
        press(qtbot, key, Qt.KeyboardModifier(modifiers))
        dialog = one_new_window(before)
        assert_fits(dialog)
        dialog.close()
    actions = {a.text().replace("&", ""): a for a in window.findChildren(type(window.actions_.keys_help))}
    for text in menu_only:
        before = set(windows_on_screen())
        actions[text].trigger()
        dialog = one_new_window(before)
        assert_fits(dialog)
        dialog.close()
    assert len(opened) == len(keys) + len(menu_only)
