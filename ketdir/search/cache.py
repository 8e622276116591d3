"""What search keeps between keystrokes: decoded opening-hours patterns, which are open at a given
minute, and the spelling vocabulary. Rebuilt when the index generation changes (any refresh)."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketdir import hours as hours_mod
from ketdir.search.types import OpenState
from ketdir.search.fuzzy import ServerVocabulary, Vocabulary, load_vocabulary
from ketdir.store.index import GENERATION_KEY
from ketdir.store.models import DatasetMeta, HoursPattern



class RecentReads:
    """The rows of the last few reads, by statement and parameters (thread-safe; oldest forgotten first)."""

    def __init__(self, kept: int = 24) -> None:
        self._rows: OrderedDict = OrderedDict()
        self._kept = kept
        self._lock = threading.Lock()

    def get(self, key) -> list | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key, rows: list) -> None:
        with self._lock:
            self._rows[key] = rows
            while len(self._rows) > self._kept:
                self._rows.popitem(last=False)


@dataclass
class IndexCache:
    generation: str
    patterns: dict[int, hours_mod.Hours]
    _open_at: tuple[dt.datetime, list[int]] | None = None
    _vocabulary: Vocabulary | ServerVocabulary | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _states: tuple[dt.datetime, dict[int | None, OpenState]] | None = None
    rings: dict = field(default_factory=dict)  # last circle searched around a place (see Retriever.near)
    # Rows of the last few candidate reads (see Retriever.rows): when typing pauses, the window asks the same
    # search again with the counts, which repeats the last keystroke's reads. Valid for this generation only.
    reads: RecentReads = field(default_factory=RecentReads)
    words_beginning: dict = field(default_factory=dict)  # typed prefix -> the index words it begins (fts)
    _lines: dict | None = None  # national lines' coverage by search row (ketdir.search.national)
    _outside: dict = field(default_factory=dict)  # nation -> rows of the lines that do not cover it

    def hours(self, pattern_id: int | None) -> hours_mod.Hours | None:
        return self.patterns.get(pattern_id) if pattern_id is not None else None

    def open_pattern_ids(self, at: dt.datetime) -> list[int]:
        minute = at.replace(second=0, microsecond=0)
        cached = self._open_at
        if cached and cached[0] == minute:
            return cached[1]
        ids = [pid for pid, h in self.patterns.items() if hours_mod.open_at(h, minute)]
        self._open_at = (minute, ids)
        return ids

    def open_state(self, pattern_id: int | None, at: dt.datetime) -> OpenState:
        """Open or closed at the minute of `at`, with the next change (shared by every service with these hours,
        and by every keystroke within the same minute)."""
        minute = at.replace(second=0, microsecond=0)
        cached = self._states
        if cached is None or cached[0] != minute:
            cached = self._states = (minute, {})
        state = cached[1].get(pattern_id)
        if state is None:
            hours = self.hours(pattern_id)
            if hours is None:
                state = OpenState(is_open=False, text="Hours not known", known=False)
            else:
                st = hours_mod.status(hours, minute)
                state = OpenState(is_open=st.is_open, text=st.text, known=st.known)
            cached[1][pattern_id] = state
        return state

    def national_lines(self, session: Session) -> dict:
        with self._lock:
            if self._lines is None:
                from ketdir.search.national import read_lines

                self._lines = read_lines(session)
            return self._lines

    def lines_outside(self, session: Session, nation: str | None) -> frozenset[int]:
        if nation is None:
            return frozenset()
        lines = self.national_lines(session)
        with self._lock:
            if nation not in self._outside:
                from ketdir.search.national import left_out

                self._outside[nation] = frozenset(left_out(lines, nation))
            return self._outside[nation]

    def vocabulary(self, session: Session) -> Vocabulary | ServerVocabulary:
        with self._lock:
            if self._vocabulary is None:
                self._vocabulary = load_vocabulary(session)
            return self._vocabulary


_caches: dict[str, IndexCache] = {}
_caches_lock = threading.Lock()


def index_cache(session: Session) -> IndexCache:
    key = str(session.get_bind().url)
    generation = session.execute(
        select(DatasetMeta.value).where(DatasetMeta.key == GENERATION_KEY)
    ).scalar_one_or_none() or "0"
    with _caches_lock:
        cache = _caches.get(key)
        if cache is None or cache.generation != generation:
            patterns = {pid: hours_mod.decode(code) for pid, code in session.execute(select(HoursPattern.id, HoursPattern.code))}
            cache = IndexCache(generation=generation, patterns=patterns)
            _caches[key] = cache
        return cache
