"""Slang and synonyms (data/synonyms.csv): what a typed term also means."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ketdir.paths import data_dir
from ketdir.search.tokens import words


@dataclass(frozen=True)
class Synonym:
    term: tuple[str, ...]  # the typed words, e.g. ("special", "k")
    expands_to: tuple[str, ...]  # words also searched for, e.g. ("ketamine",)
    need: str | None  # need-type code the term names

    @property
    def text(self) -> str:
        return " ".join(self.term)


@dataclass(frozen=True)
class Synonyms:
    by_term: dict[tuple[str, ...], Synonym]
    longest: int

    def match_at(self, tokens: list[str], i: int) -> Synonym | None:
        """The longest synonym starting at tokens[i], if any."""
        for length in range(min(self.longest, len(tokens) - i), 0, -1):
            found = self.by_term.get(tuple(tokens[i : i + length]))
            if found:
                return found
        return None


def load_synonyms(path: Path | None = None) -> Synonyms:
    path = path or data_dir() / "synonyms.csv"
    by_term: dict[tuple[str, ...], Synonym] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            term = tuple(words(row["term"]))
            if not term:
                continue
            by_term[term] = Synonym(
                term=term,
                expands_to=tuple(words(row.get("expands_to") or "")),
                need=(row.get("need") or "").strip() or None,
            )
    # A phrase made only of words that are synonyms on their own ("ket bladder") is read word by word,
    # so that each word shows, and can be undone, separately.
    singles = {t[0] for t in by_term if len(t) == 1}
    by_term = {t: syn for t, syn in by_term.items() if len(t) == 1 or not all(w in singles for w in t)}
    return Synonyms(by_term, max((len(t) for t in by_term), default=1))


@lru_cache(maxsize=1)
def synonyms() -> Synonyms:
    return load_synonyms()
