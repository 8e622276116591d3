"""Where the main window's parts go, for the screen and the text size it has.

Wide: search and place with radius, open now and national lines on one row; need types, results, service details
and harm information side by side. Narrow (a 1366×768 laptop at 200 % text): radius and the rest move to the
filters' row, the details stack over the harm information (the results keep at least RESULTS_CHARS characters),
and the shortlist docks below the columns instead of beside them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from ketdir.gui.screen import FRAME, available, fit_to_screen

if TYPE_CHECKING:
    from ketdir.gui.main_window import MainWindow

RESULTS_CHARS = 40  # the results column never gets narrower than this many characters
DETAIL_CHARS = 38
HARM_CHARS = 30
COLUMN_MARGINS = 120  # the window's and the splitters' margins and handles
SEARCH_CHARS, PLACE_CHARS = 36, 24  # the search row keeps room for its placeholders' words


class WindowLayout:
    def __init__(self, window: MainWindow) -> None:
        self.window = w = window
        top = QWidget(w)
        top.setObjectName("topBar")
        top.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.first_row = QHBoxLayout()
        self.first_row.setSpacing(10)
        self.first_row.addWidget(w.search_edit, 5)
        self.first_row.addWidget(w.place_bar, 3)
        self.first_row.addWidget(w.place_bar.options)
        self.second_row = QHBoxLayout()
        self.second_row.setSpacing(10)
        self.second_row.addWidget(w.chips, 1)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(14, 12, 14, 10)
        top_layout.setSpacing(8)
        top_layout.addLayout(self.first_row)
        top_layout.addLayout(self.second_row)

        sidebar = QWidget(w)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(w.need_list, 1)
        keys = QLabel("F1: keyboard shortcuts", sidebar)
        keys.setObjectName("muted")
        side.addWidget(keys)

        self.middle = QWidget(w)
        mid = QVBoxLayout(self.middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.setSpacing(6)
        mid.addWidget(w.emergency_banner)  # before any list
        mid.addWidget(w.place_choices)
        mid.addWidget(w.notice)
        mid.addWidget(w.results_stack, 1)
        chars = w.fontMetrics().averageCharWidth()
        self.middle.setMinimumWidth(chars * RESULTS_CHARS)
        w.detail_pane.setMinimumWidth(max(chars * DETAIL_CHARS, w.detail_pane.minimumSizeHint().width()))
        w.harm_pane.setMinimumWidth(chars * HARM_CHARS)

        self.info = QSplitter(Qt.Orientation.Horizontal, w)  # service details | harm information
        self.info.setChildrenCollapsible(False)
        self.info.addWidget(w.detail_pane)
        self.info.addWidget(w.harm_pane)
        self.info.setStretchFactor(0, 2)
        self.info.setStretchFactor(1, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, w)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(self.middle)
        self.splitter.addWidget(self.info)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 6)
        self.splitter.setSizes([w.need_list.preferred_width, chars * (RESULTS_CHARS + 25), chars * 110])

        body = QWidget(w)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(14, 10, 14, 10)
        body_layout.addWidget(self.splitter)

        central = QWidget(w)
        central.setObjectName("central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(top)
        layout.addWidget(body, 1)
        w.setCentralWidget(central)

        # Long notices and readings never widen the window past a small screen: they take the width there is.
        for label in (w.readings_bar, w.status_notice):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        status = w.statusBar()
        status.setSizeGripEnabled(False)
        status.addWidget(w.readings_bar, 1)
        status.addPermanentWidget(w.status_notice)
        status.addPermanentWidget(w.count_label)

    def arrange(self) -> None:
        """Fit the parts to the window's width (on every resize, and once before it is shown)."""
        w = self.window
        chars = w.fontMetrics().averageCharWidth()
        options = w.place_bar.options
        one_row = chars * (SEARCH_CHARS + PLACE_CHARS) + options.sizeHint().width() + COLUMN_MARGINS
        row = self.first_row if w.width() >= one_row else self.second_row
        if row.indexOf(options) < 0:
            (self.second_row if row is self.first_row else self.first_row).removeWidget(options)
            if row is self.first_row:
                row.addWidget(options)
            else:
                row.insertWidget(0, options)
        side_by_side = (w.need_list.preferred_width + self.middle.minimumWidth() + w.detail_pane.minimumWidth()
                        + w.harm_pane.minimumWidth() + COLUMN_MARGINS)
        wanted = Qt.Orientation.Horizontal if w.width() >= side_by_side else Qt.Orientation.Vertical
        if self.info.orientation() != wanted:
            self.info.setOrientation(wanted)
            if wanted == Qt.Orientation.Vertical:  # the room the harm column had goes to the results
                needs, detail = w.need_list.view.minimumWidth(), w.detail_pane.minimumWidth()
                rest = max(w.width() - needs - detail - COLUMN_MARGINS, self.middle.minimumWidth())
                self.splitter.setSizes([needs, rest, detail])

    def place_dock(self, dock: QDockWidget) -> None:
        """A dock just shown goes beside the columns where the screen is wide enough, else below them."""
        w = self.window
        if dock.isFloating():
            return
        beside = (w.centralWidget().minimumSizeHint().width() + dock.minimumSizeHint().width() + FRAME
                  <= available(w).width())
        area = Qt.DockWidgetArea.RightDockWidgetArea if beside else Qt.DockWidgetArea.BottomDockWidgetArea
        if w.dockWidgetArea(dock) != area:
            w.addDockWidget(area, dock)
        if not beside:  # a third of the height; the results keep the rest
            w.resizeDocks([dock], [w.height() // 3], Qt.Orientation.Vertical)
        QTimer.singleShot(0, lambda: fit_to_screen(w))  # showing it beside the columns may have widened the window
