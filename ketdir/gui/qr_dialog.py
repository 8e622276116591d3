"""Show a service's contact QR code large on screen, for the person to scan from the laptop.

The code is painted module by module (crisp at any size, black on white even in the dark theme) and
scales with the window; the service's name and number are written under it. With several services
(the shortlist), ← / → or Page Up / Page Down step through them.
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPainterPath, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketdir.referral.qr import QUIET_ZONE, QrCode, service_qr
from ketdir.referral.text import UNVERIFIED
from ketdir.store.detail import ServiceDetail


def qr_path(qr: QrCode, rect: QRectF, *, snap: bool = False) -> tuple[QPainterPath, QRectF]:
    """The dark modules of `qr` as one path filling `rect` (square, quiet zone included), and the
    square actually used. With snap, modules are whole device pixels (sharp on screen)."""
    total = qr.size + 2 * QUIET_ZONE
    side = min(rect.width(), rect.height())
    module = side / total
    if snap and module >= 1:
        module = float(int(module))
    side = module * total
    square = QRectF(rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side)
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    ox = square.x() + QUIET_ZONE * module
    oy = square.y() + QUIET_ZONE * module
    for r, row in enumerate(qr.matrix):
        c = 0
        n = len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.addRect(QRectF(ox + start * module, oy + r * module, (c - start) * module, module))
            else:
                c += 1
    return path, square


def paint_qr(painter: QPainter, qr: QrCode, rect: QRectF, *, snap: bool = False) -> QRectF:
    """Paint the code (white quiet zone, black modules) centred in `rect`; return the square used."""
    path, square = qr_path(qr, rect, snap=snap)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.fillRect(square, QColor("#ffffff"))
    painter.setBrush(QColor("#000000"))
    painter.drawPath(path)
    painter.restore()
    return square


class QrWidget(QWidget):
    """A QR code that fills the widget, keeping it square."""

    def __init__(self, qr: QrCode | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._qr = qr
        self.setMinimumSize(QSize(160, 160))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("QR code")

    def set_qr(self, qr: QrCode | None) -> None:
        self._qr = qr
        self.update()

    def qr(self) -> QrCode | None:
        return self._qr

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        if self._qr is not None:
            paint_qr(painter, self._qr, QRectF(self.rect()), snap=True)
        painter.end()


class QrDialog(QDialog):
    """The contact QR of one service, or of each service on the shortlist in turn."""

    def __init__(self, details: Sequence[ServiceDetail] | ServiceDetail, parent: QWidget | None = None,
                 index: int = 0) -> None:
        super().__init__(parent)
        self.details = [details] if isinstance(details, ServiceDetail) else list(details)
        if not self.details:
            raise ValueError("QrDialog needs at least one service")
        self.index = max(0, min(index, len(self.details) - 1))
        self.setWindowTitle("Scan to save the contact")
        self.resize(560, 700)

        self.qr_widget = QrWidget()
        self.name_label = QLabel()
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name_label.setWordWrap(True)
        self.name_label.setObjectName("qrName")
        self.phone_label = QLabel()
        self.phone_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phone_label.setWordWrap(True)
        self.phone_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unverified_label = QLabel()
        self.unverified_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unverified_label.setWordWrap(True)
        self.unverified_label.setStyleSheet("font-weight: bold;")
        self.demo_label = QLabel("DEMO — not a real service. Training record: do not send anyone here.")
        self.demo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_label.setWordWrap(True)
        self.demo_label.setStyleSheet("color: white; background: #b00020; font-weight: bold; padding: 4px;")
        self.hint_label = QLabel("Point the phone's camera at the code: it offers to save the contact or call. "
                                 "No signal needed.")
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setWordWrap(True)
        for label, scale in ((self.name_label, 1.5), (self.phone_label, 1.8)):
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * scale)
            font.setBold(True)
            label.setFont(font)

        self.prev_button = QPushButton("← Previous")
        self.next_button = QPushButton("Next →")
        self.position_label = QLabel()
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addStretch(1)
        nav.addWidget(self.position_label)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        for key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            QShortcut(QKeySequence(key), self, activated=lambda: self.step(-1))
        for key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
            QShortcut(QKeySequence(key), self, activated=lambda: self.step(1))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.qr_widget, 1)
        layout.addWidget(self.name_label)
        layout.addWidget(self.phone_label)
        layout.addWidget(self.unverified_label)
        layout.addWidget(self.demo_label)
        layout.addWidget(self.hint_label)
        layout.addLayout(nav)
        layout.addWidget(buttons)
        self._show_current()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name; when no shortcut took the key
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            self.step(-1)
        elif event.key() in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
            self.step(1)
        else:
            super().keyPressEvent(event)

    @property
    def detail(self) -> ServiceDetail:
        return self.details[self.index]

    def step(self, offset: int) -> None:
        new = max(0, min(len(self.details) - 1, self.index + offset))
        if new != self.index:
            self.index = new
            self._show_current()

    def _show_current(self) -> None:
        detail = self.detail
        self.qr_widget.set_qr(service_qr(detail))
        self.name_label.setText(detail.name)
        self.phone_label.setText("\n".join(p.number for p in detail.phones) or "No phone listed")
        unverified = [p.number for p in detail.phones if not p.verified]
        self.unverified_label.setText(
            f"{', '.join(unverified)}: {UNVERIFIED}" if len(detail.phones) > 1 else UNVERIFIED.capitalize()
        )
        self.unverified_label.setVisible(bool(unverified))
        self.demo_label.setVisible(detail.is_demo)
        many = len(self.details) > 1
        for widget in (self.prev_button, self.next_button, self.position_label):
            widget.setVisible(many)
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.details) - 1)
        self.position_label.setText(f"{self.index + 1} of {len(self.details)}")
        self.qr_widget.setAccessibleDescription(f"QR code with the contact details of {detail.name}")
        self.setWindowTitle(f"Scan to save the contact — {detail.name}")
