"""Notice changes made elsewhere — an import from the command line, another desk's edit on the team server —
so an open window shows them within seconds instead of after a restart.

Every few seconds the worker reads the directory's generation (one row, by key; it changes whenever services
change); when it differs from the last one seen, `changed` is emitted. A read that fails is tried again at
the next tick: the window's searches say when the database cannot be used.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from ketdir.gui.workers import Job, Worker

POLL_MS = 3000


class DirectoryWatch(QObject):
    changed = Signal()

    def __init__(self, read_generation: Callable[[], str], worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read = read_generation
        self._worker = worker
        self._known: str | None = None
        self._job: Job | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self, interval_ms: int | None = None) -> None:
        if interval_ms is not None:
            self._timer.setInterval(interval_ms)
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def reading(self) -> bool:
        return self._job is not None

    def poll(self) -> None:
        if self._job is None:
            self._job = self._worker.run(self._read, on_result=self._seen, on_problem=self._failed)

    def _seen(self, generation: str) -> None:
        self._job = None
        known, self._known = self._known, generation
        if known is not None and generation != known and self._timer.isActive():
            self.changed.emit()

    def _failed(self, _problem) -> None:
        self._job = None
