"""Split what a person typed into plain words. Anything that is not a letter or digit is dropped,
so no full-text syntax (quotes, *, :, parentheses, NEAR, -, ^) can ever reach the index."""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORDS = 12
MAX_WORD_LENGTH = 40

STOP_WORDS = frozenset(
    "a an and the of for to in on at with near me my i im is are be can help service services "
    "someone who what where how do does about from by or".split()
)


def fold(text: str) -> str:
    """Lower case without diacritics, as the full-text index stores words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The searchable words of a text, lower case, at most MAX_WORDS of them."""
    found = [w[:MAX_WORD_LENGTH] for w in _WORD.findall(fold(text or ""))]
    return found[:MAX_WORDS]

