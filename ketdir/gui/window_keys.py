"""The window's shortcuts work whatever widget has focus.

A text field may claim a Ctrl+letter key before the window's shortcut sees it: with the key schemes Qt uses
on Linux desktops, Ctrl+E in a line edit moves to the end of the line and Ctrl+K deletes to it, so Ctrl+E
(Edit service) did nothing while the search field had focus. When such a key press reaches the focused
widget, this filter gives it to the window's action instead. Keys without Ctrl, Alt or Meta (typing,
arrows, Esc) always stay with the widget.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                     | Qt.KeyboardModifier.MetaModifier)


class WindowKeys(QObject):
    """Watches the focused widget of `window` (only that one, so other widgets' events stay in C++)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._watched: QWidget | None = None
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_changed)
        self._focus_changed(None, app.focusWidget())

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # the widget has gone
                pass
            self._watched = None
        if new is not None and new.window() is self.window:
            new.installEventFilter(self)
            self._watched = new

    def action_for(self, event: QKeyEvent) -> QAction | None:
        """The window's enabled action whose shortcut is this key press, if any."""
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if not modifiers & COMMAND_MODIFIERS or event.key() in (Qt.Key.Key_Control, Qt.Key.Key_Alt,
                                                                  Qt.Key.Key_Shift, Qt.Key.Key_Meta):
            return None
        pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))
        for action in self.window.findChildren(QAction):
            if action.isEnabled() and any(s.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                                          for s in action.shortcuts() if not s.isEmpty()):
                return action
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress:
            action = self.action_for(event)
            if action is not None:
                action.trigger()
                return True
        return False
