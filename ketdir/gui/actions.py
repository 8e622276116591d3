"""The window's keyboard actions: every one has a shortcut and a name people can read."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass
class Actions:
    focus_search: QAction
    focus_place: QAction
    copy_referral: QAction
    call: QAction
    open_website: QAction
    clear: QAction
    focus_results: QAction
    focus_needs: QAction
    keys_help: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def _action(window: QWidget, text: str, keys: str | QKeySequence.StandardKey, slot: Callable[[], None]) -> QAction:
    action = QAction(text, window)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_actions(window, handlers: dict[str, Callable[[], None]]) -> Actions:
    return Actions(
        focus_search=_action(window, "Search", "Ctrl+F", handlers["focus_search"]),
        focus_place=_action(window, "Place", "Ctrl+L", handlers["focus_place"]),
        copy_referral=_action(window, "Copy referral", "Ctrl+Shift+C", handlers["copy_referral"]),
        call=_action(window, "Call the service", "Ctrl+Shift+P", handlers["call"]),
        open_website=_action(window, "Open website", "Ctrl+Shift+O", handlers["open_website"]),
        clear=_action(window, "Clear", "Esc", handlers["clear"]),
        focus_results=_action(window, "Results", "Ctrl+R", handlers["focus_results"]),
        focus_needs=_action(window, "Need types", "Ctrl+N", handlers["focus_needs"]),
        keys_help=_action(window, "Keyboard shortcuts", "F1", handlers["keys_help"]),
    )


KEYS_HELP = [
    ("Ctrl+F", "Search (type words, slang or a service name)"),
    ("Ctrl+L", "Place: postcode, district or town"),
    ("↓ / ↑", "Move through results, also from the search field"),
    ("Enter", "Open the selected service"),
    ("Ctrl+Shift+C", "Copy the referral to paste or text"),
    ("Ctrl+Shift+P", "Call the service"),
    ("Ctrl+Shift+O", "Open the service's website"),
    ("Ctrl+N", "Need types (Space ticks)"),
    ("Ctrl+R", "Results list"),
    ("Alt+O / Alt+L", "Open now / national lines"),
    ("Esc", "Clear the search; press again to clear the filters"),
]
