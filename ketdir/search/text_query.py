"""From typed text to a full-text plan: word groups (each: the word, its synonyms, its need type) and
the readings to show the person ("ket" → ketamine)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ketdir.needs import NeedTypes
from ketdir.store.search_index import Match
from ketdir.store.search_index.sqlite import fts5_expression
from ketdir.search.synonyms import Synonym, Synonyms
from ketdir.search.tokens import STOP_WORDS, words
from ketdir.search.types import Reading

MIN_PREFIX = 2  # shorter words are matched whole: "k*" would match half the index


@dataclass
class Group:
    """One thing the person asked for. A service matches the group if it matches any alternative."""

    typed: str
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # exact words or phrases
    prefixes: list[str] = field(default_factory=list)  # words matched as prefixes (as-you-type)
    begun: list[str] = field(default_factory=list)  # prefixes the index reads as the whole words they begin
    needs: tuple[str, ...] = ()  # need types the typed words point to ("wee" → bladder-urology)
    kind: str = "word"  # "word", or the kind of reading that made the group (Reading.kind: "synonym", "emergency")


@dataclass
class TextPlan:
    groups: list[Group]
    readings: list[Reading]

    @property
    def empty(self) -> bool:
        return not self.groups

    def match_all(self) -> str:
        """The SQLite FTS5 expression for "every group" (benchmarks time the raw index with it)."""
        return fts5_expression(Match(self.groups, "all"))


def plan_text(text: str, synonyms: Synonyms, needs: NeedTypes, ignore: frozenset[str] = frozenset(),
              corrections: dict[str, str] | None = None, found: dict[int, Synonym] | None = None) -> TextPlan:
    """Read the text: synonyms first (longest phrase wins), then the remaining content words. found: readings
    made elsewhere, by the position of their first word (an emergency: "wont wake" → Urgent care); they go first."""
    tokens = words(text)
    corrections = corrections or {}
    found = found or {}
    groups: list[Group] = []
    readings: list[Reading] = []
    plain: list[str] = []
    i = 0
    while i < len(tokens):
        syn = found.get(i)
        if syn is None or syn.text in ignore or tuple(tokens[i : i + len(syn.term)]) != syn.term:
            syn = synonyms.match_at(tokens, i)
        if syn is not None and syn.text not in ignore:
            group, reading = _synonym_group(syn, syn.text, needs)
            if reading is not None:
                readings.append(reading)
            groups.append(group)
            i += len(syn.term)
            continue
        plain.append(tokens[i])
        i += 1
    kept = [w for w in plain if w not in STOP_WORDS] or ([] if groups else plain)
    longer = [w for w in kept if len(w) > 1]
    if longer or groups:
        # A lone letter beside other words is a word still being typed ("prep hiv t"): matched whole it would
        # find nothing and empty the list for one keystroke. Slang letters ("k", "g") are synonyms, kept above.
        kept = longer
    for word in kept:
        fixed = corrections.get(word)
        meant = synonyms.by_term.get((fixed,)) if fixed else None
        if meant is not None and fixed != word and fixed not in ignore:  # "bladdr" → bladder → Bladder & urology
            group, reading = _synonym_group(meant, word, needs)
            readings.append(Reading(term=word, meaning=fixed, need=reading.need if reading else None,
                                    needs=reading.needs if reading else (), kind="spelling"))
            groups.append(group)
            continue
        if fixed and fixed != word:
            readings.append(Reading(term=word, meaning=fixed, kind="spelling"))
            groups.append(Group(typed=word, phrases=[(fixed,)], prefixes=[fixed] if len(fixed) >= MIN_PREFIX else []))
            continue
        group = Group(typed=word)
        if len(word) >= MIN_PREFIX:
            group.prefixes.append(word)
        else:
            group.phrases.append((word,))
        groups.append(group)
    return TextPlan(groups, readings)



def _synonym_group(syn: Synonym, typed: str, needs: NeedTypes) -> tuple[Group, Reading | None]:
    """The group for a synonym (the words, what they expand to, their need types) and how it reads."""
    group = Group(typed=typed, phrases=[syn.term], kind=syn.kind)
    if len(syn.term) == 1 and len(syn.term[0]) >= 3:
        group.prefixes.append(syn.term[0])
    group.phrases += [(w,) for w in syn.expands_to]
    meaning = " / ".join(syn.expands_to)
    named = [n for n in (needs.get(code) for code in syn.needs) if n is not None]
    if named:
        group.phrases += [(n.token,) for n in named]
        meaning = " / ".join(n.label for n in named)  # "bladder" → Bladder & urology, not the words behind it
    meaning = syn.meaning or meaning
    group.needs = tuple(n.code for n in named)
    if not meaning:
        return group, None
    return group, Reading(term=syn.text, meaning=meaning, need=group.needs[0] if group.needs else None,
                          needs=group.needs, kind=syn.kind)
