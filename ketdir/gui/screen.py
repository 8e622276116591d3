"""Windows that fit the screen they open on: a 1366×768 laptop at 200 % text is a real outreach laptop."""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME = 40  # room for the window manager's title bar and borders


def available(widget: QWidget | None = None) -> QRect:
    screen = (widget.screen() if widget is not None else None) or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(widget: QWidget, wanted: QSize | None = None) -> None:
    """Resize `widget` to `wanted` (default: its current size), no larger than its screen, and keep it on it."""
    area = available(widget)
    size = wanted or widget.size()
    width = min(size.width(), area.width() - FRAME // 2)
    height = min(size.height(), area.height() - FRAME)
    widget.resize(max(width, 200), max(height, 150))
    if widget.isWindow():
        x = min(max(widget.x(), area.left()), area.right() - widget.width())
        y = min(max(widget.y(), area.top()), area.bottom() - widget.height() - FRAME // 2)
        widget.move(max(x, area.left()), max(y, area.top()))
