"""Emergencies in a caller's own words: "friend wont wake up after g and k", "hes not breathing right",
"my mate collapsed", "shes fitting". Recognised from the signs in data/emergency.json (reviewed like the rest of
data/), in any word order, with typos, missing apostrophes and in the third person; ordinary phrases that only
look alike ("wake up early clinic", "wont stop using ket") are not emergencies.

How: the text is split into words as search splits it (ketdir.search.tokens, so positions line up with the
readings); a misspelt long word is matched to the nearest sign word ("unconcious" → unconscious); then each
situation's patterns are looked for: a sequence of word classes and literal words, with only small "gap"
words (him, up, to, ...) between them. A situation can be cancelled by its "unless" words ("training",
"prevention") and some only count when the text is not about the past ("overdosed last year").
No database, no Qt: the same answer for the window, the CLI and the JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from ketdir.paths import data_dir
from ketdir.search.tokens import words

CALL = "999"
FUZZY_MIN_LENGTH = 5  # shorter words have too many close neighbours to guess from
FUZZY_SCORE = 85
# Contraction tails as words ("he'll" → he will), one for one so positions still line up with search's words.
_TAILS = {"ll": "will", "re": "are", "ve": "have", "m": "am", "s": "is"}


class SignsError(ValueError):
    """data/emergency.json is malformed; the message says where."""


@dataclass(frozen=True)
class Situation:
    id: str  # "not-waking"
    label: str  # for people: "can't be woken"
    kind: str  # which steps apply: "unconscious", "medical", "bladder", "suicide", "attack", "spiked"
    topic: str  # the harm topic to show first (ketdir/harm/topics)


@dataclass(frozen=True)
class Emergency:
    """What was recognised and what to do now."""

    situations: tuple[Situation, ...]
    what_to_do: tuple[str, ...]  # the steps, in order; the first is always the call
    taken: tuple[str, ...]  # substances named in the words ("G", "ketamine"), to tell the crew
    spans: tuple[tuple[int, int], ...]  # word positions (start, end) that showed it, as ketdir.search.tokens splits
    topics: tuple[str, ...] = ()  # harm topics to show first (ids in ketdir/harm/topics), best first
    call: str = CALL

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(s.label for s in self.situations)

    @property
    def headline(self) -> str:
        """"Emergency: call 999 now (can't be woken; overdose)"."""
        return f"Emergency: call {self.call} now ({'; '.join(self.labels)})"


@dataclass(frozen=True)
class _Element:
    options: tuple[tuple[str, ...], ...]  # word sequences, longest first

    @cached_property
    def firsts(self) -> frozenset[str]:
        """The words an option starts with: anywhere else the element cannot start."""
        return frozenset(option[0] for option in self.options)


@dataclass(frozen=True)
class _Pattern:
    sequence: tuple[_Element, ...]
    anywhere: tuple[tuple[_Element, ...], ...]  # "A & B": B must also be somewhere in the text
    present_only: bool


@dataclass(frozen=True)
class _Rule:
    situation: Situation
    patterns: tuple[_Pattern, ...]
    unless: _Element
    unless_patterns: tuple[_Pattern, ...]


class Signs:
    """The signs of data/emergency.json, ready to look for."""

    def __init__(self, data: dict) -> None:
        try:
            self.max_gap = int(data["max_gap"])
            self.gap = frozenset(data["gap"])
            self.classes = {name: self._options(entries) for name, entries in data["classes"].items()}
            self.past = _Element(self._options(data["past"]))
            self.present = _Element(self._options(data["present"]))
            self.steps = {kind: tuple(steps) for kind, steps in data["what_to_do"].items()}
            self.drugs = [(label, _Element(self._options(drug["words"])), drug.get("topic"))
                          for label, drug in data["drugs"].items()]
            self.mixing_topic = data["mixing_topic"]
            self.drugs_first = frozenset(data["drugs_first"])
            self.rules = [self._rule(item) for item in data["situations"]]
            self.fuzzy_targets = tuple(data["fuzzy_targets"])
            known = set(self.gap) | set(data["ordinary"]) | set(self.fuzzy_targets)
            for options in [*self.classes.values(), self.past.options, self.present.options,
                            *(e.options for _, e, _ in self.drugs)]:
                known.update(w for option in options for w in option)
            for rule in self.rules:
                for pattern in (*rule.patterns, *rule.unless_patterns):
                    for element in (*pattern.sequence, *(e for part in pattern.anywhere for e in part)):
                        known.update(w for option in element.options for w in option)
            self.known = frozenset(known)
        except (KeyError, TypeError, ValueError) as exc:
            raise SignsError(f"emergency.json: {exc!r}") from exc
        for rule in self.rules:
            if rule.situation.kind not in self.steps:
                raise SignsError(f"emergency.json: situation {rule.situation.id} has kind {rule.situation.kind!r}, "
                                 "which has no steps in what_to_do")

    @staticmethod
    def _options(entries) -> tuple[tuple[str, ...], ...]:
        options = {tuple(words(e, limit=None)) for e in entries}
        options.discard(())
        return tuple(sorted(options, key=len, reverse=True))

    def _element(self, text: str) -> list[_Element]:
        """The elements of one pattern part: CLASS names, and runs of literal words (one element each)."""
        elements: list[_Element] = []
        literal: list[str] = []
        for token in text.split():
            if token.isupper() or "_" in token:
                if literal:
                    elements.append(_Element((tuple(literal),)))
                    literal = []
                if token not in self.classes:
                    raise SignsError(f"emergency.json: a pattern uses {token}, which is not a class")
                elements.append(_Element(self.classes[token]))
            else:
                literal += words(token, limit=None)
        if literal:
            elements.append(_Element((tuple(literal),)))
        return elements

    def _pattern(self, text: str) -> _Pattern:
        present_only = text.startswith("~")
        parts = [p.strip() for p in text.lstrip("~").split("&")]
        return _Pattern(tuple(self._element(parts[0])), tuple(tuple(self._element(p)) for p in parts[1:]),
                        present_only)

    def _rule(self, item: dict) -> _Rule:
        situation = Situation(item["id"], item["label"], item["kind"], item["topic"])
        return _Rule(situation, tuple(self._pattern(p) for p in item["patterns"]),
                     _Element(self._options(item.get("unless", []))),
                     tuple(self._pattern(p) for p in item.get("unless_patterns", [])))

    # ------------------------------------------------------------------ reading a text

    def tokens(self, text: str) -> list[str]:
        """Search's words, contraction tails spelt out and long misspelt words read as the sign they are near."""
        out = []
        for word in words(text, limit=None):
            word = _TAILS.get(word, word)
            if len(word) >= FUZZY_MIN_LENGTH and word not in self.known and not word.isdigit():
                best = process.extractOne(word, self.fuzzy_targets, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
                if best and best[0][0] == word[0]:
                    word = best[0]
            out.append(word)
        return out

    def _at(self, tokens: list[str], i: int, element: _Element) -> int | None:
        for option in element.options:
            if tuple(tokens[i : i + len(option)]) == option:
                return i + len(option)
        return None

    def _sequence(self, tokens: list[str], start: int, sequence: tuple[_Element, ...], max_gap: int) -> int | None:
        """Where the sequence ends if it starts at `start`; None if it does not match there."""
        end = self._at(tokens, start, sequence[0])
        if end is None:
            return None
        for element in sequence[1:]:
            found, position = None, end
            for _ in range(max_gap + 1):
                found = self._at(tokens, position, element)
                if found is not None or position >= len(tokens) or not self._is_gap(tokens[position]):
                    break
                position += 1
            if found is None:
                return None
            end = found
        return end

    def _is_gap(self, word: str) -> bool:
        return word in self.gap or word.isdigit()

    def _find(self, tokens: list[str], sequence: tuple[_Element, ...], max_gap: int) -> tuple[int, int] | None:
        first = sequence[0].firsts
        for start in range(len(tokens)):
            if tokens[start] not in first:  # most words start nothing: skip them cheaply
                continue
            end = self._sequence(tokens, start, sequence, max_gap)
            if end is not None:
                return start, end
        return None

    def _has(self, tokens: list[str], element: _Element) -> bool:
        return any(self._at(tokens, i, element) is not None for i in range(len(tokens)) if tokens[i] in element.firsts)

    def recognise(self, text: str) -> Emergency | None:
        tokens = self.tokens(text)
        if not tokens:
            return None
        about_the_past = self._has(tokens, self.past) and not self._has(tokens, self.present)
        found: list[tuple[Situation, tuple[int, int]]] = []
        for rule in self.rules:
            span = self._match(tokens, rule, about_the_past)
            if span is not None:
                found.append((rule.situation, span))
        if not found:
            return None
        named = [(label, topic) for label, element, topic in self.drugs if self._has(tokens, element)]
        taken = tuple(label for label, _ in named)
        kind = found[0][0].kind  # the situations are listed most urgent first
        note = f" (you typed: {', '.join(taken)})" if taken else ""
        steps = tuple(step.replace("{taken}", note) for step in self.steps[kind])
        # Harm topics: for a collapse or an overdose what was taken decides (two drugs: mixing); for the others
        # (spiked, can't pee, suicidal, attacked) the situation's own topic comes first.
        by_drug = ([self.mixing_topic] if len(named) > 1 else []) + [topic for _, topic in named if topic]
        by_situation = [s.topic for s, _ in found]
        topics = by_drug + by_situation if kind in self.drugs_first else by_situation + by_drug
        return Emergency(tuple(s for s, _ in found), steps, taken, tuple(span for _, span in found),
                         topics=tuple(dict.fromkeys(topics)))

    def _match(self, tokens: list[str], rule: _Rule, about_the_past: bool) -> tuple[int, int] | None:
        span = None
        for pattern in rule.patterns:
            if pattern.present_only and about_the_past:
                continue
            span = self._find(tokens, pattern.sequence, self.max_gap)
            if span is not None and all(self._find(tokens, part, self.max_gap) for part in pattern.anywhere):
                break
            span = None
        if span is None:
            return None
        if self._has(tokens, rule.unless):
            return None
        for pattern in rule.unless_patterns:  # words side by side: "i cant wake up" but not "i cant wake him up"
            if self._find(tokens, pattern.sequence, 0) is not None:
                return None
        return span


def load_signs(path: Path | None = None) -> Signs:
    path = path or data_dir() / "emergency.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SignsError(f"{path.name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    return Signs(data)


@lru_cache(maxsize=1)
def signs() -> Signs:
    return load_signs()


@lru_cache(maxsize=256)
def recognise(text: str) -> Emergency | None:
    """The emergency in these words, or None. (The window asks again for the same words when typing pauses.)"""
    return signs().recognise(text)
