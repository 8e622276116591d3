"""The main window: search, filters, results, the service's details and harm information.

It wires widgets together and turns their state into a Query; the search runs in search_worker,
results are shown by results_model/results_delegate, details by detail_pane. It never queries the
database for results itself.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ketdir.gui import theme
from ketdir.gui.actions import KEYS_HELP, build_actions
from ketdir.gui.menus import EXTRA_KEYS, WorkMenus
from ketdir.gui.settings import user_settings
from ketdir.gui.chips import Chip, ChipsBar
from ketdir.gui.clipboard import copy_referral
from ketdir.gui.detail_pane import DetailPane, HarmPane
from ketdir.gui.emergency_banner import EmergencyBanner
from ketdir.gui.empty_state import EmptyState, Fix
from ketdir.gui.filters import NeedList, PlaceBar, PlaceChoices, FilterState, radius_label
from ketdir.gui.harm_html import load_harm_content
from ketdir.gui.readings_bar import ReadingsBar
from ketdir.gui.results_model import ResultsModel, Role
from ketdir.gui.results_view import ResultsView
from ketdir.gui.search_worker import SearchController
from ketdir.needs import need_types

if TYPE_CHECKING:  # loaded after the window shows (they bring in SQLAlchemy and the search engine)
    from ketdir.search.types import Query, Results
    from ketdir.store.detail import ServiceDetail
    from ketdir.store.engine import Directory

WIDEN_TO = 25.0
NOTICE_MS = 5000
DETAIL_AFTER_MOVE_MS = 40  # a person moved the selection: show the service almost at once
DETAIL_AFTER_RESULTS_MS = 350  # new results moved it: wait until typing pauses
# The need-type counts cost the search engine a second pass, so keystrokes ask for results only and the
# counts follow once typing pauses this long.
COUNTS_PAUSE_MS = 250


LONDON = ZoneInfo("Europe/London")


def london_now() -> dt.datetime:
    return dt.datetime.now(LONDON)


def _complete_places(prefix: str) -> list[str]:
    from ketdir.geo import default_gazetteer

    return default_gazetteer().complete(prefix, 8)


class MainWindow(QMainWindow):
    results_listed = Signal()  # the newest results are in the list (the latency benchmark waits on it)
    results_applied = Signal()  # ... and counts, readings, notices and harm information follow them
    detail_shown = Signal(str)  # service id

    def __init__(self, directory: Directory | None, *, search: Callable | None = None,
                 complete: Callable[[str], list[str]] | None = _complete_places, parent=None) -> None:
        super().__init__(parent)
        self.directory: Directory | None = None
        self.controller: SearchController | None = None
        self._search_function = search
        self._clock: Callable[[], dt.datetime] = london_now
        self._ignored: set[str] = set()
        self._selected_id: str | None = None
        self._detail: ServiceDetail | None = None
        self._last_results: Results | None = None
        self._applying = False
        self.last_search_seconds: float | None = None
        self._applied_seq = -1
        self._secondary_pending = False
        self._counts_seq: int | None = None
        self.counts_pause_ms = COUNTS_PAUSE_MS
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.timeout.connect(self._ask_for_counts)

        self.setWindowTitle("ketdir — support services directory")
        self.setWindowIcon(theme.icon("ketdir", size=64))
        self.needs = need_types()

        # ---- widgets
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchField")
        self.search_edit.setPlaceholderText("Search services, needs or slang — e.g. ket bladder, chems, PEP")
        self.search_edit.setAccessibleName("Search")
        self.search_edit.setAccessibleDescription(
            "Type what the person needs. Results update as you type; arrow keys move through them.")
        self.search_edit.setToolTip("Search (Ctrl+F). ↓ moves to the results, Enter opens one.")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.installEventFilter(self)

        self.place_bar = PlaceBar(complete, self)
        self.chips = ChipsBar(self.clear_filters, self)
        self.need_list = NeedList(self.needs.all, self)
        self.place_choices = PlaceChoices(self)
        self.emergency_banner = EmergencyBanner(self)
        self.notice = QLabel(self)
        self.notice.setObjectName("muted")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.model = ResultsModel(self.needs.label, self)
        self.results_view = ResultsView(self.model, self)
        self.empty = EmptyState(self)
        self.results_stack = QStackedWidget(self)
        self.results_stack.addWidget(self.results_view)
        self.results_stack.addWidget(self.empty)

        self.detail_pane = DetailPane(self)
        self.harm_pane = HarmPane(self)

        self.readings_bar = ReadingsBar(self)
        self.status_notice = QLabel(self)
        self.status_notice.setAccessibleName("Notice")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("muted")
        self.count_label.setAccessibleName("Number of results")
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.status_notice.setText(""))

        self._layout()

        # ---- behaviour
        self.search_edit.textChanged.connect(lambda _t: self.run_search())
        self.place_bar.changed.connect(self._filters_changed)
        self.place_bar.place_changed.connect(self._filters_changed)
        self.need_list.changed.connect(self._filters_changed)
        self.place_choices.chosen.connect(self.place_bar.choose)
        self.readings_bar.undo.connect(self.undo_reading)
        self.readings_bar.restore.connect(self.restore_reading)
        self.results_view.selectionModel().currentChanged.connect(self._current_changed)
        self.results_view.activated.connect(lambda _i: self.open_detail())
        self.detail_pane.copy_requested.connect(self.copy_referral)
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(40)
        self._detail_timer.timeout.connect(self._load_current_detail)

        self.actions_ = build_actions(self, {
            "focus_search": self.focus_search,
            "focus_place": self.focus_place,
            "copy_referral": self.copy_referral,
            "call": self.detail_pane.call,
            "open_website": self.detail_pane.open_website,
            "clear": self.clear,
            "focus_results": self.results_view.setFocus,
            "focus_needs": self.need_list.view.setFocus,
            "keys_help": self.show_keys,
        })
        self.menus = WorkMenus(self)
        self._tab_order()
        self._update_chips()
        self.resize(1440, 900)
        self._restore_settings()
        self.search_edit.setFocus()
        self.count_label.setText("Opening the directory…")
        if directory is not None:
            self.attach(directory)

    def attach(self, directory: Directory) -> None:
        """Use this open directory: searches run against it from now on."""
        self.directory = directory
        self.controller = SearchController(directory.session, self._search_function, self)
        self.controller.results.connect(self._apply_results)
        self.controller.failed.connect(self._search_failed)
        self.count_label.setText("")
        self.menus.attached()

    # ------------------------------------------------------------------ layout

    def _layout(self) -> None:
        top = QWidget(self)
        top.setObjectName("topBar")
        top.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.search_edit, 5)
        row.addWidget(self.place_bar, 6)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(14, 12, 14, 10)
        top_layout.setSpacing(8)
        top_layout.addLayout(row)
        top_layout.addWidget(self.chips)

        sidebar = QWidget(self)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.need_list, 1)
        keys = QLabel("F1: keyboard shortcuts", sidebar)
        keys.setObjectName("muted")
        side.addWidget(keys)

        middle = QWidget(self)
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.setSpacing(6)
        mid.addWidget(self.emergency_banner)  # before any list
        mid.addWidget(self.place_choices)
        mid.addWidget(self.notice)
        mid.addWidget(self.results_stack, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail_pane)
        self.splitter.addWidget(self.harm_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 4)
        self.splitter.setStretchFactor(3, 2)
        self.splitter.setSizes([230, 420, 520, 300])

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(14, 10, 14, 10)
        body_layout.addWidget(self.splitter)

        central = QWidget(self)
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)

        status = self.statusBar()
        status.setSizeGripEnabled(False)
        status.addWidget(self.readings_bar, 1)
        status.addPermanentWidget(self.status_notice)
        status.addPermanentWidget(self.count_label)

    def _tab_order(self) -> None:
        chain = [
            self.search_edit,
            self.place_bar.place_edit,
            self.place_bar.radius_combo,
            self.place_bar.open_now,
            self.place_bar.national,
            *self.chips.buttons(),
            self.need_list.view,
            self.need_list.clear_button,
            self.place_choices.list,
            self.results_view,
            *self.empty.buttons(),
            self.detail_pane.copy_button,
            self.detail_pane.call_button,
            self.detail_pane.web_button,
            self.detail_pane.browser,
            self.harm_pane.browser,
        ]
        for first, second in zip(chain, chain[1:]):
            self.setTabOrder(first, second)

    # ------------------------------------------------------------------ clock and state

    def set_clock(self, clock: Callable[[], dt.datetime]) -> None:
        """Where "now" comes from (tests fix it); re-runs the search so open/closed follow."""
        self._clock = clock
        self.run_search()

    def now(self) -> dt.datetime:
        return self._clock()

    def filter_state(self) -> FilterState:
        return FilterState(
            needs=self.need_list.model.checked(),
            near_text=self.place_bar.place_edit.text(),
            near_place=self.place_bar.chosen(),
            radius=self.place_bar.radius(),
            open_now=self.place_bar.open_now.isChecked(),
            include_national=self.place_bar.national.isChecked(),
        )

    def query(self, with_counts: bool = False) -> Query:
        from ketdir.search.types import Query

        text = self.search_edit.text()
        lowered = text.lower()
        self._ignored = {term for term in self._ignored if term in lowered}
        f = self.filter_state()
        return Query(
            text=text,
            needs=f.needs,
            near=f.near,
            radius_miles=f.radius,
            open_now=f.open_now,
            at=self.now(),
            include_national=f.include_national,
            ignore_readings=frozenset(self._ignored),
            with_counts=with_counts,
            with_total=with_counts,  # while typing, "50+" near a place; the count when typing pauses
        )

    # ------------------------------------------------------------------ searching

    def start(self) -> None:
        """First search and harm information, once the window is on screen."""
        self.run_search()
        self._update_harm()

    def run_search(self) -> int:
        if self.controller is None:  # still opening the directory; start() searches
            return 0
        self._counts_timer.stop()
        self._counts_seq = None
        return self.controller.submit(self.query())

    def _ask_for_counts(self) -> None:
        if self.controller is not None and self.controller.idle:
            self._counts_seq = self.controller.submit(self.query(with_counts=True))

    def _filters_changed(self) -> None:
        self._update_chips()
        self._update_harm()
        self.run_search()

    def undo_reading(self, term: str) -> None:
        self._ignored.add(term.lower())
        self.run_search()

    def restore_reading(self, term: str) -> None:
        self._ignored.discard(term.lower())
        self.run_search()

    def _search_failed(self, message: str) -> None:
        self._applied_seq = self.controller.latest if self.controller else -1
        self._counts_seq = None
        self.show_notice(message)

    @property
    def settled(self) -> bool:
        """True when the newest query's results are on screen (no search running or waiting)."""
        if self.controller is None:
            return False
        return self.shown and not self._counts_timer.isActive() and self._counts_seq is None

    @property
    def shown(self) -> bool:
        """The newest results are in the list and the status line, notices and harm information follow them
        (the need-type counts may still be on their way)."""
        return self.listed and not self._secondary_pending

    @property
    def listed(self) -> bool:
        """True when the newest query's results are in the list (counts and harm information may follow)."""
        return self.controller is not None and self.controller.idle and self._applied_seq == self.controller.latest

    def _apply_results(self, seq: int, results: Results, seconds: float) -> None:
        self._applied_seq = seq
        if seq == self._counts_seq:  # the same query again, for the need-type counts and the total
            self._counts_seq = None
            self.need_list.model.set_counts(results.need_counts, results.need_counts_at_least)
            if self.model.set_totals(results):
                self._last_results = results
                self._show_count(results)
            self.results_applied.emit()
            return
        self._applying = True
        self._last_results = results
        self.last_search_seconds = seconds
        self.emergency_banner.show_emergency(results.emergency)  # with the list, not after it
        keep = self._selected_id
        self.model.set_results(results)
        row = self.model.row_of(keep)
        if row < 0:
            row = self.model.first_hit_row()
        if row >= 0:
            self.results_view.select_row(row)
        self._applying = False
        self._current_changed(delay=DETAIL_AFTER_RESULTS_MS)
        f = self.filter_state()
        if self.model.hit_count() == 0:
            self._show_empty(results, f)
            self.results_stack.setCurrentWidget(self.empty)
        else:
            self.results_stack.setCurrentWidget(self.results_view)
        self.results_listed.emit()
        # Counts, readings, notices and harm information follow once the list has painted: the next
        # turn of the event loop (posted paint events go before timers).
        self._secondary_pending = True
        QTimer.singleShot(0, lambda r=results, s=seq: self._apply_secondary(r, s))

    def _apply_secondary(self, results: Results, seq: int) -> None:
        if seq != self._applied_seq:
            return  # newer results arrived meanwhile; they bring their own
        self._secondary_pending = False
        f = self.filter_state()
        if results.query.with_counts:
            self.need_list.model.set_counts(results.need_counts, results.need_counts_at_least)
        self.place_choices.set_choices(f.near_text.strip(), results.place_choices)
        notices = [m for m in (None if results.place_choices else results.place_message, results.message,
                               *results.coverage_notes) if m]
        self.notice.setText("  ".join(notices))
        self.notice.setVisible(bool(notices) and self.model.hit_count() > 0)
        self.readings_bar.set_readings(results.readings, frozenset(self._ignored))
        self._tab_order()
        self._show_count(results)
        self._update_harm()
        self._counts_timer.start(self.counts_pause_ms)
        self.results_applied.emit()

    def _show_count(self, results: Results) -> None:
        total = results.total_local + len(results.national)
        amount = results.amount(total)
        self.count_label.setText(f"{amount[0].lower()}{amount[1:]} {'result' if total == 1 else 'results'}")

    def _show_empty(self, results: Results, f: FilterState) -> None:
        text = self.search_edit.text().strip()
        fixes: list[Fix] = []
        if results.place_choices:
            title = f"Which “{f.near_text.strip()}” do you mean?"
            why = "That name belongs to more than one place. Choose one to see services near it."
            for place in results.place_choices:
                fixes.append(Fix(f"Near {place.label}", lambda p=place: self.place_bar.choose(p)))
        elif results.place_message:
            title = "We couldn't find that place"
            why = results.place_message
            fixes.append(Fix("Clear the place", lambda: self.place_bar.set_place_text("")))
        else:
            title = "No services match"
            conditions = []
            if text:
                conditions.append(f"the words “{text}”")
            if f.needs:
                conditions.append("need types " + ", ".join(self.needs.label(c) for c in sorted(f.needs)))
            if f.near and results.place is not None:
                where = results.place.label.split(" (")[0]
                conditions.append(f"within {radius_label(f.radius).lower()} of {where}"
                                  if f.radius is not None else f"near {where}")
            if f.open_now:
                conditions.append("open right now")
            why = ("Nothing has " + "; ".join(conditions) + ".") if conditions else "The directory is empty."
            if not f.include_national:
                why += " National lines are turned off."
        if f.near and f.radius is not None and not results.place_choices and not results.place_message:
            if f.radius < WIDEN_TO:
                fixes.append(Fix(f"Widen to {WIDEN_TO:g} miles", lambda: self.place_bar.set_radius(WIDEN_TO)))
            else:
                fixes.append(Fix("Search any distance", lambda: self.place_bar.set_radius(None)))
        if f.open_now:
            fixes.append(Fix("Turn off open now", lambda: self.place_bar.open_now.setChecked(False)))
        if f.needs:
            fixes.append(Fix("Clear need filters", lambda: self.need_list.model.set_checked(())))
        if not f.include_national:
            fixes.append(Fix("Include national lines", lambda: self.place_bar.national.setChecked(True)))
        if text:
            fixes.append(Fix("Clear the search words", self.search_edit.clear))
        self.empty.set_state(title, why, fixes)

    # ------------------------------------------------------------------ chips and harm

    def _update_chips(self) -> None:
        f = self.filter_state()
        chips: list[Chip] = []
        if f.near_text.strip():
            where = f.near_text.strip()
            label = f"Near {where}" + (f" · within {radius_label(f.radius)}" if f.radius is not None else "")
            chips.append(Chip(label, lambda: self.place_bar.set_place_text("")))
        for code in sorted(f.needs, key=lambda c: self.need_list.model.row_of(c)):
            chips.append(Chip(self.needs.label(code),
                              lambda c=code: self.need_list.model.set_checked(f.needs - {c})))
        if f.open_now:
            chips.append(Chip("Open now", lambda: self.place_bar.open_now.setChecked(False)))
        if not f.include_national:
            chips.append(Chip("No national lines", lambda: self.place_bar.national.setChecked(True)))
        self.chips.set_chips(chips)
        self._tab_order()

    def _update_harm(self) -> None:
        codes = list(sorted(self.need_list.model.checked(), key=lambda c: self.need_list.model.row_of(c)))
        if self._last_results is not None:
            codes += [r.need for r in self._last_results.readings if r.need and r.need not in codes]
        if not codes and self._detail is not None:
            codes = list(self._detail.needs)
        lead = self._last_results.harm_topics if self._last_results is not None else ()
        self.harm_pane.show_content(load_harm_content(codes, lead))

    def clear_filters(self) -> None:
        blockers = [self.place_bar.radius_combo, self.place_bar.open_now, self.place_bar.national]
        for widget in blockers:
            widget.blockSignals(True)
        self.place_bar.set_radius(10.0)
        self.place_bar.open_now.setChecked(False)
        self.place_bar.national.setChecked(True)
        for widget in blockers:
            widget.blockSignals(False)
        self.need_list.model.blockSignals(True)
        self.need_list.model.set_checked(())
        self.need_list.model.blockSignals(False)
        self.need_list.model.dataChanged.emit(self.need_list.model.index(0),
                                              self.need_list.model.index(len(self.needs.all) - 1))
        self.place_bar.set_place_text("", emit=False)
        self._filters_changed()

    # ------------------------------------------------------------------ selection and detail

    def _current_changed(self, *_args, delay: int = DETAIL_AFTER_MOVE_MS) -> None:
        if self._applying:
            return
        index = self.results_view.currentIndex()
        service_id = index.data(Role.ServiceId) if index.isValid() else None
        if service_id != self._selected_id or (service_id and (self._detail is None
                                                              or self._detail.id != service_id)):
            self._selected_id = service_id
            self._detail_timer.start(delay)
        if service_id is None and self._detail is not None:
            self._detail_timer.start(delay)

    def _load_current_detail(self) -> ServiceDetail | None:
        self._detail_timer.stop()
        service_id = self._selected_id
        if service_id is None:
            self._detail = None
            self.detail_pane.show_detail(None, self.now().date(), self.now())
            self._update_harm()
            return None
        if self._detail is not None and self._detail.id == service_id:
            return self._detail
        if self.directory is None:
            return None
        from ketdir.store.detail import load_service_detail

        now = self.now()
        try:
            with self.directory.session() as session:
                detail = load_service_detail(session, service_id, today=now.date())
        except Exception as exc:  # a read failure is a notice, not a crash
            self.show_notice(f"Could not read this service: {exc}")
            return None
        self._detail = detail
        self.detail_pane.show_detail(detail, now.date(), now)
        self._update_harm()
        if detail is not None:
            self.detail_shown.emit(detail.id)
        return detail

    def current_detail(self) -> ServiceDetail | None:
        """The selected service's details, loaded now if they are not yet."""
        if self._detail_timer.isActive() or (self._selected_id and (self._detail is None
                                                                   or self._detail.id != self._selected_id)):
            return self._load_current_detail()
        return self._detail

    def show_service(self, service_id: str) -> None:
        """Show this service in the detail pane (from the shortlist or data health), wherever it is."""
        self._selected_id = service_id
        self._detail = None
        self._load_current_detail()

    def open_detail(self) -> None:
        if self.current_detail() is not None:
            self.detail_pane.browser.setFocus()

    def copy_referral(self) -> None:
        detail = self.current_detail()
        if detail is None:
            self.show_notice("Choose a service first, then copy its referral.")
            return
        now = self.now()
        copy_referral(detail, now.date(), now)
        self.show_notice(f"Referral for {detail.name} copied — paste it into notes, an email or a text.")

    # ------------------------------------------------------------------ keyboard

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def focus_place(self) -> None:
        self.place_bar.place_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.place_bar.place_edit.selectAll()

    def clear(self) -> None:
        """Esc: clear the search words; if there are none, clear the filters."""
        if self.search_edit.text():
            self.search_edit.clear()
        elif not self.filter_state().is_default:
            self.clear_filters()
        self.focus_search()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}[key]
                self.results_view.move_to_hit(step)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_detail()
                return True
        return super().eventFilter(watched, event)

    def show_keys(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in [*KEYS_HELP, *EXTRA_KEYS])
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", f"<table>{rows}</table>",
                          QMessageBox.StandardButton.Close, self)
        box.setAccessibleName("Keyboard shortcuts")
        box.open()

    def show_notice(self, text: str) -> None:
        self.status_notice.setText(text)
        self._notice_timer.start(NOTICE_MS)

    # ------------------------------------------------------------------ settings and shutdown

    def _settings(self) -> QSettings | None:
        return user_settings()

    def _restore_settings(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("window/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        settings = self._settings()
        if settings is not None:
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/splitter", self.splitter.saveState())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the search thread (tests call this; closing the window does it too)."""
        if self.controller is not None:
            self.controller.close()
