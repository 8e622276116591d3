"""The filters: need types (checkable, with counts), place with completion, radius, open now and national
lines. Each widget says when it changed; the window turns the lot into a Query through `FilterState`.
(An ambiguous or unknown place gets its choices in place_choices.py.)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ketdir.search.types import count_text
from ketdir.gui import theme
from ketdir.needs import NeedType

RADIUS_CHOICES: tuple[tuple[str, float | None], ...] = (
    ("1 mile", 1.0),
    ("3 miles", 3.0),
    ("5 miles", 5.0),
    ("10 miles", 10.0),
    ("25 miles", 25.0),
    ("50 miles", 50.0),
    ("Any distance", None),
)
DEFAULT_RADIUS = 10.0
PLACE_PAUSE_MS = 450  # wait for a pause before searching a half-typed place


@dataclass(frozen=True)
class FilterState:
    needs: frozenset[str] = frozenset()
    near_text: str = ""
    near_place: object | None = None  # a geo.Place chosen from the choice list
    radius: float | None = DEFAULT_RADIUS
    open_now: bool = False
    include_national: bool = True
    at: dt.datetime | None = None  # "open at" another moment (London wall-clock time); None: now

    @property
    def near(self):
        return self.near_place if self.near_place is not None else (self.near_text.strip() or None)

    @property
    def is_default(self) -> bool:
        return (not self.needs and not self.near_text.strip() and not self.open_now and self.include_national
                and self.radius == DEFAULT_RADIUS and self.at is None)


def radius_label(radius: float | None) -> str:
    return next((label for label, value in RADIUS_CHOICES if value == radius), f"{radius:g} miles")


# ---------------------------------------------------------------------------------------- need types


class NeedModel(QAbstractListModel):
    """Need types with a check box and the number of matching services."""

    checked_changed = Signal()
    CodeRole = Qt.ItemDataRole.UserRole + 1
    CountRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, needs: tuple[NeedType, ...], parent=None) -> None:
        super().__init__(parent)
        self._needs = list(needs)
        self._checked: set[str] = set()
        self._counts: dict[str, int] = {}
        self._at_least: frozenset[str] = frozenset()  # codes whose count is a lower bound

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._needs)

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        need = self._needs[index.row()]
        count = self._counts.get(need.code)
        amount = count_text(count, need.code in self._at_least) if count is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{need.label}  ({amount})" if amount is not None else need.label
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if need.code in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and count == 0 and need.code not in self._checked:
            return theme.colours().muted  # still says "(0)" in words
        if role == Qt.ItemDataRole.ToolTipRole:
            return need.description
        if role == Qt.ItemDataRole.AccessibleTextRole:
            ticked = "ticked" if need.code in self._checked else "not ticked"
            found = f", {amount} services" if amount is not None else ""
            return f"{need.label}{found}, {ticked}"
        if role == self.CodeRole:
            return need.code
        if role == self.CountRole:
            return count
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        code = self._needs[index.row()].code
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        if checked:
            self._checked.add(code)
        else:
            self._checked.discard(code)
        self.dataChanged.emit(index, index, [role, Qt.ItemDataRole.AccessibleTextRole])
        self.checked_changed.emit()
        return True

    def checked(self) -> frozenset[str]:
        return frozenset(self._checked)

    def set_checked(self, codes) -> None:
        codes = set(codes)
        if codes == self._checked:
            return
        self._checked = codes
        self.dataChanged.emit(self.index(0), self.index(len(self._needs) - 1))
        self.checked_changed.emit()

    def set_counts(self, counts: dict[str, int] | None, at_least: frozenset[str] = frozenset()) -> None:
        """Counts by need code; at_least: the codes whose count is a lower bound ("1,300+")."""
        counts = dict(counts or {})
        if counts == self._counts and at_least == self._at_least:
            return
        self._counts, self._at_least = counts, frozenset(at_least)
        self.layoutAboutToBeChanged.emit()  # longer texts may wrap onto another line: the rows are measured again
        self.layoutChanged.emit()

    def row_of(self, code: str) -> int:
        return next((i for i, n in enumerate(self._needs) if n.code == code), -1)

    def label(self, code: str) -> str:
        return next((n.label for n in self._needs if n.code == code), code)


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped beside the check box (Qt measures wrapped rows without the box, so
    a name that just fits the row but not beside the box was cut off with "…")."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802 (Qt API)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        view = self.parent()
        style = view.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        box = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
        spacing = style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing)
        width = max(view.viewport().width() - box - spacing - 6 * margin - opt.fontMetrics.averageCharWidth(), 10)
        text = opt.fontMetrics.boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, opt.text)
        return QSize(view.viewport().width(), max(text.height(), box) + 2 * margin + 2)


class NeedList(QWidget):
    """"Need types" heading, a Clear button, and the checkable list."""

    changed = Signal()

    def __init__(self, needs: tuple[NeedType, ...], parent=None) -> None:
        super().__init__(parent)
        self.model = NeedModel(needs, self)
        title = QLabel("&Need types", self)
        title.setObjectName("sectionTitle")
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setObjectName("linkButton")
        self.clear_button.setAccessibleName("Clear need-type filters")
        self.clear_button.setToolTip("Untick all need types")
        self.clear_button.clicked.connect(lambda: self.model.set_checked(()))
        self.view = QListView(self)
        self.view.setObjectName("needList")
        self.view.setModel(self.model)
        self.view.setAccessibleName("Need types")
        self.view.setAccessibleDescription("Tick need types to show services that help with them. Space ticks.")
        # Wide enough, where there is room, for the longest need type with the longest count beside it on one
        # line; on a narrow screen at large text the names wrap instead (never cut off with "…").
        metrics = self.view.fontMetrics()
        widest = max((metrics.horizontalAdvance(f"{n.label}  (2,000+)") for n in needs), default=0)
        self.preferred_width = widest + 40  # and the check box, the margins and a scroll bar
        self.view.setMinimumWidth(metrics.averageCharWidth() * 16 + 40)
        self.view.setWordWrap(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setItemDelegate(WrappingDelegate(self.view))
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        title.setBuddy(self.view)
        self.view.setCurrentIndex(self.model.index(0))
        self.model.checked_changed.connect(self.update_clear_button)
        self.model.checked_changed.connect(self.changed)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        self.update_clear_button()

    def update_clear_button(self) -> None:
        self.clear_button.setEnabled(bool(self.model.checked()))


# ---------------------------------------------------------------------------------------- place


class PlaceBar(QWidget):
    """Place field (with completion); its `options` row holds radius, open now and national lines."""

    changed = Signal()  # anything but the place text changed
    place_changed = Signal()  # the place text changed (after a pause, Enter or a completion)

    def __init__(self, complete: Callable[[str], list[str]] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._complete = complete
        self._chosen = None  # a Place picked from the choice list
        self.place_edit = QLineEdit(self)
        self.place_edit.setObjectName("placeField")
        self.place_edit.setPlaceholderText("Postcode, district or town")
        self.place_edit.setAccessibleName("Near")
        self.place_edit.setAccessibleDescription("Where the person is: a postcode, district or town. Ctrl+L.")
        self.place_edit.setToolTip("Where the person is: postcode (SE1 7TP), district (SE1) or town — Ctrl+L")
        self.place_edit.setClearButtonEnabled(True)
        self.place_edit.addAction(theme.icon("place"), QLineEdit.ActionPosition.LeadingPosition)
        self.place_edit.setMinimumWidth(self.place_edit.fontMetrics().averageCharWidth() * 16)
        # The completer is not the line edit's own (setCompleter): that one writes each highlighted name into the
        # field and preselects the first, so Down walked "BN2" to "BN20" and Enter took it. Here typed text
        # stands unless the person picks a name (Down into the list, then Enter or a click).
        self._completion_model = QStringListModel(self)
        self.completer = QCompleter(self._completion_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(8)
        self.completer.setWidget(self.place_edit)
        self.completer.activated.connect(self._completed)

        self.options = QWidget(self)  # radius, open now, national lines: the window puts them where they fit
        self.radius_combo = QComboBox(self.options)
        for label, value in RADIUS_CHOICES:
            self.radius_combo.addItem(f"Within {label}" if value else label, value)
        self.radius_combo.setCurrentIndex(self._radius_index(DEFAULT_RADIUS))
        self.radius_combo.setAccessibleName("Distance")
        self.radius_combo.setToolTip("How far from the place to look")
        self.radius_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())

        self.open_now = QCheckBox("&Open now", self.options)
        self.open_now.setAccessibleName("Open now only")
        self.open_now.setToolTip("Show only services open at this moment (Alt+O)")
        self.open_now.toggled.connect(lambda _b: self.changed.emit())
        self.national = QCheckBox("National &lines", self.options)
        self.national.setChecked(True)
        self.national.setAccessibleName("Include national lines")
        self.national.setToolTip("Include national and regional phone and online lines (Alt+L)")
        self.national.toggled.connect(lambda _b: self.changed.emit())

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(PLACE_PAUSE_MS)
        self._pause.timeout.connect(self.place_changed)
        self.place_edit.textEdited.connect(self._edited)
        self.place_edit.returnPressed.connect(self._commit)
        self.place_edit.textChanged.connect(self._text_changed)
        self._last_committed = ""

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.place_edit)
        row = QHBoxLayout(self.options)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.radius_combo)
        row.addWidget(self.open_now)
        row.addWidget(self.national)

    # -- place text

    def _edited(self, text: str) -> None:
        self._chosen = None
        self._offer_completions(text.strip())
        self._pause.start()

    def _offer_completions(self, typed: str) -> None:
        """Show names that complete the typed text, unless it already names a place exactly (no list over the
        results for "BN2" or "Brighton")."""
        names: list[str] = []
        if self._complete is not None and len(typed) >= 2:
            try:
                names = self._complete(typed)
            except Exception:  # completion is a convenience; never break typing
                names = []
        self._completion_model.setStringList(names)
        popup = self.completer.popup()
        if not names or any(name.casefold() == typed.casefold() for name in names) or not self.place_edit.hasFocus():
            popup.hide()
            return
        self.completer.setCompletionPrefix(typed)  # Enter with nothing picked "activates" the typed text
        self.completer.complete()
        popup.setCurrentIndex(QModelIndex())  # nothing picked until the person picks it

    def completions_shown(self) -> bool:
        return self.completer.popup().isVisible()

    def has_uncommitted_text(self) -> bool:
        return self.place_edit.text() != self._last_committed

    def commit(self) -> None:
        """Search near the typed text now (Enter, or Down to the results), not after the pause."""
        self._commit()

    def _text_changed(self, text: str) -> None:
        if not text and self._last_committed:  # the clear button
            self._chosen = None
            self._commit()

    def _completed(self, text: str) -> None:
        if text != self.place_edit.text():
            self.place_edit.setText(text)
        if self.has_uncommitted_text():
            self._commit()

    def _commit(self) -> None:
        self.completer.popup().hide()
        self._pause.stop()
        self._last_committed = self.place_edit.text()
        self.place_changed.emit()

    def set_place_text(self, text: str, emit: bool = True) -> None:
        self._chosen = None
        self._pause.stop()
        self._last_committed = text  # before setText, so that clearing is not also taken as the clear button
        self.place_edit.setText(text)
        if emit:
            self.place_changed.emit()

    def choose(self, place) -> None:
        """Use a Place from the choice list."""
        self._chosen = place
        self.place_edit.setText(getattr(place, "label", str(place)))
        self._pause.stop()
        self._last_committed = self.place_edit.text()
        self.place_changed.emit()

    def chosen(self):
        return self._chosen

    # -- radius

    @staticmethod
    def _radius_index(radius: float | None) -> int:
        return next((i for i, (_l, v) in enumerate(RADIUS_CHOICES) if v == radius), 3)

    def radius(self) -> float | None:
        return self.radius_combo.currentData()

    def set_radius(self, radius: float | None) -> None:
        self.radius_combo.setCurrentIndex(self._radius_index(radius))
