"""Is a service free? One rule for the results' "free" filter and the detail pane.

Free only when the fees text says so (free, no charge, on the NHS) and says nothing of paying: "Non-NHS
patients are expected to pay" names the NHS but is not free, and telling someone a paid service is free costs
them more than missing a free one.
"""
from __future__ import annotations

import re

_FREE = re.compile(r"\b(free of charge|free|no charge|no fees?|no cost|at no cost|without charge)\b")
_NHS = re.compile(r"(?<!non-)(?<!non )\bnhs\b")
_PAY = re.compile(r"\b(pay|pays|paying|paid|payment|charge|charges|charged|chargeable|fee|fees|cost|costs|price|"
                  r"prices|private(ly)?|self-funded)\b|£\s*[1-9]")


_CALLS = re.compile(r"\b(calls?|calling|phone|landline|mobiles?|texts?)\b")  # what a phone call costs is not a fee


def is_free(fees: str | None, amounts: list[float | None]) -> bool:
    if any(a for a in amounts if a):
        return False
    text = (fees or "").lower()
    about_the_service = " ".join(part for part in re.split(r"[.;!?\n]+", text) if not _CALLS.search(part))
    if _PAY.search(_FREE.sub(" ", about_the_service)):
        return False
    return bool(_FREE.search(text) or _NHS.search(text))
