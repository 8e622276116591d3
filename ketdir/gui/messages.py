"""The one place the window turns problems and finished jobs into messages for people.

Boxes open window-modal with `open()`, not `exec()`: the window keeps painting, and tests can read and
close them like a person would.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from ketdir.problems import Cancelled, KetdirProblem


def problem_text(problem: KetdirProblem | BaseException | str) -> str:
    return problem if isinstance(problem, str) else str(problem)


def show_problem(parent: QWidget | None, problem: KetdirProblem | str, title: str | None = None) -> QMessageBox | None:
    """A warning box with the problem's message (nothing for a job the person stopped). Returns the box."""
    if isinstance(problem, Cancelled):
        return None
    heading = title or (problem.title if isinstance(problem, KetdirProblem) else "Something went wrong")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(heading)
    box.setText(heading)
    box.setInformativeText(problem_text(problem))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAccessibleName(heading)
    box.setObjectName("problemBox")
    box.open()
    return box


def open_folder(path: Path) -> bool:
    """Show the folder holding `path` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve().parent)))


def show_saved(parent: QWidget | None, path: Path, what: str) -> QMessageBox:
    """Say where a file went ("The slip was saved to …"), with a button that opens its folder."""
    path = Path(path).resolve()
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(f"{what} saved")
    box.setText(f"{what} saved to {path.name}")
    box.setInformativeText(f"Folder: {path.parent}")
    box.setAccessibleName(f"{what} saved")
    box.setObjectName("savedBox")
    show = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    show.clicked.connect(lambda: open_folder(path))
    box.open()
    return box
