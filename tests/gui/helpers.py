"""What a person sees in the window, read through the model's roles and the widgets' texts."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from ketdir.gui.results_model import HIT, Role


def settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.settled, timeout=5000)


def rows(window, role=Role.Name) -> list:
    model = window.model
    return [model.index(r, 0).data(role) for r in range(model.rowCount()) if model.index(r, 0).data(Role.Kind) == HIT]


def names(window) -> list[str]:
    return rows(window, Role.Name)


def headers(window) -> list[str]:
    model = window.model
    return [model.index(r, 0).data(Role.HeaderText) for r in range(model.rowCount())
            if model.index(r, 0).data(Role.Kind) != HIT]


def selected_name(window) -> str | None:
    index = window.results_view.currentIndex()
    return index.data(Role.Name) if index.isValid() else None


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def tick_need(qtbot, window, code: str) -> None:
    """Tick a need type the way a keyboard user does: move to it and press Space."""
    view = window.need_list.view
    view.setFocus()
    row = window.need_list.model.row_of(code)
    view.setCurrentIndex(window.need_list.model.index(row))
    qtbot.keyClick(view, Qt.Key.Key_Space)


def choose_result(qtbot, window, steps: int = 1):
    """Press Down `steps` times in the search field (nothing is selected until a person selects), and wait for
    the chosen service's details. Returns them."""
    window.search_edit.setFocus()
    for _ in range(steps):
        qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    settle(qtbot, window)
    detail = window.current_detail()
    assert detail is not None and detail.name == selected_name(window)
    return detail


def keyboard_holder(qtbot):
    """What gets the next key: an open completion list, else the focused widget. When a dialog has closed, a
    desktop's window manager gives the keyboard back to the window under it; the offscreen platform has none,
    so this does what it would."""
    if QApplication.activePopupWidget() is None and QApplication.focusWidget() is None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
        if windows:
            windows[-1].activateWindow()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
    target = QApplication.activePopupWidget() or QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard"
    return target


def press(qtbot, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """One key, to whatever has the keyboard."""
    qtbot.keyClick(keyboard_holder(qtbot), key, modifiers)


def type_text(qtbot, text: str) -> None:
    for ch in text:
        qtbot.keyClicks(keyboard_holder(qtbot), ch)
