"""Search as people type, in two phases: the results at once, the need-type counts once typing pauses.

This object is the whole protocol. Every query gets a sequence number and only the newest one's answer is
delivered, so a slow answer to an old keystroke never replaces a newer one. At most one search runs and at
most one waits (a newer keystroke replaces the waiting one). The counts cost the engine a second pass, so a
keystroke asks for results only; when nothing newer has been asked for `pause_ms` after its answer, the
same query is asked again with the counts and the counted total. Searches run through the window's Worker
on a `Searcher` (one session per worker thread).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ketdir.problems import KetdirProblem

if TYPE_CHECKING:
    from ketdir.app.search import Found, Searcher
    from ketdir.gui.workers import Worker
    from ketdir.search.types import Query, Results

COUNTS_PAUSE_MS = 250


@dataclass(frozen=True)
class Answer:
    seq: int  # the query's number: a larger one was asked later
    results: Results
    seconds: float  # how long the search itself took
    counted: bool = False  # the second phase: the same query with the need-type counts and the total
    refresh: bool = False  # asked again because the directory changed, not because the person typed


@dataclass(frozen=True)
class _Request:
    seq: int
    query: Query
    counted: bool
    refresh: bool


class LiveSearch(QObject):
    answered = Signal(object)  # Answer, for the newest query only
    failed = Signal(object)  # KetdirProblem, for the newest query only

    def __init__(self, searcher: Searcher, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.searcher = searcher
        self._worker = worker
        self.pause_ms = COUNTS_PAUSE_MS
        self._seq = 0
        self._running: _Request | None = None
        self._waiting: _Request | None = None
        self._answered_seq = -1  # the newest query whose first phase has been delivered (or has failed)
        self._counting: _Request | None = None  # asked, or to be asked when the pause ends
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.timeout.connect(self._ask_for_counts)
        self._closed = False

    # ------------------------------------------------------------------ asking

    def ask(self, query: Query, *, refresh: bool = False) -> int:
        """Search for this query (results only; the counts follow a pause). Returns its number."""
        self._seq += 1
        self._pause.stop()
        self._counting = None
        self._submit(_Request(self._seq, dataclasses.replace(query, with_counts=False, with_total=False),
                              counted=False, refresh=refresh))
        return self._seq

    def _ask_for_counts(self) -> None:
        if self._counting is None:
            return
        if self.idle:
            self._submit(self._counting)
        else:
            self._pause.start(self.pause_ms)

    def _submit(self, request: _Request) -> None:
        if self._closed:
            return
        self._waiting = request
        if self._running is None:
            self._start_waiting()

    def _start_waiting(self) -> None:
        request, self._waiting = self._waiting, None
        if request is None or self._closed:
            return
        self._running = request
        self._worker.run(self.searcher.search, request.query,
                         on_result=lambda found, r=request: self._done(r, found, None),
                         on_problem=lambda problem, r=request: self._done(r, None, problem))

    def _done(self, request: _Request, found: Found | None, problem: KetdirProblem | None) -> None:
        self._running = None
        self._start_waiting()
        if self._closed or request.seq != self._seq:
            return  # a newer query has been asked since: its answer will be shown instead
        if not request.counted:
            self._answered_seq = request.seq
        if problem is not None:
            self._counting = None
            self.failed.emit(problem)
            return
        if request.counted:
            self._counting = None
        else:
            self._counting = dataclasses.replace(
                request, query=dataclasses.replace(request.query, with_counts=True, with_total=True), counted=True)
            self._pause.start(self.pause_ms)
        self.answered.emit(Answer(request.seq, found.results, found.seconds, request.counted, request.refresh))

    # ------------------------------------------------------------------ state

    @property
    def latest(self) -> int:
        return self._seq

    @property
    def idle(self) -> bool:
        """No search running or waiting."""
        return self._running is None and self._waiting is None

    @property
    def listed(self) -> bool:
        """The newest query's results have been delivered (its counts may still follow)."""
        return self.idle and self._answered_seq == self._seq

    @property
    def settled(self) -> bool:
        """The newest query's results and counts have been delivered; nothing is running or waiting."""
        return self.listed and self._counting is None

    def close(self) -> None:
        """Ask nothing more (the window's Worker waits for a running search at closing time)."""
        self._closed = True
        self._pause.stop()
        self._waiting = None
        self._counting = None
