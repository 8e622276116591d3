"""A fresh small directory and a real main window per test, with a fixed clock."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from servicedb import NOW, build_db  # noqa: E402


@pytest.fixture
def directory(tmp_path):
    directory = build_db(tmp_path / "t.db")
    yield directory
    directory.close()


@pytest.fixture
def make_window(qtbot, qapp):
    from ketdir.gui.app import apply_look
    from ketdir.gui.main_window import MainWindow

    apply_look(qapp, "light")
    windows = []

    def make(directory, now=NOW):
        window = MainWindow(directory)
        window.counts_pause_ms = 0  # need-type counts right after the results, so tests need not wait
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        window.set_clock(lambda: now)
        qtbot.waitUntil(lambda: window.settled, timeout=5000)
        return window

    yield make
    for window in windows:
        window.shutdown()


@pytest.fixture(autouse=True)
def no_windows_left_open(qapp):
    """Windows and dialogs a test left open (one that failed half way) would take the next test's keys."""
    yield
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.hide()


@pytest.fixture
def window(make_window, directory):
    return make_window(directory)
