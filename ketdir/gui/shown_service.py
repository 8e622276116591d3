"""The service in the detail pane: the one the person chose, read through the window's worker, and the actions
waiting for it.

A selection that moves is read after a short pause (arrow keys held down read only where they stop). An action
that needs the service (Enter, Copy referral, the menus) waits for the one the person chose — keys pressed
ahead of the newest results included — instead of acting on whatever the pane showed a moment before.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

if TYPE_CHECKING:
    from ketdir.gui.workers import Worker
    from ketdir.problems import KetdirProblem
    from ketdir.store.detail import ServiceDetail

WAIT_MS = 5000  # the longest current() waits for a service being read

Reader = Callable[[str], "ServiceDetail | None"]  # service id -> its details (runs on a worker thread)


class ShownService(QObject):
    shown = Signal(object)  # ServiceDetail, or None when the pane should be empty
    gone = Signal()  # the service chosen is no longer in the directory
    failed = Signal(object)  # KetdirProblem

    def __init__(self, worker: Worker, keys_waiting: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._keys_waiting = keys_waiting  # the window's own queue of keys pressed ahead of the results
        self._read: Reader | None = None
        self.wanted: str | None = None
        self._detail: ServiceDetail | None = None
        self._reading: str | None = None
        self._waiting: list[Callable[[ServiceDetail | None], None]] = []
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.timeout.connect(self._read_wanted)

    def set_reader(self, read: Reader) -> None:
        self._read = read

    # ------------------------------------------------------------------ choosing

    def want(self, service_id: str, pause_ms: int) -> None:
        """The selection moved to this service: read it after `pause_ms` unless it moves on."""
        if service_id != self.wanted or self._detail is None:
            self.wanted = service_id
            self._pause.start(pause_ms)

    def show_now(self, service_id: str) -> None:
        """Read this service now and show it (from the shortlist or data health), also to read it again."""
        self.wanted = service_id
        self._detail = None
        self._read_wanted()

    def reload(self) -> None:
        if self.wanted is not None:
            self.show_now(self.wanted)

    def clear(self) -> None:
        self._pause.stop()
        self._waiting.clear()
        self.wanted = None
        self._detail = None
        self.shown.emit(None)

    # ------------------------------------------------------------------ waiting for it

    @property
    def loading(self) -> bool:
        return self._pause.isActive() or self._reading is not None

    @property
    def detail(self) -> ServiceDetail | None:
        """The details shown, if they are those of the service chosen."""
        detail = self._detail
        return detail if detail is not None and detail.id == self.wanted else None

    def with_detail(self, callback: Callable[[ServiceDetail | None], None]) -> None:
        """Call back with the chosen service's details: now, or once they (and keys pressed ahead) arrive."""
        self._waiting.append(callback)
        if self._pause.isActive():
            self._read_wanted()  # something wants it: no need to wait for the pause
        self.ready()

    def current(self) -> ServiceDetail | None:
        """The chosen service's details for the menus; one still being read is waited for, with the window
        painting, for at most a few seconds."""
        if self.loading or self._keys_waiting():
            loop = QEventLoop()
            self.with_detail(lambda _detail: loop.quit())
            QTimer.singleShot(WAIT_MS, loop.quit)
            if self.loading or self._keys_waiting():
                loop.exec()
        return self.detail

    def ready(self) -> None:
        """Run what waited, once nothing is being read and no keys wait for results."""
        if self.loading or self._keys_waiting():
            return
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback(self.detail)

    # ------------------------------------------------------------------ reading

    def _read_wanted(self) -> None:
        self._pause.stop()
        service_id = self.wanted
        if service_id is None or self._read is None or self.detail is not None:
            self.ready()
            return
        if self._reading == service_id:
            return
        self._reading = service_id
        self._worker.run(self._read, service_id, on_result=lambda detail, sid=service_id: self._done(sid, detail),
                         on_problem=lambda problem, sid=service_id: self._failed(sid, problem))

    def _done(self, service_id: str, detail: ServiceDetail | None) -> None:
        if self._reading == service_id:
            self._reading = None
        if service_id != self.wanted:
            self._read_wanted()  # the person moved on meanwhile
            return
        self._detail = detail
        if detail is None:
            self.gone.emit()
        self.shown.emit(detail)
        self.ready()

    def _failed(self, service_id: str, problem: KetdirProblem) -> None:
        if self._reading == service_id:
            self._reading = None
        self.failed.emit(problem)
        self.ready()
