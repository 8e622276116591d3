"""Spelling fallback: words the index does not know are matched to close words it does ("bladdr" → bladder)."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ketdir.store.search_index import search_index

MIN_LENGTH = 4  # shorter words have too many close neighbours to guess from
MIN_SCORE = 80


@dataclass(frozen=True)
class Vocabulary:
    words: tuple[str, ...]  # index words, most frequent first
    ordered: tuple[str, ...]  # the same, sorted, for prefix look-ups

    def has_prefix(self, word: str) -> bool:
        i = bisect_left(self.ordered, word)
        return i < len(self.ordered) and self.ordered[i].startswith(word)

    def correct(self, word: str) -> str | None:
        """The closest index word, or None when nothing is close enough."""
        if len(word) < MIN_LENGTH or self.has_prefix(word):
            return None
        best = process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
        return best[0] if best else None


class ServerWords(Protocol):
    """A server's word list with a trigram index (ketdir.store.search_index.postgres)."""

    def has_word_beginning(self, conn, word: str) -> bool: ...

    def close_words(self, conn, word: str, limit: int = 500) -> list[str]: ...


class ServerVocabulary:
    """The same corrections on a database server (PostgreSQL): instead of holding every index word, ask the
    server's trigram index for the words near the misspelt one, then choose among them exactly as above."""

    def __init__(self, engine: Engine, words: ServerWords) -> None:
        self.engine = engine
        self.words = words

    def has_prefix(self, word: str) -> bool:
        with self.engine.connect() as conn:
            return self.words.has_word_beginning(conn, word)

    def correct(self, word: str) -> str | None:
        if len(word) < MIN_LENGTH:
            return None
        with self.engine.begin() as conn:
            if self.words.has_word_beginning(conn, word):
                return None
            candidates = self.words.close_words(conn, word)
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
        return best[0] if best else None


def load_vocabulary(session: Session, max_words: int = 60000) -> Vocabulary | ServerVocabulary:
    bind = session.get_bind()
    index = search_index(bind)
    rows = index.spelling_words(session.connection(), max_words)
    if rows is None:  # the server keeps the words
        return ServerVocabulary(bind.engine if hasattr(bind, "engine") else bind, index)
    words = tuple(w for w in rows if not w.isdigit())
    return Vocabulary(words, tuple(sorted(words)))
