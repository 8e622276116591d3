"""Relevance of a candidate service to what was typed, computed in Python on the few rows fetched.

Why not the index's own score (bm25 / ts_rank): both read every matching word's whole list to weigh it, so
their cost grows with the directory; this one costs the same for 100 candidates at any size, and it is the
same on every backend. Each thing typed (a group: the word, its synonyms, its need type) scores the weight
of the best column it appears in (name 10, alternate name 6, need types 4, organisation 3, description 1,
as the index columns' weights), a whole word more than the start of one. A service found only through its
need type (the hidden tag) still scores a little.
Of two equal matches, the one with the shorter name comes first.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from ketdir.search.text_query import Group

COLUMN_WEIGHTS = {"name": 10.0, "alternate_name": 6.0, "needs_text": 4.0, "organization": 3.0, "description": 1.0}
PREFIX_ONLY = 0.7  # only the start of a word matched ("ket" in "ketamine")
TAG_ONLY = 2.0  # the group matched the service's need type only
SHORT_NAME = 0.5  # divided by the number of words in the name



_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str | None) -> str:
    """Lower case without diacritics, as the index folds words."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


class GroupPattern:
    """One group as two regular expressions over folded text: any alternative at the start of a word, and
    the alternatives as whole words or phrases."""

    def __init__(self, group: Group) -> None:
        begun = getattr(group, "begun", [])
        # Words the index read a typed prefix as ("alcoho" -> alcohol, alcoholics) are word starts, not whole
        # words, unless they are the typed prefix itself.
        phrases = [p for p in group.phrases if p and not (len(p) == 1 and any(
            p[0].startswith(b) and p[0] != b for b in begun))]
        whole = ["[\\W_]+".join(re.escape(w) for w in phrase) for phrase in phrases]
        whole += [re.escape(p) for p in [*group.prefixes, *begun]]
        self.whole = re.compile(rf"\b(?:{'|'.join(whole)})\b") if whole else None
        self.start = re.compile(rf"\b(?:{'|'.join(whole)})") if whole else None
        self.literals = [phrase[0] for phrase in phrases] + list(group.prefixes) + list(begun)

    def quality(self, text: str) -> float:
        if not text or not any(word in text for word in self.literals):  # plain substring test first: cheap
            return 0.0
        if not self.start.search(text):
            return 0.0
        return 1.0 if self.whole.search(text) else PREFIX_ONLY


class Scorer:
    """Scores services against the groups of one search (the patterns are built once)."""

    def __init__(self, groups: Sequence[Group]) -> None:
        self.patterns = [GroupPattern(g) for g in groups]

    def __call__(self, columns: dict[str, str | None]) -> float:
        """Higher is more relevant. `columns` holds the service's text by index column name."""
        texts: dict[str, str] = {}
        total = 0.0
        for pattern in self.patterns:
            best = 0.0
            for col, weight in COLUMN_WEIGHTS.items():  # heaviest first: stop once no lighter column can win
                if weight <= best:
                    break
                if col not in texts:
                    texts[col] = fold(columns.get(col))
                best = max(best, weight * pattern.quality(texts[col]))
            total += best or TAG_ONLY
        name = texts["name"] if "name" in texts else fold(columns.get("name"))
        return total + SHORT_NAME / (name.count(" ") + 1)
