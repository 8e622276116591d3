"""Searching and reading services as fast as people type: the window's side of `ketdir.search.search`.

A session per keystroke would cost more than many searches, and sessions must not cross threads, so a
`Searcher` keeps one session for each worker thread that calls it and ends the read transaction after every
call (SQLite's WAL can then checkpoint between keystrokes). Database errors become `Unavailable`.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketdir.app.directory import DRIVER_ERRORS
from ketdir.search import search as search_directory
from ketdir.search.types import Query, Results
from ketdir.store.detail import ServiceDetail, load_service_detail
from ketdir.store.engine import Directory, database_problem
from ketdir.store.index import GENERATION_KEY
from ketdir.store.models import DatasetMeta

T = TypeVar("T")
SearchFunction = Callable[[Session, Query], Results]


@dataclass(frozen=True)
class Found:
    results: Results
    seconds: float  # time the search itself took (the latency benchmark reports it)


class Searcher:
    """Searches, service details and the directory's generation, for one window."""

    def __init__(self, directory: Directory, search: SearchFunction = search_directory) -> None:
        self.directory = directory
        self._search = search
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._lock = threading.Lock()

    def search(self, query: Query) -> Found:
        started = time.perf_counter()
        results = self._read(lambda session: self._search(session, query))
        return Found(results, time.perf_counter() - started)

    def detail(self, service_id: str, today: dt.date) -> ServiceDetail | None:
        """Everything the detail pane shows about one service (None if it has gone)."""
        return self._read(lambda session: load_service_detail(session, service_id, today=today))

    def generation(self) -> str:
        """A value that changes whenever services change: any import or edit, from this window, the command
        line or another desk (the search index's generation, one row read by its key)."""
        return self._read(lambda session: session.execute(
            select(DatasetMeta.value).where(DatasetMeta.key == GENERATION_KEY)).scalar_one_or_none() or "0")

    def close(self) -> None:
        """Close every thread's session (at closing time, when no call is running)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            try:
                session.close()
            except DRIVER_ERRORS:  # a server that has gone away: nothing left to close
                pass

    def _session(self) -> Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self.directory.session()
            with self._lock:
                self._sessions.append(session)
        return session

    def _read(self, read: Callable[[Session], T]) -> T:
        session = self._session()
        try:
            return read(session)
        except DRIVER_ERRORS as exc:
            raise database_problem(exc, self.directory.url) from exc
        finally:
            try:
                session.rollback()  # end the read transaction (and recover from a failed one)
            except DRIVER_ERRORS:
                pass
