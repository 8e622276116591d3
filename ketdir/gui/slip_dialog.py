"""Print or save the hand-over slip: lay out ketdir.referral.slip's blocks on A4 or A6 pages with Qt.

`SlipLayout` places the blocks (text by QTextDocument, QR codes painted as vector squares) on pages of
one paint device; `write_pdf`, `print_slip` and `page_images` use it for a PDF file, a printer and
pictures of the pages (the dialog's preview, docs/slip.png). `SlipDialog` is the window: page size,
harm information on/off, a preview, Print… and Save as PDF….
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPagedPaintDevice,
    QPainter,
    QPaintDevice,
    QPalette,
    QPen,
    QPixmap,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ketdir.gui.messages import show_problem, show_saved
from ketdir.gui.pdf import write_pdf_safely
from ketdir.gui.qr_dialog import paint_qr
from ketdir.problems import Unavailable
from ketdir.referral.slip import A4, A6, Slip, SlipOptions, build_slip
from ketdir.store.detail import ServiceDetail

PAGE_IDS = {A4: QPageSize.PageSizeId.A4, A6: QPageSize.PageSizeId.A6}
MARGIN_MM = {A4: 15.0, A6: 7.0}
QR_MM = {A4: 40.0, A6: 30.0}
GAP_MM = {A4: 5.0, A6: 3.0}
MM_PER_INCH = 25.4


def page_layout(slip: Slip) -> QPageLayout:
    margin = MARGIN_MM[slip.options.page]
    return QPageLayout(QPageSize(PAGE_IDS[slip.options.page]), QPageLayout.Orientation.Portrait,
                       QMarginsF(margin, margin, margin, margin), QPageLayout.Unit.Millimeter)


def _print_font(point_size: float) -> QFont:
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(point_size)
    return font


@dataclass
class _Placed:
    block: int  # index into the layout's blocks
    y: float  # top on the page, device pixels from the content area's top
    offset: float  # where in the block this slice starts (blocks taller than a page are sliced)
    height: float


class SlipLayout:
    """The slip's blocks placed on pages of `device` (resolution `dpi`), content area `content` (pixels)."""

    def __init__(self, slip: Slip, device: QPaintDevice, dpi: float, content: QRectF) -> None:
        self.slip = slip
        self.dpi = dpi
        self.content = QRectF(content)
        page = slip.options.page
        self.qr_side = self.mm(QR_MM[page])
        self.gap = self.mm(GAP_MM[page])
        width = content.width()
        self.text_pt = slip.text_font_pt

        self.header = self._doc(slip.header_html, width, device)
        self.footer_font = _print_font(self.text_pt - 1.5)
        metrics = QFontMetricsF(self.footer_font, device)
        self.page_text_width = metrics.horizontalAdvance("Page 88 of 88") + self.gap
        wrapped = metrics.boundingRect(QRectF(0, 0, width - self.page_text_width, 10_000),
                                       int(Qt.TextFlag.TextWordWrap), slip.footer)
        self.footer_text_height = wrapped.height()
        self.footer_height = self.footer_text_height + self.mm(2.5)

        self.docs: list[QTextDocument] = []
        self.more_docs: list[QTextDocument | None] = []
        self.caption_docs: list[QTextDocument | None] = []
        self.top_heights: list[float] = []
        self.heights: list[float] = []
        for block in slip.blocks:
            text_width = width - (self.qr_side + self.gap if block.qr else 0)
            doc = self._doc(block.html, text_width, device)
            self.docs.append(doc)
            top = doc.size().height()
            caption = None
            if block.qr is not None:
                caption = self._doc(
                    f'<p align="center" style="color:#444444">{block.qr_caption}</p>', self.qr_side, device,
                    point_size=self.text_pt - 2,
                )
                top = max(top, self.qr_side + caption.size().height())
            self.caption_docs.append(caption)
            self.top_heights.append(top)
            more = self._doc(block.more_html, width, device) if block.more_html else None
            self.more_docs.append(more)
            self.heights.append(top + (self.gap / 2 + more.size().height() if more is not None else 0))
        self.pages: list[list[_Placed]] = []
        self._paginate()

    # ---------------------------------------------------------------- units

    def mm(self, value: float) -> float:
        return value / MM_PER_INCH * self.dpi

    def pt(self, value: float) -> float:
        return value / 72.0 * self.dpi

    def _doc(self, html: str, width: float, device: QPaintDevice, point_size: float | None = None) -> QTextDocument:
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(device)
        doc.setDefaultFont(_print_font(point_size or self.text_pt))
        doc.setDocumentMargin(0)
        doc.setHtml(html)
        doc.setTextWidth(width)
        return doc

    # ---------------------------------------------------------------- pagination

    def _top(self, page_number: int) -> float:
        """Where blocks start on a page: under the header (first page; every page of A6 cards)."""
        if page_number == 0 or self.slip.options.page == A6:
            return self.header.size().height() + self.gap
        return 0.0

    @property
    def _bottom(self) -> float:
        return self.content.height() - self.footer_height - self.gap / 2

    def _paginate(self) -> None:
        self.pages = [[]]
        y = self._top(0)
        for i, block in enumerate(self.slip.blocks):
            height = self.heights[i]
            top = self._top(len(self.pages) - 1)
            if (block.new_page and self.pages[-1]) or (y + height > self._bottom and y > top + 0.5):
                self.pages.append([])
                y = self._top(len(self.pages) - 1)
            offset = 0.0
            while True:  # a block taller than a page goes on over the next pages
                available = self._bottom - y
                piece = min(available, height - offset)
                self.pages[-1].append(_Placed(i, y, offset, piece))
                offset += piece
                y += piece
                if offset >= height - 0.5:
                    break
                self.pages.append([])
                y = self._top(len(self.pages) - 1)
            y += self.gap

    @property
    def page_count(self) -> int:
        return len(self.pages)

    # ---------------------------------------------------------------- painting

    @staticmethod
    def _context() -> QAbstractTextDocumentLayout.PaintContext:
        ctx = QAbstractTextDocumentLayout.PaintContext()
        palette = QPalette()  # paper is white whatever the window's theme
        palette.setColor(QPalette.ColorRole.Text, QColor("#111111"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#111111"))
        ctx.palette = palette
        return ctx

    def _draw_doc(self, painter: QPainter, doc: QTextDocument, x: float, y: float) -> None:
        painter.save()
        painter.translate(x, y)
        doc.documentLayout().draw(painter, self._context())
        painter.restore()

    def _paint_block(self, painter: QPainter, i: int, x: float, y: float, offset: float, height: float) -> None:
        """Block i with its top at (x, y - offset), clipped to the slice [offset, offset + height]."""
        block = self.slip.blocks[i]
        painter.save()
        painter.setClipRect(QRectF(x, y, self.content.width(), height))
        top = y - offset
        self._draw_doc(painter, self.docs[i], x, top)
        if block.qr is not None:
            qr_rect = QRectF(x + self.content.width() - self.qr_side, top, self.qr_side, self.qr_side)
            paint_qr(painter, block.qr, qr_rect)
            caption = self.caption_docs[i]
            if caption is not None:
                self._draw_doc(painter, caption, qr_rect.x(), qr_rect.bottom())
        more = self.more_docs[i]
        if more is not None:
            self._draw_doc(painter, more, x, top + self.top_heights[i] + self.gap / 2)
        painter.restore()

    def paint_page(self, painter: QPainter, number: int) -> None:
        """Paint page `number` (0-based); the painter's origin is the content area's top-left."""
        left = self.content.x()
        top = self.content.y()
        width = self.content.width()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        if number == 0 or self.slip.options.page == A6:
            self._draw_doc(painter, self.header, left, top)
            rule_y = top + self.header.size().height() + self.gap / 2
            painter.setPen(QPen(QColor("#111111"), self.pt(0.8)))
            painter.drawLine(QPointF(left, rule_y), QPointF(left + width, rule_y))
        previous_service = False
        for placed in self.pages[number]:
            block = self.slip.blocks[placed.block]
            y = top + placed.y
            if block.kind == "service" and previous_service and placed.offset == 0:
                painter.setPen(QPen(QColor("#999999"), self.pt(0.5)))
                painter.drawLine(QPointF(left, y - self.gap / 2), QPointF(left + width, y - self.gap / 2))
            previous_service = block.kind == "service"
            self._paint_block(painter, placed.block, left, y, placed.offset, placed.height)
        # footer: urgent help on every page, and the page number
        footer_top = top + self.content.height() - self.footer_height
        painter.setPen(QPen(QColor("#111111"), self.pt(0.5)))
        painter.drawLine(QPointF(left, footer_top), QPointF(left + width, footer_top))
        painter.setFont(self.footer_font)
        text_top = footer_top + self.mm(1.5)
        if self.page_count > 1:
            painter.drawText(QRectF(left + width - self.page_text_width, text_top, self.page_text_width,
                                    self.footer_text_height),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                             f"Page {number + 1} of {self.page_count}")
        painter.drawText(QRectF(left, text_top, width - self.page_text_width, self.footer_text_height + 2),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                         self.slip.footer)
        painter.restore()


# -------------------------------------------------------------------- output


def paint_to_device(slip: Slip, device: QPagedPaintDevice) -> int:
    """Paint every page of the slip on a PDF writer or printer whose page layout is already set."""
    dpi = device.resolution()
    rect = QRectF(device.pageLayout().paintRectPixels(dpi))
    layout = SlipLayout(slip, device, dpi, QRectF(0, 0, rect.width(), rect.height()))
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("could not start painting on the printer or file")
    try:
        for number in range(layout.page_count):
            if number:
                device.newPage()
            layout.paint_page(painter, number)
    finally:
        painter.end()
    return layout.page_count


def write_pdf(slip: Slip, path: str | os.PathLike) -> int:
    """Save the slip as a PDF and return the number of pages (a failure leaves no half file; OSError says why)."""
    return write_pdf_safely(path, slip.title, page_layout(slip), lambda writer: paint_to_device(slip, writer))


def page_images(slip: Slip, dpi: float = 150) -> list[QImage]:
    """Each page as a white image at `dpi` (for the preview, and pictures of the slip)."""
    layout_spec = page_layout(slip)
    size_mm = layout_spec.pageSize().size(QPageSize.Unit.Millimeter)
    margin = MARGIN_MM[slip.options.page]
    px = lambda mm: mm / MM_PER_INCH * dpi  # noqa: E731
    width, height = round(px(size_mm.width())), round(px(size_mm.height()))
    probe = QImage(width, height, QImage.Format.Format_RGB32)
    dots_per_metre = round(dpi / 0.0254)
    probe.setDotsPerMeterX(dots_per_metre)
    probe.setDotsPerMeterY(dots_per_metre)
    content = QRectF(px(margin), px(margin), width - 2 * px(margin), height - 2 * px(margin))
    layout = SlipLayout(slip, probe, dpi, content)
    images = []
    for number in range(layout.page_count):
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        layout.paint_page(painter, number)
        painter.end()
        images.append(image)
    return images


def print_slip(slip: Slip, parent: QWidget | None = None) -> bool:
    """Show the print dialog and print; False if the person cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(page_layout(slip))
    printer.setDocName(slip.title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the slip")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    printer.setPageLayout(page_layout(slip))  # keep our page size and margins whatever the dialog did
    paint_to_device(slip, printer)
    return True


# -------------------------------------------------------------------- the dialog


class SlipDialog(QDialog):
    """Choose A4 or A6 and harm information, preview, then Print… or Save as PDF…."""

    saved = Signal(str)  # path of the PDF
    printed = Signal()

    def __init__(self, details: Sequence[ServiceDetail], today: dt.date, parent: QWidget | None = None,
                 needs: Sequence[str] | None = None, library=None) -> None:
        super().__init__(parent)
        if not details:
            raise ValueError("SlipDialog needs at least one service")
        self.details = list(details)
        self.today = today
        self.needs = list(needs) if needs else None
        self.library = library
        n = len(self.details)
        self.setWindowTitle(f"Print a slip — {n} service{'s' if n != 1 else ''}")
        self.resize(760, 820)
        self.choose_pdf_path: Callable[[], str | None] = self._ask_pdf_path

        self.a4 = QRadioButton("A4 — all the services on one sheet")
        self.a6 = QRadioButton("A6 — one service per card (postcard size)")
        self.a4.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.a4)
        group.addButton(self.a6)
        self.harm = QCheckBox("Add harm-reduction information for these services' need types")
        self.urgent = QCheckBox("Add the urgent-help box (999 / NHS 111)")
        self.urgent.setChecked(True)
        for box in (self.a4, self.a6, self.harm, self.urgent):
            box.toggled.connect(self._refresh)

        self.preview = QWidget()
        self.preview_layout = QVBoxLayout(self.preview)
        self.preview_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.preview)
        scroll.setAccessibleName("Preview of the slip")
        self.pages_label = QLabel()

        self.print_button = QPushButton("&Print…")
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Choose a printer and print the slip (Ctrl+P)")
        self.pdf_button = QPushButton("Save as P&DF…")
        self.pdf_button.setToolTip("Save the slip as a PDF file (Ctrl+S)")
        self.pdf_button.setShortcut(QKeySequence("Ctrl+S"))
        close = QPushButton("Close")
        self.print_button.clicked.connect(self.print_)
        self.pdf_button.clicked.connect(self._save_clicked)
        close.clicked.connect(self.reject)
        self.print_button.setDefault(True)

        options = QVBoxLayout()
        for widget in (self.a4, self.a6, self.harm, self.urgent):
            options.addWidget(widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pages_label)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(options)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.slip: Slip | None = None
        self._refresh()

    def options(self) -> SlipOptions:
        return SlipOptions(page=A6 if self.a6.isChecked() else A4, include_harm=self.harm.isChecked(),
                           include_urgent=self.urgent.isChecked())

    def build(self) -> Slip:
        return build_slip(self.details, self.today, self.options(), needs=self.needs, library=self.library)

    def _refresh(self, *_args) -> None:
        self.slip = self.build()
        images = page_images(self.slip, dpi=72 if self.slip.options.page == A4 else 110)
        while self.preview_layout.count():
            item = self.preview_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for i, image in enumerate(images):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet("border: 1px solid #888888; background: white;")
            label.setAccessibleName(f"Page {i + 1} of {len(images)}")
            self.preview_layout.addWidget(label)
        self.pages_label.setText(f"{len(images)} page{'s' if len(images) != 1 else ''} "
                                 f"({self.slip.options.page})")

    def _ask_pdf_path(self) -> str | None:
        default = Path.home() / f"ketdir-slip-{self.today.isoformat()}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the slip as PDF", str(default), "PDF files (*.pdf)")
        return path or None

    def _save_clicked(self) -> None:
        path = self.choose_pdf_path()
        if not path:
            return
        self.save_pdf(path)

    def save_pdf(self, path: str | os.PathLike) -> Path | None:
        """Write the PDF, then a box says where it went (with Open folder); on failure it says what happened
        (no half file is left) and this returns None."""
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            write_pdf(self.slip or self.build(), target)
        except OSError as exc:
            show_problem(self, Unavailable(f"Could not save {target}: {exc.strerror or exc}. Choose another folder, "
                                           "or check there is space on the disk."), "The slip was not saved")
            return None
        show_saved(self, target, "Slip")
        self.saved.emit(str(target))
        return target

    def print_(self) -> bool:
        done = print_slip(self.slip or self.build(), self)
        if done:
            self.printed.emit()
        return done
