"""The main window: search, filters, results, the service's details and harm information.

It wires widgets together and turns their state into a Query. Searching is `LiveSearch` (results as people
type, counts after a pause); the service's details, the directory's generation and every other read run on
the window's Worker through `ketdir.app`. Nothing here touches the database on the UI thread.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QStackedWidget

from ketdir import hours
from ketdir.gui import theme
from ketdir.gui.actions import build_actions
from ketdir.gui.chips import Chip, ChipsBar
from ketdir.gui.clipboard import copy_referral
from ketdir.gui.detail_pane import DetailPane, HarmPane
from ketdir.gui.emergency_banner import EmergencyBanner
from ketdir.gui.empty_state import EmptyState, Fix
from ketdir.gui.filters import FilterState, NeedList, PlaceBar, radius_label
from ketdir.gui.harm_html import load_harm_content
from ketdir.gui.live_search import COUNTS_PAUSE_MS, Answer, LiveSearch
from ketdir.gui.menus import WorkMenus
from ketdir.gui.open_at import moment_text
from ketdir.gui.place_choices import PlaceChoices
from ketdir.gui.readings_bar import ReadingsBar
from ketdir.gui.results_model import ResultsModel, Role
from ketdir.gui.results_view import ResultsView
from ketdir.gui.screen import fit_to_screen
from ketdir.gui.settings import user_settings
from ketdir.gui.shown_service import ShownService
from ketdir.gui.window_layout import WindowLayout
from ketdir.gui.workers import Worker
from ketdir.needs import need_types

if TYPE_CHECKING:  # loaded after the window shows (they bring in SQLAlchemy and the search engine)
    from ketdir.app import Directory
    from ketdir.app.search import Searcher
    from ketdir.gui.directory_watch import DirectoryWatch
    from ketdir.problems import KetdirProblem
    from ketdir.search.types import Query, Results
    from ketdir.store.detail import ServiceDetail

WIDEN_TO = 25.0
NOTICE_MS = 6000
DETAIL_AFTER_MOVE_MS = 40  # a person moved the selection: show the service almost at once
NAV_KEYS = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
TITLE = "Support services directory"  # Qt adds " — ketdir", the application's display name


def london_now() -> dt.datetime:
    return dt.datetime.now(hours.LONDON)


def _complete_places(prefix: str) -> list[str]:
    from ketdir.geo import default_gazetteer

    return default_gazetteer().complete(prefix, 8)


class MainWindow(QMainWindow):
    results_listed = Signal()  # the newest results are in the list (the latency benchmark waits on it)
    results_applied = Signal()  # ... and counts, readings, notices and harm information follow them
    detail_shown = Signal(str)  # service id
    refreshed = Signal()  # the results were read again because the directory changed elsewhere

    def __init__(self, directory: Directory | None, *, search: Callable | None = None,
                 complete: Callable[[str], list[str]] | None = _complete_places, parent=None) -> None:
        super().__init__(parent)
        self.directory: Directory | None = None
        self.searcher: Searcher | None = None
        self.live: LiveSearch | None = None
        self.watch: DirectoryWatch | None = None
        self.worker = Worker(self, threads=2, keep_threads=True)
        self._search_function = search
        self._clock: Callable[[], dt.datetime] = london_now
        self._at: dt.datetime | None = None  # "open at" another moment (naive London time); None: now
        self._ignored: set[str] = set()
        self._last_results: Results | None = None
        self._secondary_pending = False
        self._pause_ms = COUNTS_PAUSE_MS
        self.last_search_seconds: float | None = None
        # Keys pressed in the list before the newest results arrived, applied to them when they do.
        self._keys_waiting: list[Callable[[], None]] = []
        self.service = ShownService(self.worker, lambda: bool(self._keys_waiting), self)  # the detail pane's
        self._focus_place_choices = False  # Enter in the place field: a choice list takes the keyboard
        self._applying = False
        self._shut = False

        self.setWindowTitle(TITLE)
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

        self.arrangement = WindowLayout(self)

        # ---- behaviour
        for widget in (self.search_edit, self.place_bar.place_edit, self.results_view):
            widget.installEventFilter(self)
        self.search_edit.textChanged.connect(lambda _t: self.run_search())
        self.place_bar.changed.connect(self._filters_changed)
        self.place_bar.place_changed.connect(self._filters_changed)
        self.place_bar.place_edit.returnPressed.connect(self._place_entered)
        self.need_list.changed.connect(self._filters_changed)
        self.place_choices.chosen.connect(self._place_chosen)
        self.place_choices.suggested.connect(self._place_chosen)
        self.readings_bar.undo.connect(self.undo_reading)
        self.readings_bar.restore.connect(self.restore_reading)
        self.results_view.selectionModel().currentChanged.connect(self._current_changed)
        self.results_view.activated.connect(lambda _i: self.open_detail())
        self.detail_pane.copy_requested.connect(self.copy_referral)
        self.service.shown.connect(self._show_detail)
        self.service.gone.connect(lambda: self.show_notice(
            "That service is no longer in the directory (it was removed or retired)."))
        self.service.failed.connect(lambda problem: self.show_notice(f"Could not read this service: {problem}"))

        self.actions_ = build_actions(self, {
            "new_caller": self.new_caller,
            "focus_search": self.focus_search,
            "focus_place": self.focus_place,
            "focus_needs": self.need_list.view.setFocus,
            "focus_results": self.focus_results,
            "open_at": self.ask_open_at,
            "back_to_now": lambda: self.set_open_at(None),
            "clear": self.clear,
            "copy_referral": self.copy_referral,
            "call": self.detail_pane.call,
            "open_website": self.detail_pane.open_website,
            "keys_help": self.show_keys,
        })
        self.actions_.back_to_now.setEnabled(False)
        self.menus = WorkMenus(self)
        self._tab_order()
        self._update_chips()
        self.resize(1440, 900)
        self._restore_settings()
        fit_to_screen(self)
        self.arrangement.arrange()  # before showing: four columns that do not fit would widen the window
        self.search_edit.setFocus()
        self.count_label.setText("Opening the directory…")
        if directory is not None:
            self.attach(directory)

    def attach(self, directory: Directory) -> None:
        """Use this open directory: searches run against it from now on, and changes to it are watched."""
        from ketdir.app.search import Searcher
        from ketdir.gui.directory_watch import DirectoryWatch

        self.directory = directory
        self.searcher = Searcher(directory, self._search_function) if self._search_function else Searcher(directory)
        self.service.set_reader(lambda service_id: self.searcher.detail(service_id, self.moment().date()))
        self.live = LiveSearch(self.searcher, self.worker, self)
        self.live.pause_ms = self._pause_ms
        self.live.answered.connect(self._answered)
        self.live.failed.connect(self._search_failed)
        self.watch = DirectoryWatch(self.searcher.generation, self.worker, self)
        self.watch.changed.connect(self.refresh)
        self.watch.start()
        self.count_label.setText("")
        self.menus.attached()
        if self.menus.shortlist_dock is not None:
            self.menus.shortlist_dock.visibilityChanged.connect(self._place_shortlist)

    # ------------------------------------------------------------------ layout

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.arrangement.arrange()

    def _place_shortlist(self, visible: bool) -> None:
        if visible:
            self.arrangement.place_dock(self.menus.shortlist_dock)

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
            *self.place_choices.focus_chain(),
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

    def moment(self) -> dt.datetime:
        """The moment opening times are shown for: the one chosen with Open at…, else now."""
        return self._at if self._at is not None else self.now()

    @property
    def counts_pause_ms(self) -> int:
        return self._pause_ms

    @counts_pause_ms.setter
    def counts_pause_ms(self, value: int) -> None:
        self._pause_ms = value
        if self.live is not None:
            self.live.pause_ms = value

    def filter_state(self) -> FilterState:
        return FilterState(
            needs=self.need_list.model.checked(),
            near_text=self.place_bar.place_edit.text(),
            near_place=self.place_bar.chosen(),
            radius=self.place_bar.radius(),
            open_now=self.place_bar.open_now.isChecked(),
            include_national=self.place_bar.national.isChecked(),
            at=self._at,
        )

    def query(self) -> Query:
        from ketdir.search.types import Query

        text = self.search_edit.text()
        lowered = text.lower()
        self._ignored = {term for term in self._ignored if term in lowered}
        f = self.filter_state()
        return Query(text=text, needs=f.needs, near=f.near, radius_miles=f.radius, open_now=f.open_now,
                     at=self.moment(), include_national=f.include_national, ignore_readings=frozenset(self._ignored))

    # ------------------------------------------------------------------ searching

    def start(self) -> None:
        """First search and harm information, once the window is on screen."""
        self.run_search()
        self._update_harm()

    def run_search(self) -> int:
        if self.live is None:  # still opening the directory; start() searches
            return 0
        return self.live.ask(self.query())

    def refresh(self) -> None:
        """The directory changed elsewhere: read the same search again, keeping the person's place, and re-read
        the service in the detail pane."""
        if self.live is None:
            return
        self.live.ask(self.query(), refresh=True)
        self.service.reload()
        self.show_notice("The directory was updated (an import or an edit): the results are up to date.")

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

    def _search_failed(self, problem: KetdirProblem) -> None:
        self.show_notice(str(problem))
        self._run_waiting_keys()

    @property
    def settled(self) -> bool:
        """The newest query's results and counts are on screen and the detail pane shows the service wanted."""
        return self.shown and self.live.settled and not self._keys_waiting and not self.service.loading

    @property
    def shown(self) -> bool:
        """The newest results are in the list and the status line, notices and harm information follow them
        (the need-type counts may still be on their way)."""
        return self.listed and not self._secondary_pending

    @property
    def listed(self) -> bool:
        """True when the newest query's results are in the list (counts and harm information may follow)."""
        return self.live is not None and self.live.listed

    def _answered(self, answer: Answer) -> None:
        results = answer.results
        if answer.counted:  # the same query again, with the need-type counts and the total
            self.need_list.model.set_counts(results.need_counts, results.need_counts_at_least)
            if self.model.set_totals(results):
                self._last_results = results
                self._show_count(results)
            self.results_applied.emit()
            return
        self._last_results = results
        self.last_search_seconds = answer.seconds
        self.emergency_banner.show_emergency(results.emergency)  # with the list, not after it
        self._list(results, keep_place=answer.refresh)
        self.results_listed.emit()
        if answer.refresh:
            self.refreshed.emit()
        self._run_waiting_keys()
        # Counts, readings, notices and harm information follow once the list has painted: the next
        # turn of the event loop (posted paint events go before timers).
        self._secondary_pending = True
        QTimer.singleShot(0, lambda r=results, s=answer.seq: self._apply_secondary(r, s))

    def _list(self, results: Results, keep_place: bool) -> None:
        """Put the results in the list. A new search starts at the top with nothing selected; a refresh keeps
        the selected service and the scroll position."""
        view = self.results_view
        selected = view.currentIndex().data(Role.ServiceId) if keep_place else None
        scrolled = view.verticalScrollBar().value()
        self._applying = True
        self.model.set_results(results)
        view.selectionModel().clear()
        row = self.model.row_of(selected) if selected else -1
        if row >= 0:
            view.select_row(row)
            view.verticalScrollBar().setValue(scrolled)
        else:
            view.scrollToTop()
        self._applying = False
        if self.model.hit_count() == 0:
            self._show_empty(results, self.filter_state())
            self.results_stack.setCurrentWidget(self.empty)
        else:
            self.results_stack.setCurrentWidget(self.results_view)

    def _apply_secondary(self, results: Results, seq: int) -> None:
        if self.live is None or seq != self.live.latest:
            return  # newer results arrived meanwhile; they bring their own
        self._secondary_pending = False
        f = self.filter_state()
        self.place_choices.show_for(f.near_text.strip(), results.place_choices, results.place_message,
                                    results.place_suggestions)
        if self._focus_place_choices and (results.place_choices or results.place_suggestions):
            self.place_choices.take_focus()
        self._focus_place_choices = False
        notices = [m for m in (results.message, *results.coverage_notes) if m]
        self.notice.setText("  ".join(notices))
        self.notice.setVisible(bool(notices) and self.model.hit_count() > 0)
        self.readings_bar.set_readings(results.readings, frozenset(self._ignored))
        self._update_chips()
        self._show_count(results)
        self._update_harm()
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
                conditions.append(f"open at {moment_text(f.at)}" if f.at else "open right now")
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

    def _resolved_place_label(self, f: FilterState) -> str | None:
        """The place the newest results were searched near, if it is the place in the field and it resolved."""
        results = self._last_results
        place = results.place if results is not None else None
        if place is None or not f.near or results.query.near != f.near:
            return None
        return place.name if place.kind == "district" else place.label.split(" (")[0]

    def _update_chips(self) -> None:
        f = self.filter_state()
        chips: list[Chip] = []
        place = self._resolved_place_label(f)
        if place:
            label = f"Near {place}" + (f" · within {radius_label(f.radius)}" if f.radius is not None else "")
            chips.append(Chip(label, lambda: self.place_bar.set_place_text("")))
        for code in sorted(f.needs, key=lambda c: self.need_list.model.row_of(c)):
            chips.append(Chip(self.needs.label(code),
                              lambda c=code: self.need_list.model.set_checked(f.needs - {c})))
        if f.open_now:
            chips.append(Chip("Open then" if f.at else "Open now",
                              lambda: self.place_bar.open_now.setChecked(False)))
        if f.at is not None:
            chips.append(Chip(f"Times at {moment_text(f.at)}", lambda: self.set_open_at(None)))
        if not f.include_national:
            chips.append(Chip("No national lines", lambda: self.place_bar.national.setChecked(True)))
        self.chips.set_chips(chips)
        self._tab_order()

    def _update_harm(self) -> None:
        codes = list(sorted(self.need_list.model.checked(), key=lambda c: self.need_list.model.row_of(c)))
        if self._last_results is not None:
            codes += [r.need for r in self._last_results.readings if r.need and r.need not in codes]
        if not codes and self.service.detail is not None:
            codes = list(self.service.detail.needs)
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
        self.need_list.update_clear_button()
        self.place_bar.set_place_text("", emit=False)
        self._set_at(None)
        self._filters_changed()

    # ------------------------------------------------------------------ open at another time

    def ask_open_at(self) -> None:
        from ketdir.gui.open_at import OpenAtDialog

        dialog = OpenAtDialog(self._at, self.now(), self)
        dialog.chosen.connect(self.set_open_at)
        dialog.open()

    def set_open_at(self, at: dt.datetime | None) -> None:
        """Show opening times for `at` (naive London time), or for now with None."""
        if at == self._at:
            return
        self._set_at(at)
        self.show_notice(f"Opening times for {moment_text(at)}. Ctrl+Shift+T goes back to now." if at
                         else "Opening times for now.")
        self._filters_changed()
        if self.service.detail is not None:
            self._show_detail(self.service.detail)

    def _set_at(self, at: dt.datetime | None) -> None:
        self._at = at
        self.place_bar.open_now.setText("&Open then" if at else "&Open now")
        self.actions_.back_to_now.setEnabled(at is not None)

    # ------------------------------------------------------------------ selection and detail

    def _current_changed(self, current, _previous=None) -> None:
        if self._applying:
            return
        service_id = current.data(Role.ServiceId) if current.isValid() else None
        if service_id is not None:  # None: a new search cleared the list; the pane keeps the person's service
            self.service.want(service_id, DETAIL_AFTER_MOVE_MS)

    def _show_detail(self, detail: ServiceDetail | None) -> None:
        at = self.moment()
        self.detail_pane.show_detail(detail, at.date(), at)
        self._update_harm()
        if detail is not None:
            self.detail_shown.emit(detail.id)

    def with_detail(self, callback: Callable[[ServiceDetail | None], None]) -> None:
        """Call back with the service the person has chosen, once keys pressed ahead and its details arrive."""
        self.service.with_detail(callback)

    def current_detail(self) -> ServiceDetail | None:
        """The service in the detail pane, for the menus (one just selected is waited for)."""
        return self.service.current()

    def show_service(self, service_id: str) -> None:
        """Show this service in the detail pane (from the shortlist or data health), wherever it is."""
        self.service.show_now(service_id)

    def open_detail(self) -> None:
        if not self.listed:
            self._keys_waiting.append(self.open_detail)
            return
        if self.results_view.currentIndex().isValid():
            self._current_changed(self.results_view.currentIndex())
        self.with_detail(lambda detail: detail is not None and self.detail_pane.browser.setFocus())

    def copy_referral(self) -> None:
        self.with_detail(self._copy)

    def _copy(self, detail: ServiceDetail | None) -> None:
        if detail is None:
            self.show_notice("Choose a service first, then copy its referral.")
            return
        at = self.moment()
        copy_referral(detail, at.date(), at)
        self.show_notice(f"Referral for {detail.name} copied — paste it into notes, an email or a text.")

    # ------------------------------------------------------------------ keyboard

    def move_in_results(self, step: int) -> None:
        """Move the selection by `step` results; keys pressed before the newest results arrive apply to them."""
        if not self.listed:
            self._keys_waiting.append(lambda: self.move_in_results(step))
            return
        self.results_view.move_to_hit(step)

    def _run_waiting_keys(self) -> None:
        waiting, self._keys_waiting = self._keys_waiting, []
        for key in waiting:
            key()
        self.service.ready()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def focus_place(self) -> None:
        self.place_bar.place_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.place_bar.place_edit.selectAll()

    def focus_results(self) -> None:
        self.results_stack.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _place_entered(self) -> None:
        self._focus_place_choices = True

    def _place_chosen(self, place) -> None:
        """A choice ("Bangor, Wales") or a suggestion ("Brighton"): search near it; the keyboard goes to the
        results, where Down selects the first."""
        if isinstance(place, str):
            self.place_bar.set_place_text(place)
        else:
            self.place_bar.choose(place)
        self.results_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        """Esc: clear the search words; if there are none, clear the filters."""
        if self.search_edit.text():
            self.search_edit.clear()
        elif not self.filter_state().is_default:
            self.clear_filters()
        self.focus_search()

    def new_caller(self) -> None:
        """Ctrl+N: a clean window for the next person — no words, filters, place, selection or shortlist."""
        self._keys_waiting.clear()
        self._ignored.clear()
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self.service.clear()
        self.place_choices.show_for("", [], None, [])
        self.clear_filters()  # searches once, from the top with nothing selected
        shortlist = self.menus.shortlist
        if shortlist is not None:
            shortlist.clear(confirm=False)
            self.menus.shortlist_dock.hide()
        self.focus_search()
        self.show_notice("Ready for a new caller: the search, filters, place and shortlist are cleared.")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() != QEvent.Type.KeyPress or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return super().eventFilter(watched, event)
        key = event.key()
        if watched is self.search_edit:
            if key in NAV_KEYS:
                self.move_in_results(NAV_KEYS[key])
                return True
            if key in ENTER_KEYS:
                self.open_detail()
                return True
        elif watched is self.place_bar.place_edit:
            if key == Qt.Key.Key_Down and not self.place_bar.completions_shown():
                # Down from the place field goes to the results (searching near the typed place first).
                if self.place_bar.has_uncommitted_text():
                    self.place_bar.commit()
                self.results_view.setFocus(Qt.FocusReason.TabFocusReason)
                self.move_in_results(1)
                return True
        elif watched is self.results_view and not self.listed:
            if key in NAV_KEYS:
                self.move_in_results(NAV_KEYS[key])
                return True
            if key in ENTER_KEYS:
                self.open_detail()
                return True
        return super().eventFilter(watched, event)

    def show_keys(self) -> None:
        from ketdir.gui.text_dialog import keys_dialog

        keys_dialog(self).open()

    def show_notice(self, text: str) -> None:
        self.status_notice.setText(text)
        self.status_notice.setToolTip(text)
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
            self.arrangement.splitter.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        settings = self._settings()
        if settings is not None:
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/splitter", self.arrangement.splitter.saveState())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop watching and searching and wait for the worker (tests call this; closing the window does too)."""
        if self._shut:
            return
        self._shut = True
        if self.watch is not None:
            self.watch.stop()
        if self.live is not None:
            self.live.close()
        self.service.clear()
        self.worker.shutdown()
        if self.searcher is not None:
            self.searcher.close()

