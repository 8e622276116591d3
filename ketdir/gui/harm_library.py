"""The harm-information library: search every topic, read one, print it or save it as a PDF.

`HarmLibraryDialog` has a search field (slang-aware, via `Library.search`), the list of topics and a
locked-down browser showing the chosen topic (links open in the system browser, never inside).
`open_harm_library` opens it without blocking the main window, preselecting a topic for the need
types in play. Topic bodies are turned into HTML by ketdir.gui.harm_html; printing and PDFs follow
ketdir.gui.slip_dialog (QPrinter/QPrintDialog written to a temporary file first).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from PySide6.QtCore import QEvent, QMarginsF, QObject, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPagedPaintDevice,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ketdir.gui import theme
from ketdir.gui.pdf import write_pdf_safely
from ketdir.gui.detail_html import stylesheet
from ketdir.gui.detail_pane import SafeBrowser
from ketdir.gui.harm_html import markdown_html
from ketdir.gui.html import clean_page, esc, link
from ketdir.gui.messages import show_problem, show_saved
from ketdir.harm.library import URGENT_BANNER, Library, Topic, load_library
from ketdir.problems import Unavailable

TITLE = "Harm information"
NO_MATCH = "No topics match"
PDF_MARGIN_MM = 15.0
_TOPIC_ID = Qt.ItemDataRole.UserRole


def topic_html(topic: Topic) -> str:
    """One topic as a cleaned page: urgent banner (urgent topics), title, summary, sections, sources
    as links, and the review date."""
    parts = []
    if topic.urgent:
        parts.append('<table width="100%" cellpadding="8"><tr><td class="banner-urgent"><b>Urgent help</b><br>'
                     + esc(URGENT_BANNER) + "</td></tr></table>")
    parts.append(f"<h2>{esc(topic.title)}</h2>")
    if topic.summary:
        summary = "<br>".join(esc(line) for line in topic.summary.splitlines())
        parts.append(f'<table width="100%" cellpadding="6"><tr><td class="summary">{summary}</td></tr></table>')
    parts.append(markdown_html(topic.body))
    if topic.sources:
        parts.append("<h4>Sources</h4><ul>")
        for source in topic.sources:
            parts.append("<li>" + (link(source.url, source.name) if source.url else esc(source.name)) + "</li>")
        parts.append("</ul>")
    parts.append(f'<p class="muted"><small>{esc(topic.reviewed_text)}</small></p>')
    return clean_page("".join(parts))


def _paper_css() -> str:
    """The detail-pane stylesheet in light colours: paper is white whatever the window's theme."""
    c = theme.colours(QPalette(QColor("#ffffff")))
    return stylesheet({name: getattr(c, name).name() for name in c.__dataclass_fields__})


def _print_document(topic: Topic) -> QTextDocument:
    doc = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(10.5)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(_paper_css())
    doc.setHtml(topic_html(topic))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, topic.title)
    return doc


def _page_layout() -> QPageLayout:
    m = PDF_MARGIN_MM
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(m, m, m, m), QPageLayout.Unit.Millimeter)


def _print_to(topic: Topic, device: QPagedPaintDevice) -> None:
    _print_document(topic).print_(device)


def write_topic_pdf(topic: Topic, path: str | os.PathLike) -> None:
    """Save the topic as an A4 PDF (a failure leaves no half file; OSError says why)."""
    write_pdf_safely(path, topic.title, _page_layout(), lambda writer: _print_to(topic, writer))


class _ArrowKeys(QObject):
    """Up/Down (and Page Up/Down) in the search field move the list's selection."""

    def __init__(self, dialog: "HarmLibraryDialog") -> None:
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress:
            steps = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -5, Qt.Key.Key_PageDown: 5}
            step = steps.get(event.key())
            if step is not None:
                self.dialog.move_selection(step)
                return True
        return False


