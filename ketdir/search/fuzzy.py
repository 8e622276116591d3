"""Spelling fallback: words the index does not know are matched to close words it does ("bladdr" → bladder)."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import text
from sqlalchemy.orm import Session

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


def load_vocabulary(session: Session, max_words: int = 60000) -> Vocabulary:
    rows = session.execute(
        text("SELECT term FROM search_vocab WHERE term NOT LIKE 'xneed%' AND length(term) >= 3 "
             "ORDER BY doc DESC LIMIT :n"),
        {"n": max_words},
    ).scalars().all()
    words = tuple(w for w in rows if not w.isdigit())
    return Vocabulary(words, tuple(sorted(words)))
