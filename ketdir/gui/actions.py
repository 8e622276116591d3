"""The window's own keyboard actions: every one has a shortcut and a name people can read. The menus show
these same actions (so each menu item shows its keys) and F1 lists them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass
class Actions:
    new_caller: QAction
    focus_search: QAction
    focus_place: QAction
    focus_needs: QAction
    focus_results: QAction
    open_at: QAction
    back_to_now: QAction
    clear: QAction
    copy_referral: QAction
    call: QAction
    open_website: QAction
    keys_help: QAction

    def all(self) -> list[QAction]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


def _action(window: QWidget, text: str, keys: str, slot: Callable[[], None], tip: str = "") -> QAction:
    action = QAction(text, window)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    if tip:
        action.setStatusTip(tip)
    window.addAction(action)
    return action


def build_actions(window, handlers: dict[str, Callable[[], None]]) -> Actions:
    return Actions(
        new_caller=_action(window, "&New caller", "Ctrl+N", handlers["new_caller"],
                           "Clear the words, filters, place, selection and shortlist for the next person"),
        focus_search=_action(window, "Go to &search", "Ctrl+F", handlers["focus_search"]),
        focus_place=_action(window, "Go to &place", "Ctrl+L", handlers["focus_place"]),
        focus_needs=_action(window, "Go to &need types", "Ctrl+Shift+N", handlers["focus_needs"]),
        focus_results=_action(window, "Go to &results", "Ctrl+R", handlers["focus_results"]),
        open_at=_action(window, "Open &at another time…", "Ctrl+T", handlers["open_at"],
                        "Opening times for another date and time"),
        back_to_now=_action(window, "&Back to now", "Ctrl+Shift+T", handlers["back_to_now"]),
        clear=_action(window, "&Clear the search (again: the filters)", "Esc", handlers["clear"]),
        copy_referral=_action(window, "&Copy referral", "Ctrl+Shift+C", handlers["copy_referral"],
                              "Name, phones, address, today's hours, how to refer and website, to paste"),
        call=_action(window, "Call the se&rvice", "Ctrl+Shift+P", handlers["call"]),
        open_website=_action(window, "Open the &website", "Ctrl+Shift+O", handlers["open_website"]),
        keys_help=_action(window, "&Keyboard shortcuts", "F1", handlers["keys_help"]),
    )
