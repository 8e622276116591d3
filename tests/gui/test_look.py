"""Dark palette, 200% fonts, and the real bundled directory (one smoke test)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QPalette

from helpers import choose_result, names, settle, type_into
from ketdir.gui import theme
from ketdir.paths import bundled_db


def test_dark_palette_and_colours(qapp, make_window, directory):
    from ketdir.gui.app import apply_look

    window = make_window(directory)
    apply_look(qapp, "dark")
    try:
        assert theme.is_dark()
        c = theme.colours()
        assert c.open_fg.lightness() > c.open_bg.lightness()  # light text on dark chips
        window.repaint()
        image = window.grab().toImage()
        assert image.pixelColor(5, image.height() // 2).lightness() < 100
        assert window.palette().color(QPalette.ColorRole.Base).lightness() < 60
    finally:
        apply_look(qapp, "light")


def test_the_window_works_at_200_percent_font(qapp, qtbot, make_window, directory):
    font = QFont(qapp.font())
    original = QFont(font)
    font.setPointSizeF(font.pointSizeF() * 2)
    qapp.setFont(font)
    try:
        window = make_window(directory)
        type_into(qtbot, window.search_edit, "bladder")
        settle(qtbot, window)
        view = window.results_view
        first = window.model.index(window.model.first_hit_row(), 0)
        assert view.visualRect(first).height() > 4 * window.fontMetrics().height()
        assert window.search_edit.height() >= window.search_edit.fontMetrics().height()
    finally:
        qapp.setFont(original)


@pytest.mark.skipif(not Path(bundled_db()).exists(), reason="resources.db is not built yet (ketdir build-db)")
def test_smoke_on_the_bundled_directory(qtbot, make_window):
    from ketdir.store.engine import open_directory

    directory = open_directory(bundled_db())
    try:
        window = make_window(directory)
        assert len(names(window)) > 0
        type_into(qtbot, window.search_edit, "ket bladder")
        settle(qtbot, window)
        assert "ketamine" in window.readings_bar.text()
        assert names(window)
        assert choose_result(qtbot, window).name == names(window)[0]
    finally:
        directory.close()
