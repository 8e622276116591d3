"""When the place did not resolve to one place: "Which Bangor?" with the choices, or "We couldn't find
'Brigton'" with the close names as buttons. Both are reachable with the keyboard (the window moves focus
here after Enter in the place field); nothing is picked until the person picks it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

NATIONS = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
MAX_SUGGESTIONS = 4


class PlaceChoices(QWidget):
    chosen = Signal(object)  # a geo.Place from the choices
    suggested = Signal(str)  # a suggested name, to search near instead

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("placeChoices")
        self.title = QLabel(self)
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Place choices")
        self.list.setAccessibleDescription("The place name matches more than one place. Choose one with the "
                                           "arrow keys and Enter.")
        self.list.itemActivated.connect(self._picked)
        self.list.itemClicked.connect(self._picked)
        self._suggestion_row = QHBoxLayout()
        self._suggestion_row.setContentsMargins(0, 0, 0, 0)
        self._suggestion_row.setSpacing(6)
        self._suggestion_row.addStretch(1)
        self._buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addLayout(self._suggestion_row)
        self._places: list = []
        self.hide()

    def show_for(self, name: str, places: list, message: str | None, suggestions: list[str]) -> None:
        """Choices for an ambiguous name; else the message and suggestions for an unknown one; else hide."""
        self._places = list(places)
        self.list.clear()
        self._set_suggestions(suggestions if not places and message else [])
        if places:
            self.title.setText(f"Which “{name}” do you mean?")
            for i, place in enumerate(places):
                item = QListWidgetItem(place_choice_text(place))
                item.setData(Qt.ItemDataRole.UserRole, i)
                self.list.addItem(item)
            rows = min(len(places), 6)
            self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth() + 4)
        elif message:
            self.title.setText(message.split(" Did you mean")[0] + (" Did you mean:" if self._buttons else ""))
        self.list.setVisible(bool(places))
        self.setVisible(bool(places) or bool(message))

    def take_focus(self) -> None:
        """Put the keyboard on the first choice or suggestion."""
        if self._places:
            self.list.setCurrentRow(0)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self._buttons:
            self._buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def buttons(self) -> list[QPushButton]:
        return list(self._buttons)

    def focus_chain(self) -> list[QWidget]:
        """These widgets in tab order (for the window's chain)."""
        return [self.list, *self._buttons]

    def _set_suggestions(self, names: list[str]) -> None:
        for button in self._buttons:
            self._suggestion_row.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for i, name in enumerate(names[:MAX_SUGGESTIONS]):
            button = QPushButton(name, self)
            button.setObjectName("fix")
            button.setAutoDefault(True)  # Enter presses it, as Space does
            button.setAccessibleName(f"Search near {name}")
            button.setToolTip(f"Search near {name} instead")
            button.clicked.connect(lambda _checked=False, n=name: self.suggested.emit(n))
            self._suggestion_row.insertWidget(i, button)
            self._buttons.append(button)

    def _picked(self, item: QListWidgetItem) -> None:
        self.chosen.emit(self._places[item.data(Qt.ItemDataRole.UserRole)])


def place_choice_text(place) -> str:
    label = getattr(place, "label", None) or getattr(place, "name", str(place))
    nation = NATIONS.get(getattr(place, "nation", "") or "", "")
    return f"{label} ({nation})" if nation and nation not in label else label
