"""Split what a person typed into plain words. Anything that is not a letter or digit is dropped,
so no full-text syntax (quotes, *, :, parentheses, NEAR, -, ^) can ever reach the index."""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORDS = 12
MAX_WORD_LENGTH = 40

# Dropped from the text search: they say nothing about the service wanted. Negations and pronouns are here
# too ("cant wake him"): what they mean in a caller's words is read by ketdir.search.emergency, and as search
# words they only emptied the list (or were "corrected": "cant" → "can").
STOP_WORDS = frozenset(
    "a an and the of for to in on at with near me my i im is are be can help service services "
    "someone who what where how do does about from by or "
    "not no cant cannot wont dont didnt doesnt isnt arent wasnt werent couldnt wouldnt shouldnt havent hasnt "
    "hadnt aint he she him her hes shes his hers they them their theyre it its we us our you your this that "
    "these those was were been has have had am will would could should ive id".split()
)

_CONTRACTED = re.compile(r"[^\W_]+n$", re.UNICODE)  # "can" of "can't", "won" of "won't", "isn" of "isn't"


def fold(text: str) -> str:
    """Lower case without diacritics, as the full-text index stores words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str, limit: int | None = MAX_WORDS) -> list[str]:
    """The searchable words of a text, lower case, at most `limit` of them (None: all). A negative
    contraction is one word, as people also type it: "can't" and "cant" are both "cant"."""
    found: list[str] = []
    for word in _WORD.findall(fold(text or "")):
        if word == "t" and found and _CONTRACTED.match(found[-1]):
            found[-1] += "t"
            continue
        found.append(word[:MAX_WORD_LENGTH])
    return found if limit is None else found[:limit]
