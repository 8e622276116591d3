"""Which harm topics to show first for what was typed: the ones its drug and situation words point to.

"friend wont wake up after g and k" names two drugs and an emergency: the mixing and overdose topic comes
first, not whatever the need types list first. In an emergency the topics come from the signs themselves
(ketdir.search.emergency: the drugs named and the situation, data/emergency.json). Otherwise a topic leads
only when its title and keywords hold at least two of the typed words (stop and filler words left out; a word
also counts through what search reads it as, "wee" → bladder): "ket bladder" leads with the bladder topic,
while "ket" alone leaves the order to the need types.

This runs on every keystroke, so it looks at titles and keywords only, as sets of words (microseconds), not
through the harm library's full-text search.
"""
from __future__ import annotations

from functools import lru_cache

from ketdir.search.emergency import Emergency
from ketdir.search.relaxed import filler_words
from ketdir.search.synonyms import synonyms
from ketdir.search.tokens import STOP_WORDS, words

LEAD = 2  # topics found by the words, at most, before the need types' own
SPECIFIC = 2  # words a topic must hold to lead outside an emergency


@lru_cache(maxsize=1)
def _topics() -> tuple[tuple[str, frozenset[str]], ...]:
    """(topic id, the words of its title and keywords), in the library's order."""
    from ketdir.harm.library import load_library

    return tuple((t.id, frozenset(words(" ".join([t.title, *t.keywords]), limit=None))) for t in load_library())


def lead_topics(text: str, emergency: Emergency | None) -> tuple[str, ...]:
    """Topic ids to show first, best first (may be empty)."""
    try:
        topics = _topics()
    except Exception:  # a broken topic file must not stop a search; the library view reports it
        return ()
    if emergency is not None:
        known = {topic for topic, _ in topics}
        return tuple(t for t in emergency.topics if t in known)
    small = STOP_WORDS | filler_words()
    return _by_words(tuple(dict.fromkeys(w for w in words(text) if w not in small)))


@lru_cache(maxsize=512)
def _by_words(asked: tuple[str, ...]) -> tuple[str, ...]:
    if len(asked) < SPECIFIC:
        return ()
    vocabulary = synonyms()
    meanings = []
    for word in asked:
        syn = vocabulary.by_term.get((word,))
        meanings.append({word, *(syn.expands_to if syn else ())})
    ranked = []
    for position, (topic, topic_words) in enumerate(_topics()):
        held = sum(1 for meaning in meanings if meaning & topic_words)
        if held >= SPECIFIC:
            ranked.append((-held, position, topic))
    return tuple(topic for _, _, topic in sorted(ranked)[:LEAD])
