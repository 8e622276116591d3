"""Which harm topics to show first for what was typed: the ones its drug and situation words point to.

"friend wont wake up after g and k" names two drugs and an emergency: the mixing and overdose topic comes
first, not whatever the need types list first. In an emergency the topics come from the signs themselves
(ketdir.search.emergency: the drugs named and the situation, data/emergency.json). Otherwise a topic leads only when it matches at least two of the typed words (stop and
filler words left out): "ket bladder" leads with the bladder topic, while "ket" alone leaves the order to the
need types.
"""
from __future__ import annotations

from ketdir.search.emergency import Emergency
from ketdir.search.relaxed import filler_words
from ketdir.search.tokens import STOP_WORDS, words

LEAD = 2  # topics found by the words, at most, before the need types' own
SPECIFIC = 2  # words a topic must match to lead outside an emergency


def lead_topics(text: str, emergency: Emergency | None) -> tuple[str, ...]:
    """Topic ids to show first, best first (may be empty)."""
    from ketdir.harm.library import load_library

    try:
        library = load_library()
    except Exception:  # a broken topic file must not stop a search; the library view reports it
        return ()
    if emergency is not None:
        return tuple(t for t in emergency.topics if library.get(t) is not None)
    small = STOP_WORDS | filler_words()
    asked = list(dict.fromkeys(w for w in words(text) if w not in small))
    if len(asked) < SPECIFIC:
        return ()
    return tuple(t.id for t, matched in library.search_matches(" ".join(asked))[:LEAD] if matched >= SPECIFIC)
