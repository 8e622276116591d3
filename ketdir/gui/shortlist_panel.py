"""The shortlist panel: services gathered to hand over, in order, with copy / print / QR for all of them.

Keys inside the list: Ctrl+↑ / Ctrl+↓ move the selected service, Delete removes it, Enter shows it.
Window shortcuts the main window should add (constants below): Ctrl+D adds the selected service (the
browser "bookmark" key), Ctrl+Shift+D goes to the shortlist, Ctrl+P prints the slip, Ctrl+Shift+Q shows
the QR codes.

A new caller starts clean: the list lives in memory and is gone when ketdir closes, unless the person ticks
"Keep this list after ketdir closes" (the setting KEEP_KEY, off by default). `clear(confirm=False)` empties it
(the window's New caller). Services are read by ketdir.app.referrals on the panel's worker: when added without
their details, and afresh before a copy, slip or QR code, so a hand-over never gives out an old number.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

from PySide6.QtCore import QEvent, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ketdir.app import Directory
from ketdir.app.referrals import ServicesRead, read_services
from ketdir.gui.messages import show_problem
from ketdir.gui.settings import user_settings
from ketdir.gui.workers import Job, Worker
from ketdir.referral.handover import case_note_text, compact_text
from ketdir.referral.shortlist import MAX_ITEMS, Shortlist, default_path, forget_saved, list_key
from ketdir.store.detail import ServiceDetail

ADD_TO_SHORTLIST_SHORTCUT = "Ctrl+D"
FOCUS_SHORTLIST_SHORTCUT = "Ctrl+Shift+D"
PRINT_SLIP_SHORTCUT = "Ctrl+P"
SHOW_QR_SHORTCUT = "Ctrl+Shift+Q"
ID_ROLE = Qt.ItemDataRole.UserRole
KEEP_KEY = "shortlist/keep_after_closing"

KEYS_HELP = [
    (ADD_TO_SHORTLIST_SHORTCUT, "Add the selected service to the shortlist"),
    (FOCUS_SHORTLIST_SHORTCUT, "Go to the shortlist"),
    ("Ctrl+↑ / Ctrl+↓", "Move a service up or down the shortlist"),
    ("Delete", "Remove the service from the shortlist"),
    (PRINT_SLIP_SHORTCUT, "Print a slip of the shortlist (or save it as PDF)"),
    (SHOW_QR_SHORTCUT, "Show the shortlist's QR codes, to scan with a phone"),
]


def _london_now() -> dt.datetime:
    from ketdir.hours import LONDON

    return dt.datetime.now(LONDON)


def keeps_list(settings: QSettings | None) -> bool:
    """Whether the person asked for the shortlist to survive a restart (off unless they did)."""
    if settings is None:
        return False
    return str(settings.value(KEEP_KEY, "false")).lower() in ("true", "1")


def _ask(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(parent, "Clear the shortlist?", question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class ShortlistPanel(QWidget):
    changed = Signal()  # the list's contents or order changed
    notice = Signal(str)  # a message for the status bar ("Copied 3 services (2 texts)")
    service_activated = Signal(str)  # Enter or double-click: show this service's details
    dialog_opened = Signal(object)  # the slip or QR dialog, opened once its services were read
    copied = Signal(str)  # the text put on the clipboard

    def __init__(self, directory: Directory, shortlist: Shortlist | None = None, *,
                 clock: Callable[[], dt.datetime] | None = None, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.settings = user_settings(settings)
        if shortlist is None:
            shortlist = self._start_list(directory.url)
        self.shortlist = shortlist
        self._clock = clock or _london_now
        self._worker = Worker(self)
        self._reading: set[str] = set()  # ids being read
        self._generation = 0  # goes up when the list is cleared
        self._details: dict[str, ServiceDetail] = {}
        self._needs: tuple[str, ...] = ()
        self.confirm: Callable[[str], bool] = lambda question: _ask(self, question)
        self.slip_dialog = None
        self.qr_dialog = None
        self.setAccessibleName("Shortlist")

        self.title = QLabel("<b>Shortlist</b>")
        self.list = QListWidget()
        self.list.setAccessibleName("Services on the shortlist")
        self.list.setAccessibleDescription("Ctrl+Up and Ctrl+Down move a service, Delete removes it, "
                                           "Enter shows its details.")
        self.list.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(lambda item: self.service_activated.emit(item.data(ID_ROLE)))
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.empty = QLabel(f"Nothing on the shortlist yet. Press {ADD_TO_SHORTLIST_SHORTCUT} on a service "
                            "to add it, then copy, print or show the QR codes for all of them at once.")
        self.empty.setWordWrap(True)
        self.empty.setObjectName("shortlistEmpty")

        def button(text: str, tip: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setAccessibleName(tip.split(" (")[0])
            b.clicked.connect(lambda _checked=False: slot())
            return b

        self.up_button = button("Up", "Move the selected service up (Ctrl+Up)", lambda: self.move_current(-1))
        self.down_button = button("Down", "Move the selected service down (Ctrl+Down)", lambda: self.move_current(1))
        self.remove_button = button("Remove", "Remove the selected service (Delete)", self.remove_current)
        self.clear_button = button("Clear…", "Empty the shortlist", lambda: self.clear(confirm=True))
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy all")
        self.copy_button.setToolTip("Copy every service as a short text message (one or two texts where it fits)")
        self.copy_button.setAccessibleName("Copy all as a text message")
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.copy_button.clicked.connect(lambda _checked=False: self.copy_all("sms"))
        menu = QMenu(self.copy_button)
        self.copy_sms_action = QAction("Copy as a text message (short)", menu)
        self.copy_sms_action.triggered.connect(lambda _checked=False: self.copy_all("sms"))
        self.copy_note_action = QAction("Copy for a case note (full details)", menu)
        self.copy_note_action.triggered.connect(lambda _checked=False: self.copy_all("note"))
        menu.addAction(self.copy_sms_action)
        menu.addAction(self.copy_note_action)
        self.copy_button.setMenu(menu)
        self.print_button = button("Print slip…", f"Print a slip or save it as PDF ({PRINT_SLIP_SHORTCUT})",
                                   self.open_slip_dialog)
        self.qr_button = button("Show QR", f"Show the QR codes large, to scan with a phone ({SHOW_QR_SHORTCUT})",
                                self.open_qr_dialog)
        self.sms_label = QLabel()
        self.sms_label.setWordWrap(True)
        self.keep_box = QCheckBox("Keep this list after ketdir closes")
        self.keep_box.setToolTip("Off: the list is gone when ketdir closes, so the next caller starts clean. "
                                 "On: the services come back at the next start.")
        self.keep_box.setAccessibleName("Keep the shortlist after ketdir closes")
        self.keep_box.setChecked(self.shortlist.path is not None)
        self.keep_box.setEnabled(self.settings is not None or self.shortlist.path is not None)
        self.keep_box.toggled.connect(self.set_keep)

        self.list.installEventFilter(self)  # Ctrl+Up / Ctrl+Down / Delete inside the list

        order = QHBoxLayout()
        for b in (self.up_button, self.down_button, self.remove_button, self.clear_button):
            order.addWidget(b)
        order.addStretch(1)
        handover = QHBoxLayout()
        for b in (self.copy_button, self.print_button, self.qr_button):
            handover.addWidget(b)
        handover.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(order)
        layout.addLayout(handover)
        layout.addWidget(self.sms_label)
        layout.addWidget(self.keep_box)

        if self.shortlist.notice:
            self._pending_notice = self.shortlist.notice
        else:
            self._pending_notice = None
        self.reload()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt name
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            key, mods = event.key(), event.modifiers()
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            if ctrl and key == Qt.Key.Key_Up:
                self.move_current(-1)
                return True
            if ctrl and key == Qt.Key.Key_Down:
                self.move_current(1)
                return True
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not ctrl:
                self.remove_current()
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ state

    def _start_list(self, database_url: str) -> Shortlist:
        """The saved list when the person keeps it; else an empty one in memory, and any list saved earlier for
        this database is forgotten (it was the last caller's)."""
        path = default_path()
        if keeps_list(self.settings) and path is not None:
            return Shortlist.load(path, database_url=database_url)
        try:
            forget_saved(path, list_key(database_url))
        except OSError:
            pass  # nothing to forget that can be reached
        return Shortlist.load(None, database_url=database_url, use_default_path=False)

    def set_keep(self, keep: bool) -> None:
        """Keep the list after ketdir closes (saved now and at every change), or not (forgotten on disk)."""
        if self.settings is not None:
            self.settings.setValue(KEEP_KEY, bool(keep))
        try:
            self.shortlist.keep_to(default_path() if keep else None)
        except OSError as exc:
            self.notice.emit(f"The shortlist could not be saved: {exc.strerror}. It is kept until you close ketdir.")
            return
        self.notice.emit("The shortlist will come back when ketdir starts again." if keep else
                         "The shortlist will be empty when ketdir starts again.")
        if self.keep_box.isChecked() != keep:
            self.keep_box.blockSignals(True)
            self.keep_box.setChecked(keep)
            self.keep_box.blockSignals(False)

    @property
    def busy(self) -> bool:
        """Services are being read (for the list, a copy, a slip or QR codes)."""
        return self._worker.busy

    def set_clock(self, clock: Callable[[], dt.datetime]) -> None:
        self._clock = clock

    def set_needs(self, needs: Iterable[str]) -> None:
        """The need types being searched for: they choose the harm information on the slip."""
        self._needs = tuple(needs)

    def service_ids(self) -> list[str]:
        return list(self.shortlist.ids)

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def details(self) -> list[ServiceDetail]:
        """The services on the list as last read."""
        return [self._details[i] for i in self.shortlist.ids if i in self._details]

    def with_fresh_details(self, then: Callable[[list[ServiceDetail]], object]) -> Job | None:
        """Read the services afresh (off the UI thread), then call then(details) with those still there."""
        if not self.shortlist.ids:
            self.notice.emit("Add services to the shortlist first.")
            return None

        def read(result: ServicesRead) -> None:
            self._take(result)
            details = self.details()
            if details:
                then(details)
            else:
                self.notice.emit("Add services to the shortlist first.")

        return self._worker.run(read_services, self.directory, list(self.shortlist.ids), self._clock().date(),
                                on_result=read, on_problem=lambda problem: show_problem(self, problem))

    def take_notice(self) -> str | None:
        """A message from loading (services dropped, unreadable file), once; the window shows it."""
        notice, self._pending_notice = self._pending_notice, None
        return notice

    # ------------------------------------------------------------------ changing

    def add_service(self, service_id: str, detail: ServiceDetail | None = None) -> bool | None:
        """Add the service at the end. True: added; False: refused (already there, list full), with a notice;
        None: its details are being read, and it is added (or a notice says why not) when they arrive."""
        if service_id in self.shortlist:
            self._select(service_id)
            self.notice.emit("That service is already on the shortlist.")
            return False
        if len(self.shortlist) >= MAX_ITEMS:
            self.notice.emit(f"The shortlist holds at most {MAX_ITEMS} services. Remove some first.")
            return False
        if detail is None or detail.id != service_id:
            if service_id not in self._reading:
                self._reading.add(service_id)
                generation = self._generation
                self._worker.run(read_services, self.directory, [service_id], self._clock().date(),
                                 on_result=lambda read: self._read_for_adding(service_id, read, generation),
                                 on_problem=lambda problem: self._not_read(service_id, problem))
            return None
        self._details[service_id] = detail
        self._safely(lambda: self.shortlist.add(service_id))
        self._refill(select=service_id)
        self.notice.emit(f"Added to the shortlist: {detail.name} ({len(self.shortlist)} on the list).")
        return True

    def _read_for_adding(self, service_id: str, read: ServicesRead, generation: int) -> None:
        self._reading.discard(service_id)
        if generation != self._generation:
            return  # the list was cleared meanwhile (a new caller)
        if not read.details:
            self.notice.emit("That service is no longer in the directory.")
            return
        self.add_service(service_id, read.details[0])

    def _not_read(self, service_id: str, problem) -> None:
        self._reading.discard(service_id)
        show_problem(self, problem)

    def remove_service(self, service_id: str) -> bool:
        row = self.shortlist.ids.index(service_id) if service_id in self.shortlist else -1
        if not self._safely(lambda: self.shortlist.remove(service_id)):
            return False
        remaining = self.shortlist.ids
        self._refill(select=remaining[min(row, len(remaining) - 1)] if remaining else None)
        return True

    def remove_current(self) -> bool:
        service_id = self.current_id()
        return self.remove_service(service_id) if service_id else False

    def move_current(self, offset: int) -> bool:
        service_id = self.current_id()
        if service_id is None or not self._safely(lambda: self.shortlist.move(service_id, offset)):
            return False
        self._refill(select=service_id)
        return True

    def clear(self, confirm: bool = True) -> bool:
        """Empty the list (asking first when `confirm`); the window's New caller calls clear(confirm=False)."""
        self._generation += 1  # services still being read for adding are not added after this
        n = len(self.shortlist)
        if n == 0:
            return False
        if confirm and not self.confirm(f"Remove all {n} service{'s' if n != 1 else ''} from the shortlist?"):
            return False
        self._safely(self.shortlist.clear)
        self._refill()
        self.notice.emit("The shortlist is empty.")
        return True

    def reload(self) -> Job | None:
        """Re-read the services (e.g. after the directory changed), off the UI thread; those no longer there are
        dropped with a notice."""
        self._refill()
        if not self.shortlist.ids:
            return None
        return self._worker.run(read_services, self.directory, list(self.shortlist.ids), self._clock().date(),
                                on_result=self._take, on_problem=lambda problem: self.notice.emit(str(problem)))

    def _take(self, read: ServicesRead) -> None:
        """Details just read: keep them, drop the services gone from the directory, show the list."""
        for detail in read.details:
            self._details[detail.id] = detail
        gone = None
        if read.missing:
            try:
                gone = self.shortlist.drop(read.missing)
            except OSError:
                gone = None
        self._refill(select=self.current_id())
        if gone:
            self.notice.emit(gone)

    # ------------------------------------------------------------------ hand-over

    def copy_all(self, kind: str = "sms") -> Job | None:
        """Copy every service, read afresh ("sms": short GSM-7 text; "note": full details); `copied` says what."""
        return self.with_fresh_details(lambda details: self._copy(details, kind))

    def _copy(self, details: list[ServiceDetail], kind: str) -> str:
        now = self._clock()
        n = len(details)
        if kind == "note":
            text = case_note_text(details, now.date(), now)
            self.sms_label.setText("")
            message = f"Copied {n} service{'s' if n != 1 else ''} for a case note."
        else:
            handover = compact_text(details, now.date())
            text = handover.text
            self.sms_label.setText(f"Text message: {handover.describe()}")
            message = f"Copied {n} service{'s' if n != 1 else ''}: {handover.sms.describe()}."
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(text)
        self.notice.emit(message)
        return text

    def open_slip_dialog(self) -> Job | None:
        """Read the services afresh, then open the slip dialog for them (`dialog_opened`)."""
        return self.with_fresh_details(self._open_slip)

    def _open_slip(self, details: list[ServiceDetail]):
        from ketdir.gui.slip_dialog import SlipDialog

        self.slip_dialog = SlipDialog(details, self._clock().date(), self, needs=self._needs or None)
        self.slip_dialog.open()
        self.dialog_opened.emit(self.slip_dialog)
        return self.slip_dialog

    def open_qr_dialog(self) -> Job | None:
        """Read the services afresh, then show their QR codes, starting at the one selected (`dialog_opened`)."""
        return self.with_fresh_details(self._open_qr)

    def _open_qr(self, details: list[ServiceDetail]):
        from ketdir.gui.qr_dialog import QrDialog

        current = self.current_id()
        index = next((i for i, d in enumerate(details) if d.id == current), 0)
        self.qr_dialog = QrDialog(details, self, index=index)
        self.qr_dialog.open()
        self.dialog_opened.emit(self.qr_dialog)
        return self.qr_dialog

    # ------------------------------------------------------------------ internals

    def _safely(self, change: Callable[[], object]) -> bool:
        try:
            return bool(change())
        except OSError as exc:
            self.notice.emit(f"The shortlist could not be saved: {exc.strerror}. It is kept until you close ketdir.")
            return True

    def _select(self, service_id: str | None) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(ID_ROLE) == service_id:
                self.list.setCurrentRow(row)
                return

    def _refill(self, select: str | None = None) -> None:
        self.list.clear()
        for number, service_id in enumerate(self.shortlist.ids, start=1):
            detail = self._details.get(service_id)
            if detail is None:  # being read
                item = QListWidgetItem(f"{number}. …")
                item.setData(ID_ROLE, service_id)
                self.list.addItem(item)
                continue
            first = f"{number}. {detail.name}"
            second = []
            if detail.is_demo:
                second.append("DEMO — not a real service")
            if detail.phones:
                phone = detail.phones[0]
                second.append(phone.number + ("" if phone.verified else " (unverified)"))
            item = QListWidgetItem(first + ("\n    " + " · ".join(second) if second else ""))
            item.setData(ID_ROLE, service_id)
            item.setToolTip(detail.address or detail.service_area or detail.name)
            self.list.addItem(item)
        if select is not None:
            self._select(select)
        elif self.list.count():
            self.list.setCurrentRow(0)
        n = len(self.shortlist)
        self.title.setText(f"<b>Shortlist</b> ({n})" if n else "<b>Shortlist</b>")
        self.empty.setVisible(n == 0)
        self.list.setVisible(n > 0)
        if n == 0:
            self.sms_label.setText("")
        self._update_buttons()
        self.changed.emit()

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        n = self.list.count()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < n - 1)
        self.remove_button.setEnabled(row >= 0)
        for b in (self.clear_button, self.copy_button, self.print_button, self.qr_button):
            b.setEnabled(n > 0)
