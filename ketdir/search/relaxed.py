"""The relaxed tier: when every word together finds too little, the services that match part of what was said,
ranked by how much of it they match.

A caller's words are sentences ("ket daily blood peeing belly pain"), and one word no service holds used to
empty the list. Each thing typed (a group: ketdir.search.text_query) weighs what it tells: a need-type reading
("peeing" → Bladder & urology) most, a content word ("blood") next, a filler word ("daily", "really", "friend";
data/filler_words.csv) least. A service scores the weights of the groups it matches, in its text or through its
need types, and shows which words those were ("matched: blood, peeing"). Filler words only rank: the services
are looked for by the other words, so "last night" cannot fill the list.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir.needs import need_types
from ketdir.paths import data_dir
from ketdir.search import rank
from ketdir.search.text_query import Group
from ketdir.search.tokens import words
from ketdir.store.search_index import search_index

EMERGENCY_WEIGHT = 6.0  # the words describe an emergency (ketdir.search.emergency): urgent care before the rest
NEED_WEIGHT = 3.0  # the words point to a need type
CONTENT_WEIGHT = 2.0  # any other word
FILLER_WEIGHT = 0.5  # data/filler_words.csv


@lru_cache(maxsize=1)
def filler_words() -> frozenset[str]:
    with (data_dir() / "filler_words.csv").open(encoding="utf-8", newline="") as fh:
        return frozenset(row["word"].strip().lower() for row in csv.DictReader(fh) if row.get("word"))


def weight(group: Group) -> float:
    if group.kind == "emergency":
        return EMERGENCY_WEIGHT
    if group.needs:
        return NEED_WEIGHT
    return FILLER_WEIGHT if group.typed in filler_words() else CONTENT_WEIGHT


def searched_by(groups: Sequence[Group], typing: str | None = None) -> list[Group]:
    """The groups to look services up by: all but the filler words (all of them if that is all there is).
    typing: the word still being typed; while it could become a filler word ("afte"), it is left out too."""
    fillers = filler_words()

    def needed(group: Group) -> bool:
        if weight(group) <= FILLER_WEIGHT:
            return False
        return not (group.typed == typing and group.kind == "word" and len(typing) > 1
                    and any(f.startswith(typing) for f in fillers))

    kept = [g for g in groups if needed(g)]
    return kept or list(groups)


@dataclass(frozen=True)
class Coverage:
    score: float  # the weights of the groups matched, filler words left out
    matched: tuple[str, ...]  # the typed words of those groups, in the order typed
    filler: float = 0.0  # the weights of the filler words matched: they only break ties


class _Matcher:
    """Whether a service's text holds one group: its words and phrases as whole words, and the words still
    being typed (prefixes) as the start of one. ("g" is the word G, not the start of "go".)"""

    def __init__(self, group: Group) -> None:
        begun = list(getattr(group, "begun", []))
        whole = ["[\\W_]+".join(re.escape(w) for w in phrase) for phrase in group.phrases if phrase]
        starts = [re.escape(p) for p in [*group.prefixes, *begun]]
        parts = [rf"\b(?:{'|'.join(whole)})\b"] if whole else []
        parts += [rf"\b(?:{'|'.join(starts)})"] if starts else []
        self.pattern = re.compile("|".join(parts)) if parts else None
        self.literals = [phrase[0] for phrase in group.phrases if phrase] + [*group.prefixes, *begun]

    def __call__(self, text: str) -> bool:
        if self.pattern is None or not any(word in text for word in self.literals):  # cheap test first
            return False
        return self.pattern.search(text) is not None


class CoverageScorer:
    """How much of the query each service matches (patterns and need masks worked out once per search)."""

    def __init__(self, groups: Sequence[Group], typed_text: str = "") -> None:
        needs = need_types()
        typed = words(typed_text)
        order = sorted(range(len(groups)), key=lambda i: (_position(typed, groups[i].typed), i))
        self.groups = [groups[i] for i in order]
        self.weights = [weight(g) for g in self.groups]
        self.matchers = [_Matcher(g) for g in self.groups]
        self.masks = [needs.mask(g.needs) for g in self.groups]

    def matching(self, groups: Sequence[Group]) -> Coverage:
        """The coverage of a service known to match these groups (found by matching all of them)."""
        typed = {g.typed for g in groups}
        held = [(g.typed, w) for g, w in zip(self.groups, self.weights) if g.typed in typed]
        words = [t for t, w in held if w > FILLER_WEIGHT]
        small = [t for t, w in held if w <= FILLER_WEIGHT]
        return Coverage(sum(w for _, w in held if w > FILLER_WEIGHT), tuple(dict.fromkeys(words or small)),
                        sum(w for _, w in held if w <= FILLER_WEIGHT))

    def __call__(self, text: str, need_mask: int) -> Coverage:
        """text: the service's searchable columns, folded (rank.fold) and joined by a line break."""
        score, filler, matched, small = 0.0, 0.0, [], []
        for group, w, matches, mask in zip(self.groups, self.weights, self.matchers, self.masks):
            if (mask and need_mask & mask) or matches(text):
                if w <= FILLER_WEIGHT:
                    filler += w
                    small.append(group.typed)
                else:
                    score += w
                    matched.append(group.typed)
        # Filler words are named only when nothing else matched: "matched: blood, peeing", not "..., daily".
        return Coverage(score, tuple(dict.fromkeys(matched or small)), filler)


def _position(typed: list[str], term: str) -> int:
    """Where the words of a term first stand in what was typed (len(typed) if they do not)."""
    wanted = words(term)
    for i in range(len(typed)):
        if typed[i : i + len(wanted)] == wanted:
            return i
    return len(typed)


def coverage_of(session: Session, rowids: Sequence[int], scorer: CoverageScorer) -> dict[int, Coverage]:
    """Coverage of these services (one read of their text by row number)."""
    if not rowids:
        return {}
    columns = list(rank.COLUMN_WEIGHTS)
    condition, ids = search_index(session.get_bind()).id_list("d.rowid", "ids", list(rowids))
    rows = session.execute(
        text(f"SELECT d.rowid, d.need_mask, {', '.join('d.' + c for c in columns)} "
             f"FROM ketdir_search_doc d WHERE {condition}"),
        {"ids": ids},
    ).all()
    # Where a word matched does not matter here, only whether it did: one text per service, folded once.
    return {row[0]: scorer(rank.fold("\n".join(c or "" for c in row[2:])), row[1] or 0) for row in rows}
