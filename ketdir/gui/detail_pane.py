"""The service's details and, beside them, the harm information — both in locked-down browsers."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ketdir.gui import theme
from ketdir.gui.detail_html import service_html, stylesheet, tel_url
from ketdir.gui.harm_html import HarmContent, harm_html
from ketdir.gui.html import safe_url

if TYPE_CHECKING:
    from ketdir.store.detail import ServiceDetail


def _css() -> str:
    c = theme.colours()
    return stylesheet({name: getattr(c, name).name() for name in c.__dataclass_fields__})


class SafeBrowser(QTextBrowser):
    """Shows our sanitised HTML; loads nothing (no images, no files) and opens only safe links."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self.anchorClicked.connect(self._clicked)
        self.opened: list[str] = []  # links handed to the system (for tests and the status line)

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt API)
        return None  # never fetch images, stylesheets or files named by a document

    def _clicked(self, url: QUrl) -> None:
        text = safe_url(url.toString())
        if text is None:
            return
        self.opened.append(text)
        QDesktopServices.openUrl(QUrl(text))

    def set_page(self, html: str) -> None:
        self.document().setDefaultStyleSheet(_css())
        self.setHtml(html)

    def anchors(self) -> list[str]:
        """Every link target in the shown document."""
        found: list[str] = []
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                if fragment.isValid() and fragment.charFormat().isAnchor():
                    found.append(fragment.charFormat().anchorHref())
                it += 1
            block = block.next()
        return found


class DetailPane(QWidget):
    copy_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.detail: ServiceDetail | None = None
        self.copy_button = QPushButton(theme.icon("copy"), "Copy referral", self)
        self.copy_button.setObjectName("primary")
        self.copy_button.setAccessibleName("Copy referral")
        self.copy_button.setToolTip("Copy name, phone, address, today's hours and how to refer (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.copy_requested)
        self.call_button = QPushButton(theme.icon("phone"), "Call", self)
        self.call_button.setAccessibleName("Call the service")
        self.call_button.setToolTip("Start a call with your phone app (Ctrl+Shift+P)")
        self.call_button.clicked.connect(self.call)
        self.web_button = QPushButton(theme.icon("web"), "Website", self)
        self.web_button.setAccessibleName("Open the service's website")
        self.web_button.setToolTip("Open the website in your browser (Ctrl+Shift+O)")
        self.web_button.clicked.connect(self.open_website)
        self.browser = SafeBrowser(self)
        self.browser.setObjectName("detailBrowser")
        self.browser.setAccessibleName("Service details")
        self.placeholder = QLabel("Choose a service — press ↓ in the search field, or click one — to see how to "
                                  "refer, its opening hours and contact details.", self)
        self.placeholder.setObjectName("muted")
        self.placeholder.setWordWrap(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(6)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.call_button)
        bar.addWidget(self.web_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.browser, 1)
        self.show_detail(None, dt.date.today(), dt.datetime.now())

    def show_detail(self, detail: ServiceDetail | None, today: dt.date, at: dt.datetime) -> None:
        self.detail = detail
        has = detail is not None
        self.placeholder.setVisible(not has)
        self.browser.setVisible(has)
        self.copy_button.setEnabled(has)
        self.call_button.setEnabled(has and bool(detail.phones))
        self.web_button.setEnabled(has and safe_url(detail.url) is not None)
        if detail is None:
            self.browser.clear()
            return
        self.browser.set_page(service_html(detail, today, at))
        self.browser.setAccessibleDescription(f"Details of {detail.name}")

    def call(self) -> None:
        if self.detail and self.detail.phones:
            url = tel_url(self.detail.phones[0].number)
            if url:
                self.browser.opened.append(url)
                QDesktopServices.openUrl(QUrl(url))

    def open_website(self) -> None:
        url = safe_url(self.detail.url) if self.detail else None
        if url:
            self.browser.opened.append(url)
            QDesktopServices.openUrl(QUrl(url))

    def document(self) -> QTextDocument:
        return self.browser.document()


class HarmPane(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        title = QLabel("Harm information", self)
        title.setObjectName("sectionTitle")
        self.browser = SafeBrowser(self)
        self.browser.setObjectName("harmBrowser")
        self.browser.setAccessibleName("Harm information")
        self.browser.setAccessibleDescription("Urgent-help lines and information to talk through")
        title.setBuddy(self.browser)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.browser, 1)
        self._shown: tuple | None = None

    def show_content(self, content: HarmContent) -> None:
        key = (tuple(getattr(t, "id", id(t)) for t in content.topics), content.fallback_needs, content.banner)
        if key == self._shown:
            return
        self._shown = key
        self.browser.set_page(harm_html(content))
