"""Start the window: QApplication, the look, the database (with a message if it cannot be opened)."""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QTimer, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

from typing import TYPE_CHECKING

from ketdir.gui import theme

if TYPE_CHECKING:
    from ketdir.app import Directory
    from ketdir.problems import KetdirProblem

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


def run(db: str | None = None) -> int:
    """Open the window on `db` (path or URL; default the bundled resources.db) and run until closed.

    The window shows first; the database (and SQLAlchemy, the search engine) open right after, on the window's
    worker, so people see the window at once. A database that cannot be opened is a message (what happened,
    what to do); closing it ends ketdir with exit code 2.
    """
    app = application()
    from ketdir.gui.main_window import MainWindow  # after the app exists: widgets need it
    from ketdir.gui.messages import show_problem

    window = MainWindow(None)
    window.show()
    window.activateWindow()
    opened: list[Directory] = []

    def opened_directory(directory: Directory) -> None:
        opened.append(directory)
        window.attach(directory)
        window.start()
        if directory.notice:  # e.g. upgraded to a new schema, with where the copy from before went
            window.statusBar().showMessage(directory.notice, 60000)

    def cannot_open(problem: KetdirProblem) -> None:
        window.count_label.setText("The directory could not be opened.")
        box = show_problem(window, problem, title="ketdir cannot open the directory")
        box.finished.connect(lambda _result: app.exit(2))

    def open_database() -> None:
        from ketdir.app import open_directory

        window.worker.run(open_directory, db, on_result=opened_directory, on_problem=cannot_open)

    QTimer.singleShot(0, open_database)
    try:
        return app.exec()
    finally:
        window.shutdown()
        window.hide()  # not close(): that would post another quit to the application
        window.deleteLater()
        for directory in opened:
            directory.close()
