"""Start the window: QApplication, the look, the database (with a dialog if it cannot be opened)."""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QTimer, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from typing import TYPE_CHECKING

from ketdir.gui import theme

if TYPE_CHECKING:
    from ketdir.store.engine import Directory

APP_NAME = "ketdir"


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, made once, with ketdir's style, palette and stylesheet."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("ketdir")
    apply_look(app)
    return app  # type: ignore[return-value]


def apply_look(app: QApplication, scheme: str | None = None) -> None:
    """Fusion style, light or dark palette (KETDIR_THEME=light|dark, else the system's), stylesheet."""
    app.setStyle("Fusion")
    scheme = (scheme or os.environ.get("KETDIR_THEME") or "auto").lower()
    if scheme == "auto":
        scheme = "dark" if QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"
    if scheme == "dark":
        app.setPalette(theme.dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
    scale = float(os.environ.get("KETDIR_FONT_SCALE", "1") or 1)
    if scale != 1:
        font = QFont(app.font())
        font.setPointSizeF(font.pointSizeF() * scale)
        app.setFont(font)
    app.setStyleSheet(theme.stylesheet())


def open_or_explain(db: str | None, parent: QWidget | None = None) -> Directory | None:
    """Open the database; on failure show what happened and what to do, and return None."""
    from ketdir.store.engine import DatabaseProblem, open_directory

    try:
        return open_directory(db)
    except DatabaseProblem as problem:
        show_problem(str(problem), parent)
        return None


def show_problem(message: str, parent: QWidget | None = None) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("ketdir cannot open the directory")
    box.setText("ketdir cannot open the directory")
    box.setInformativeText(message)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAccessibleName("Database problem")
    box.exec()


def run(db: str | None = None) -> int:
    """Open the window on `db` (path or URL; default the bundled resources.db) and run until closed.

    The window shows first; the database (and SQLAlchemy, the search engine) open right after, so
    people see the window at once. A database that cannot be opened gives a dialog and exit code 2.
    """
    app = application()
    from ketdir.gui.main_window import MainWindow  # after the app exists: widgets need it

    window = MainWindow(None)
    window.show()
    window.activateWindow()
    opened: list[Directory] = []

    def open_database() -> None:
        directory = open_or_explain(db, window)
        if directory is None:
            window.hide()  # hide, not close: closing the last window would also post a quit
            app.exit(2)
            return
        opened.append(directory)
        window.attach(directory)
        window.start()
        if directory.notice:  # e.g. upgraded to a new schema, with where the copy from before went
            window.statusBar().showMessage(directory.notice, 60000)

    QTimer.singleShot(0, open_database)
    try:
        return app.exec()
    finally:
        window.shutdown()
        for directory in opened:
            directory.close()
