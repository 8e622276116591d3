"""The results list view: skips group headers when moving, says when it has painted."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView

from ketdir.gui.results_delegate import ResultsDelegate
from ketdir.gui.results_model import ResultsModel


class ResultsView(QListView):
    painted = Signal()  # after each paint of the viewport (the latency benchmark listens)

    def __init__(self, model: ResultsModel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("results")
        self.setModel(model)
        self.setItemDelegate(ResultsDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setAccessibleName("Results")
        self.setAccessibleDescription("Services that match. Arrow keys move, Enter opens the details.")
        self._focusing = False

    def results_model(self) -> ResultsModel:
        return self.model()  # type: ignore[return-value]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        self.painted.emit()

    def move_to_hit(self, step: int) -> bool:
        """Move the current row by `step` hits (negative: up), skipping headers. True if it moved."""
        model = self.results_model()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        if current < 0:
            row = model.first_hit_row() if step > 0 else -1
        else:
            row = current
            for _ in range(abs(step)):
                nxt = model.next_hit_row(row, 1 if step > 0 else -1)
                if nxt == row:
                    break
                row = nxt
        if row < 0 or row == current:
            return False
        self.select_row(row)
        return True

    def select_row(self, row: int) -> None:
        index = self.model().index(row, 0)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Current
        )
        self.scrollTo(index)

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # Qt makes the first row current when a list first gets the keyboard: that opened a service nobody
        # chose (Ctrl+R, or a place choice) and made the next Down land on the second result.
        self._focusing = True
        try:
            super().focusInEvent(event)
        finally:
            self._focusing = False

    def moveCursor(self, action, modifiers):  # noqa: N802 (Qt API)
        """Arrow keys inside the list also skip headers."""
        if self._focusing:
            return QModelIndex()  # taking the keyboard selects nothing; Down selects the first
        index = super().moveCursor(action, modifiers)
        model = self.results_model()
        if index.isValid() and not model.is_hit(index.row()):
            step = -1 if action in (QAbstractItemView.CursorAction.MoveUp,
                                    QAbstractItemView.CursorAction.MovePageUp,
                                    QAbstractItemView.CursorAction.MoveHome) else 1
            row = model.next_hit_row(index.row(), step)
            if not model.is_hit(row):
                row = model.next_hit_row(index.row(), -step)
            if model.is_hit(row):
                return model.index(row, 0)
            return self.currentIndex()
        return index
