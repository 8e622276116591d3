"""Spelling fallback: words the index does not know are matched to close words it does ("bladdr" → bladder)."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from ketdir.store import fts

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


class ServerVocabulary:
    """The same corrections on a database server (PostgreSQL): instead of holding every index word, ask the
    server's trigram index for the words near the misspelt one, then choose among them exactly as above."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def has_prefix(self, word: str) -> bool:
        with self.engine.connect() as conn:
            return fts.vocabulary_has_prefix(conn, word)

    def correct(self, word: str) -> str | None:
        if len(word) < MIN_LENGTH:
            return None
        with self.engine.begin() as conn:
            if fts.vocabulary_has_prefix(conn, word):
                return None
            candidates = fts.vocabulary_candidates(conn, word)
        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
        return best[0] if best else None


def load_vocabulary(session: Session, max_words: int = 60000) -> Vocabulary | ServerVocabulary:
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return ServerVocabulary(bind.engine if hasattr(bind, "engine") else bind)
    rows = session.execute(text(fts.SQLITE_VOCABULARY), {"n": max_words}).scalars().all()
    words = tuple(w for w in rows if not w.isdigit())
    return Vocabulary(words, tuple(sorted(words)))
