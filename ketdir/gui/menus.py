"""The menu bar and the work that hangs off it: shortlist, slips and QR codes, the referral log and its
statistics, harm information, data health, editing and import. Each item has a shortcut or a mnemonic;
the widgets themselves live in their own modules."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from ketdir.gui.messages import show_problem
from ketdir.gui.screen import fit_to_screen
from ketdir.gui.settings import user_settings
from ketdir.gui.window_keys import WindowKeys
from ketdir.gui.workers import Worker

if TYPE_CHECKING:
    from ketdir.gui.main_window import MainWindow

ABOUT = (
    "<h3>ketdir</h3><p>An offline directory of treatment, sexual-health and support services for people "
    "affected by ketamine and related drug use.</p>"
    "<p><b>Most services in the bundled directory are a training set</b>, marked “Demo — not a real "
    "service”. Import a real directory before using ketdir with the public.</p>"
    "<p>In an emergency call 999. For urgent medical advice call NHS 111.</p>"
    "<p><small>Postcode districts: Contains OS data © Crown copyright and database right; contains Royal "
    "Mail data © Royal Mail copyright and database right; contains National Statistics data © Crown "
    "copyright and database right (Open Government Licence v3.0). Place names © GeoNames, CC BY 4.0. "
    "Data model: Open Referral HSDS 3.0. API: the Open Referral UK 3.0 profile (HSDS-UK 3.0) © Open "
    "Referral UK, CC BY-SA 4.0. Harm information is written in ketdir's own words from the "
    "sources each topic lists.</small></p>"
)


class WorkMenus:
    """Builds the menu bar of a MainWindow and opens the dialogs it names."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.shortlist_dock: QDockWidget | None = None
        self.shortlist = None
        self._open: list = []  # non-modal dialogs kept alive
        self._worker = Worker(window)
        self.keys = WindowKeys(window)  # Ctrl+E and the rest work from the search field too
        bar = window.menuBar()
        bar.setAccessibleName("Menu bar")

        file_menu = bar.addMenu("&File")
        file_menu.addAction(window.actions_.new_caller)
        self.import_action = self._add(file_menu, "&Import a directory…", "Ctrl+I", self.import_directory)
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", "Ctrl+Q", window.close)

        keys = window.actions_  # the window's own actions: each menu item shows its shortcut
        find = bar.addMenu("Se&arch")
        find.addActions([keys.focus_search, keys.focus_place, keys.focus_needs, keys.focus_results])
        find.addSeparator()
        find.addActions([keys.open_at, keys.back_to_now, keys.clear])

        service = bar.addMenu("&Service")
        service.addAction(window.actions_.copy_referral)  # the window's own action: the menu shows its keys
        service.addActions([keys.call, keys.open_website])
        self._add(service, "Add to &shortlist", "Ctrl+D", self.add_to_shortlist)
        self._add(service, "&Print or save slip…", "Ctrl+P", self.print_slip)
        self._add(service, "Show &QR code", "Ctrl+Shift+Q", self.show_qr)
        self._add(service, "&Log referral…", "Ctrl+Shift+R", self.log_referral)
        service.addSeparator()
        self._add(service, "&Edit service…", "Ctrl+E", self.edit_service)
        self._add(service, "&Add a service…", None, self.add_service)
        self._add(service, "Change &history…", None, self.show_history)

        view = bar.addMenu("&View")
        self._add(view, "&Shortlist", "Ctrl+Shift+D", self.show_shortlist)
        self._add(view, "&Harm information library", "Ctrl+H", self.harm_library)
        self._add(view, "&Data health", "Ctrl+Shift+H", self.data_health)

        referrals = bar.addMenu("&Referrals")
        self._add(referrals, "&Statistics…", None, self.statistics)
        self._add(referrals, "&Keep the log for…", None, self.retention)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(keys.keys_help)
        self._add(help_menu, "&About ketdir", None, self.about)

    def _add(self, menu, text: str, keys: str | None, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # ------------------------------------------------------------------ helpers

    def _today(self) -> dt.date:
        return self.window.now().date()

    def _needs(self) -> list[str]:
        return sorted(self.window.filter_state().needs)

    def _selected(self):
        detail = self.window.current_detail()
        if detail is None:
            self.window.show_notice("Select a service first.")
        return detail

    def _keep(self, dialog) -> None:
        self._open = [d for d in self._open if d.isVisible()] + [dialog]
        dialog.show()
        fit_to_screen(dialog)  # at 200 % text on a laptop a dialog's own size may not fit

    def _settings(self) -> QSettings | None:
        return user_settings()

    def attached(self) -> None:
        """The window has a directory now: make the shortlist and apply the log's retention period."""
        from ketdir.gui.retention import apply_on_start
        from ketdir.gui.shortlist_panel import ShortlistPanel

        window = self.window
        self.shortlist = ShortlistPanel(window.directory, clock=window.now, settings=self._settings(), parent=window)
        self.shortlist.notice.connect(window.show_notice)
        self.shortlist.service_activated.connect(window.show_service)
        self.shortlist_dock = QDockWidget("Shortlist", window)
        self.shortlist_dock.setObjectName("shortlistDock")
        self.shortlist_dock.setWidget(self.shortlist)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.shortlist_dock)
        self.shortlist_dock.setVisible(bool(self.shortlist.service_ids()))  # a kept list comes back open
        notice = self.shortlist.take_notice()
        if notice:
            window.show_notice(notice)
        self.retention_job = apply_on_start(window, window.directory, self._settings(), window.show_notice)

    # ------------------------------------------------------------------ actions

    def add_to_shortlist(self) -> None:
        detail = self._selected()
        if detail is None or self.shortlist is None:
            return
        self.shortlist.set_needs(self._needs())
        self.shortlist.add_service(detail.id, detail)
        self.shortlist_dock.show()

    def show_shortlist(self) -> None:
        if self.shortlist_dock is not None:
            self.shortlist_dock.show()
            self.shortlist.setFocus()

    def print_slip(self) -> None:
        from ketdir.gui.slip_dialog import SlipDialog

        detail = self._selected()
        if detail is not None:
            self._keep(SlipDialog([detail], self._today(), self.window, needs=self._needs()))

    def show_qr(self) -> None:
        from ketdir.gui.qr_dialog import QrDialog

        detail = self._selected()
        if detail is not None:
            self._keep(QrDialog(detail, self.window))

    def log_referral(self) -> None:
        from ketdir.gui.log_referral_dialog import LogReferralDialog

        detail = self._selected()
        if detail is None or self.window.directory is None:
            return
        place = self.window.filter_state().near_text.strip() or None
        dialog = LogReferralDialog(self.window.directory, [detail.id], needs=self._needs(), place=place,
                                   clock=self.window.now, parent=self.window)
        dialog.logged.connect(self.window.show_notice)
        self._keep(dialog)

    def harm_library(self) -> None:
        from ketdir.gui.harm_library import open_harm_library

        self._open.append(open_harm_library(self.window, self._needs()))

    def data_health(self) -> None:
        from PySide6.QtWidgets import QDialog, QVBoxLayout

        from ketdir.gui.health_view import HealthView

        if self.window.directory is None:
            return
        dialog = QDialog(self.window)
        dialog.setWindowTitle("Data health")
        dialog.setAccessibleName("Data health")
        view = HealthView(self.window.directory, today=self._today, parent=dialog)
        view.serviceRequested.connect(self.open_finding)
        dialog.finished.connect(lambda _r: view.shutdown())
        QVBoxLayout(dialog).addWidget(view)
        dialog.resize(1000, 600)
        self._keep(dialog)
        view.run()

    def open_finding(self, service_id: str) -> None:
        """A data-health finding: show its service in the window and open the editor to put it right."""
        self.window.show_service(service_id)
        self.edit(service_id)

    def edit_service(self) -> None:
        detail = self._selected()
        if detail is not None:
            self.edit(detail.id)

    def edit(self, service_id: str) -> None:
        """Read the service off the UI thread, then open the editor on it (or bring its open editor forward)."""
        from ketdir.app.editing import load_service
        from ketdir.gui.service_editor import ServiceEditor

        if self.window.directory is None:
            return
        for dialog in self._open:
            if isinstance(dialog, ServiceEditor) and dialog.isVisible() and dialog.service_id == service_id:
                dialog.raise_()
                dialog.activateWindow()
                return
        self._worker.run(load_service, self.window.directory, service_id, on_result=self._open_editor,
                         on_problem=lambda problem: show_problem(self.window, problem))

    def _open_editor(self, loaded) -> None:
        from ketdir.gui.service_editor import ServiceEditor

        editor = ServiceEditor(self.window.directory, loaded, today=self._today, parent=self.window)
        editor.saved.connect(self._service_saved)
        editor.retired.connect(lambda _id: self.window.run_search())  # it leaves the results
        self._keep(editor)

    def _service_saved(self, service_id: str) -> None:
        """Search again (the row shows the new name) and show the service as it was saved."""
        self.window.run_search()
        self.window.show_service(service_id)

    def add_service(self) -> None:
        if self.window.directory is not None:
            self._open_editor(None)

    def show_history(self) -> None:
        from ketdir.gui.history_dialog import HistoryDialog

        detail = self._selected()
        if detail is not None:
            self._keep(HistoryDialog(self.window.directory, detail.id, self.window))

    def statistics(self) -> None:
        from ketdir.gui.stats_view import StatsDialog

        if self.window.directory is not None:
            self._keep(StatsDialog(self.window.directory, clock=self.window.now, parent=self.window))

    def retention(self) -> None:
        from ketdir.gui.retention import RetentionDialog

        if self.window.directory is not None:
            dialog = RetentionDialog(self.window.directory, self.window)
            dialog.changed.connect(self.window.show_notice)
            self._keep(dialog)

    def import_directory(self) -> None:
        from ketdir.gui.import_dialog import open_import_dialog

        if self.window.directory is not None:
            open_import_dialog(self.window, self.window.directory, on_imported=self.window.run_search)

    def about(self) -> None:
        from ketdir.gui.text_dialog import TextDialog

        box = TextDialog(self.window, "About ketdir", ABOUT)  # scrolls: fits a laptop at 200 % text
        box.setObjectName("aboutBox")
        box.open()
