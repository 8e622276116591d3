"""Run searches off the UI thread (a QRunnable with a separate signals QObject, as in Rare).

One worker thread with its own Session; at most one search runs and at most one waits. Each query
gets a sequence number; a result is shown only if no newer query has been asked for since, so a slow
answer to an old keystroke never replaces a newer one. Results are plain dataclasses.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

if TYPE_CHECKING:  # the engine (and SQLAlchemy) load on the worker thread, after the window shows
    from sqlalchemy.orm import Session

    from ketdir.search.types import Query, Results

SearchFunction = Callable[["Session", "Query"], "Results"]


class SearchSignals(QObject):
    result = Signal(int, object, float)  # sequence number, Results, seconds taken
    error = Signal(int, str)  # sequence number, message for people


class _ThreadSessions:
    """One Session per worker thread, closed together at shutdown."""

    def __init__(self, make_session: Callable[[], Session]) -> None:
        self._make = make_session
        self._local = threading.local()
        self._all: list[Session] = []
        self._lock = threading.Lock()

    def get(self) -> Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._make()
            self._local.session = session
            with self._lock:
                self._all.append(session)
        return session

    def close_all(self) -> None:
        with self._lock:
            sessions, self._all = self._all, []
        for session in sessions:
            try:
                session.close()
            except Exception:  # closing at shutdown must not raise
                pass


class SearchTask(QRunnable):
    def __init__(self, seq: int, query: Query, sessions: _ThreadSessions, signals: SearchSignals,
                 search: SearchFunction | None) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.seq = seq
        self.query = query
        self._sessions = sessions
        self._signals = signals
        self._search = search

    def run(self) -> None:
        started = time.perf_counter()
        search = self._search
        if search is None:
            from ketdir.search import search
        session = self._sessions.get()
        try:
            results = search(session, self.query)
        except Exception as exc:  # a failed search is a message, never a crash
            session.rollback()
            message = _describe(exc)
            logging.getLogger(__name__).exception("search failed: %r", self.query.text)
            self._signals.error.emit(self.seq, message)
            return
        finally:
            # End the read transaction so SQLite's WAL can checkpoint between keystrokes.
            if session.in_transaction():
                session.rollback()
        self._signals.result.emit(self.seq, results, time.perf_counter() - started)


def _describe(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    if "locked" in text or "busy" in text:
        return "The database is busy (perhaps an import is running). Your search will work again in a moment."
    return f"Search did not work: {text}. Try different words; if it keeps happening, restart ketdir."


class SearchController(QObject):
    """Takes queries as fast as people type; emits `results` for the newest one."""

    results = Signal(int, object, float)  # sequence number, Results, seconds taken
    failed = Signal(str)
    busy = Signal(bool)

    def __init__(self, make_session: Callable[[], Session], search: SearchFunction | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._search = search  # None: ketdir.search.search, imported by the worker on first use
        self._sessions = _ThreadSessions(make_session)
        self._signals = SearchSignals(self)
        self._signals.result.connect(self._on_result)
        self._signals.error.connect(self._on_error)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # keep the thread (and its Session) between keystrokes
        self._seq = 0
        self._running = False
        self._pending: tuple[int, Query] | None = None
        self._closed = False

    @property
    def latest(self) -> int:
        return self._seq

    @property
    def idle(self) -> bool:
        return not self._running and self._pending is None

    def submit(self, query: Query) -> int:
        """Ask for a search; returns its sequence number."""
        if self._closed:
            return self._seq
        self._seq += 1
        self._pending = (self._seq, query)
        if not self._running:
            self._start_pending()
        return self._seq

    def _start_pending(self) -> None:
        if self._pending is None or self._closed:
            return
        seq, query = self._pending
        self._pending = None
        self._running = True
        self.busy.emit(True)
        self._pool.start(SearchTask(seq, query, self._sessions, self._signals, self._search))

    def _finish(self) -> None:
        self._running = False
        if self._pending is not None:
            self._start_pending()
        else:
            self.busy.emit(False)

    def _on_result(self, seq: int, results: Results, seconds: float) -> None:
        self._finish()
        if seq == self._seq:
            self.results.emit(seq, results, seconds)

    def _on_error(self, seq: int, message: str) -> None:
        self._finish()
        if seq == self._seq:
            self.failed.emit(message)

    def close(self) -> None:
        self._closed = True
        self._pending = None
        self._pool.waitForDone(5000)
        self._sessions.close_all()