class HarmLibraryDialog(QDialog):
    """Search the harm-information topics, read one, and print it or save it as a PDF."""

    saved = Signal(str)  # path of the PDF
    printed = Signal()

    def __init__(self, parent: QWidget | None = None, library: Library | None = None) -> None:
        super().__init__(parent)
        self.library = library if library is not None else load_library()
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.resize(960, 680)
        self.choose_pdf_path: Callable[[], str | None] = self._ask_pdf_path

        self.search_field = QLineEdit()
        self.search_field.setAccessibleName("Search harm information")
        self.search_field.setPlaceholderText("Search, e.g. ket cramps, G, wee, PEP")
        self.search_field.setToolTip("Type words or slang; Up and Down choose a topic, Enter shows it")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(self._filter)
        self.search_field.returnPressed.connect(self._enter)
        self.search_field.installEventFilter(_ArrowKeys(self))
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search_field)

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of topics found")

        self.topic_list = QListWidget()
        self.topic_list.setAccessibleName("Topics")
        self.topic_list.setWordWrap(True)
        self.topic_list.setUniformItemSizes(False)
        self.topic_list.currentItemChanged.connect(self._current_changed)

        self.browser = SafeBrowser()
        self.browser.setAccessibleName("Topic")
        self.browser.setAccessibleDescription("The chosen harm-information topic")

        self.print_button = QPushButton("&Print…")
        self.print_button.setAccessibleName("Print…")
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Choose a printer and print this topic (Ctrl+P)")
        self.pdf_button = QPushButton("Save as P&DF…")
        self.pdf_button.setAccessibleName("Save as PDF…")
        self.pdf_button.setShortcut(QKeySequence("Ctrl+S"))
        self.pdf_button.setToolTip("Save this topic as a PDF file (Ctrl+S)")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        for button in (self.print_button, self.pdf_button, self.close_button):
            button.setAutoDefault(False)  # Enter in the search field shows a topic, it does not print
        self.print_button.clicked.connect(self.print_)
        self.pdf_button.clicked.connect(self._save_clicked)
        self.close_button.clicked.connect(self.close)

        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search_field, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(search_row)
        left_layout.addWidget(self.count_label)
        left_layout.addWidget(self.topic_list, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.current_topic: Topic | None = None
        self._filter("")
        self.search_field.setFocus()

    # ---------------------------------------------------------------- list and search

    def visible_topics(self) -> list[Topic]:
        return [self.library.get(self.topic_list.item(i).data(_TOPIC_ID)) for i in range(self.topic_list.count())]

    def _matches(self, text: str) -> list[Topic]:
        if not text.strip():
            return list(self.library.topics)
        try:
            return list(self.library.search(text))
        except Exception:  # search never raises, but a typo must never close the dialog
            return []

    def _filter(self, text: str) -> None:
        topics = self._matches(text)
        keep = self.current_topic.id if (self.current_topic and not text.strip()) else None
        self.topic_list.blockSignals(True)
        self.topic_list.clear()
        for topic in topics:
            first_line = topic.summary.splitlines()[0] if topic.summary else ""
            item = QListWidgetItem(f"{topic.title}\n{first_line}" if first_line else topic.title)
            item.setData(_TOPIC_ID, topic.id)
            item.setToolTip(topic.summary)
            self.topic_list.addItem(item)
        self.topic_list.blockSignals(False)
        if not topics:
            self.count_label.setText(f"{NO_MATCH} “{text.strip()}”. Try other words, such as ket, G or wee.")
            self._show(None)
            return
        self.count_label.setText(f"{len(topics)} topic{'s' if len(topics) != 1 else ''}")
        ids = [t.id for t in topics]
        self.topic_list.setCurrentRow(ids.index(keep) if keep in ids else 0)
        self._current_changed(self.topic_list.currentItem())

    def move_selection(self, step: int) -> None:
        count = self.topic_list.count()
        if not count:
            return
        row = self.topic_list.currentRow()
        row = 0 if row < 0 else max(0, min(count - 1, row + step))
        self.topic_list.setCurrentRow(row)

    def _enter(self) -> None:
        item = self.topic_list.currentItem()
        if item is None and self.topic_list.count():
            self.topic_list.setCurrentRow(0)
            item = self.topic_list.currentItem()
        self._current_changed(item)

    def _current_changed(self, item: QListWidgetItem | None, _previous=None) -> None:
        self._show(self.library.get(item.data(_TOPIC_ID)) if item is not None else None)

    def select_topic(self, topic_id: str) -> bool:
        """Show the topic with this id (clearing the search if it is filtered out); False if unknown."""
        if self.library.get(topic_id) is None:
            return False
        if topic_id not in [t.id for t in self.visible_topics()]:
            self.search_field.clear()
        for row in range(self.topic_list.count()):
            if self.topic_list.item(row).data(_TOPIC_ID) == topic_id:
                self.topic_list.setCurrentRow(row)
                return True
        return False

    def _show(self, topic: Topic | None) -> None:
        self.current_topic = topic
        if topic is None:
            self.browser.set_page(f'<p class="muted">{esc(NO_MATCH)} the search. Try other words, '
                                  "or clear the search to see every topic.</p>")
        else:
            self.browser.set_page(topic_html(topic))
        self.print_button.setEnabled(topic is not None)
        self.pdf_button.setEnabled(topic is not None)

    # ---------------------------------------------------------------- print and PDF

    def _ask_pdf_path(self) -> str | None:
        name = f"ketdir-{self.current_topic.id}.pdf" if self.current_topic else "ketdir-harm-information.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the topic as PDF", str(Path.home() / name),
                                              "PDF files (*.pdf)")
        return path or None

    def _save_clicked(self) -> None:
        if self.current_topic is None:
            return
        path = self.choose_pdf_path()
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            self.save_pdf(target)
        except OSError as exc:
            show_problem(self, Unavailable(f"Could not save {target}: {exc.strerror or exc}. Choose another "
                                           "folder, or check there is space on the disk."), "The topic was not saved")
            return
        show_saved(self, target, "Harm information")

    def save_pdf(self, path: str | os.PathLike) -> None:
        """Write the shown topic to path as a PDF. Raises OSError if it cannot be written, and
        ValueError when no topic is shown."""
        if self.current_topic is None:
            raise ValueError("no topic is shown")
        write_topic_pdf(self.current_topic, path)
        self.saved.emit(str(path))

    def print_(self) -> bool:
        """Show the print dialog and print the topic; False if cancelled or nothing is shown."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        topic = self.current_topic
        if topic is None:
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(_page_layout())
        printer.setDocName(topic.title)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the topic")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        _print_to(topic, printer)
        self.printed.emit()
        return True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.search_field.setFocus(Qt.FocusReason.ActiveWindowFocusReason)


def open_harm_library(parent: QWidget | None, needs: Iterable[str] = (),
                      library: Library | None = None) -> HarmLibraryDialog:
    """Open the harm-information dialog without blocking; preselect the first topic for these need
    types, if any."""
    dialog = HarmLibraryDialog(parent, library=library)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.setModal(False)
    codes = [c for c in needs if c]
    if codes:
        matches = dialog.library.for_needs(codes)
        if matches:
            dialog.select_topic(matches[0].id)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
