"""Slang, synonyms and a caller's own words (data/synonyms.csv, data/lay_terms.csv): what a typed term also
means, and the need types it points to."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from ketdir.paths import data_dir
from ketdir.search.tokens import words


CORRECT_MIN_LENGTH = 4  # as the index's spelling fallback (ketdir.search.fuzzy)
CORRECT_SCORE = 80


class VocabularyError(ValueError):
    """A vocabulary file is malformed; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Synonym:
    term: tuple[str, ...]  # the typed words, e.g. ("special", "k")
    expands_to: tuple[str, ...]  # words also searched for, e.g. ("ketamine",)
    needs: tuple[str, ...] = ()  # need-type codes the term points to, strongest first
    kind: str = "synonym"  # how the reading shows (ketdir.search.types.Reading.kind)
    meaning: str | None = None  # what to show instead of the need types' names ("Emergency: can't be woken")

    @property
    def text(self) -> str:
        return " ".join(self.term)

    @property
    def need(self) -> str | None:
        return self.needs[0] if self.needs else None


@dataclass(frozen=True)
class Synonyms:
    by_term: dict[tuple[str, ...], Synonym]
    longest: int

    @cached_property
    def _words(self) -> tuple[str, ...]:
        return tuple(t[0] for t in self.by_term if len(t) == 1 and len(t[0]) >= CORRECT_MIN_LENGTH)

    def correct(self, word: str) -> str | None:
        """The closest one-word term to a misspelt word ("depresed" → depressed), or None."""
        if len(word) < CORRECT_MIN_LENGTH or (word,) in self.by_term:
            return None
        best = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=CORRECT_SCORE)
        return best[0] if best else None

    def match_at(self, tokens: list[str], i: int) -> Synonym | None:
        """The longest synonym starting at tokens[i], if any."""
        for length in range(min(self.longest, len(tokens) - i), 0, -1):
            found = self.by_term.get(tuple(tokens[i : i + length]))
            if found:
                return found
        return None


def read_terms(path: Path, term_column: str, needs_column: str) -> list[Synonym]:
    """The rows of one vocabulary file. needs_column holds need-type codes separated by spaces."""
    found = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            term = tuple(words(row.get(term_column) or "", limit=None))
            if not term:
                raise VocabularyError(f"{path.name} line {line}: the {term_column} is empty")
            found.append(Synonym(term=term, expands_to=tuple(words(row.get("expands_to") or "", limit=None)),
                                 needs=tuple((row.get(needs_column) or "").split())))
    return found


def load_synonyms(path: Path | None = None, lay_path: Path | None = None) -> Synonyms:
    path = path or data_dir() / "synonyms.csv"
    lay_path = lay_path or data_dir() / "lay_terms.csv"
    by_term: dict[tuple[str, ...], Synonym] = {}
    for file, rows in ((path, read_terms(path, "term", "need")),
                       (lay_path, read_terms(lay_path, "phrase", "needs") if lay_path.exists() else [])):
        for syn in rows:
            if syn.term in by_term:
                raise VocabularyError(f"{file.name}: “{syn.text}” is listed twice (in {path.name} or "
                                      f"{lay_path.name}); keep one row")
            by_term[syn.term] = syn
    # A phrase made only of words that are synonyms on their own ("ket bladder") is read word by word,
    # so that each word shows, and can be undone, separately.
    singles = {t[0] for t in by_term if len(t) == 1}
    by_term = {t: syn for t, syn in by_term.items() if len(t) == 1 or not all(w in singles for w in t)}
    return Synonyms(by_term, max((len(t) for t in by_term), default=1))


@lru_cache(maxsize=1)
def synonyms() -> Synonyms:
    return load_synonyms()
