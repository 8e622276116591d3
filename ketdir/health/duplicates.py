"""Likely duplicates: similar names at the same postcode or phone number, and shared phone numbers.

Services are only compared inside blocks (the same postcode, the same normalised phone number), never
all against all, so the work grows with the size of the blocks, not with the square of the directory.
Names are compared with rapidfuzz's token_set_ratio (word order and extra words do not matter).
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from rapidfuzz import fuzz, process

from ketdir.health.checks import compact_postcode, pretty_postcode
from ketdir.health.gather import ServiceFacts
from ketdir.health.model import INFO, WARNING, Finding
from ketdir.health.phones import check_phone, format_phone

SIMILAR_NAMES = 90  # token_set_ratio, 0-100
SMALL_BLOCK = 16  # up to this many services, compare pairs directly; above, one rapidfuzz call per service
MAX_NAMED = 3  # other services named in a shared-phone message


def normalise_name(name: str) -> str:
    """Lower case, no accents or punctuation, "&" -> "and", "(demo)" dropped."""
    text = name or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower()
    text = text.replace("&", " and ").replace("(demo)", " ")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


@dataclass
class _Pair:
    score: float
    postcodes: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)


def _similar_pairs(members: list[str], names: dict[str, str]) -> Iterable[tuple[str, str, float]]:
    """(a, b, score) for members whose names are similar; a < b."""
    members = sorted(members)
    if len(members) <= SMALL_BLOCK:
        ratio = fuzz.token_set_ratio
        for i, a in enumerate(members):
            name_a = names[a]
            for b in members[i + 1:]:
                score = ratio(name_a, names[b], score_cutoff=SIMILAR_NAMES)
                if score:
                    yield a, b, score
        return
    choices = [names[m] for m in members]
    for i in range(len(members) - 1):
        later = choices[i + 1:]
        for _name, score, j in process.extract(choices[i], later, scorer=fuzz.token_set_ratio,
                                              score_cutoff=SIMILAR_NAMES, limit=None):
            yield members[i], members[i + 1 + j], score


def find_duplicates(services: list[ServiceFacts]) -> list[Finding]:
    by_id = {s.id: s for s in services}
    names = {s.id: normalise_name(s.name) for s in services}
    postcode_blocks: dict[str, set[str]] = defaultdict(set)
    phone_blocks: dict[str, set[str]] = defaultdict(set)
    phone_shown: dict[str, str] = {}
    for s in services:
        for place in s.places:
            if place.physical and place.postal_code:
                postcode_blocks[compact_postcode(place.postal_code)].add(s.id)
        for phone in s.phones:
            if not phone.own:
                continue  # a location's switchboard is shared by every service there
            key = check_phone(phone.number).key
            if key:
                phone_blocks[key].add(s.id)
                if key not in phone_shown:
                    phone_shown[key] = format_phone(phone.number)

    pairs: dict[tuple[str, str], _Pair] = {}
    for postcode, members in postcode_blocks.items():
        if len(members) < 2:
            continue
        for a, b, score in _similar_pairs(list(members), names):
            pairs.setdefault((a, b), _Pair(score)).postcodes.add(postcode)
    findings: list[Finding] = []
    for key, members in phone_blocks.items():
        if len(members) < 2:
            continue
        similar = set()
        for a, b, score in _similar_pairs(list(members), names):
            pairs.setdefault((a, b), _Pair(score)).phones.add(key)
            similar.add((a, b))
        ordered = sorted(members, key=lambda m: (by_id[m].name.casefold(), m))
        n = len(ordered)
        if len(similar) < n * (n - 1) // 2:  # some of them share the number under different names
            findings.append(_shared_phone(phone_shown[key], [by_id[m] for m in ordered]))

    for (a, b), pair in pairs.items():
        first, second = sorted((by_id[a], by_id[b]), key=lambda s: (s.name.casefold(), s.id))
        findings.append(_pair_finding(first, second, pair, phone_shown))
    return findings


def _quote_names(services: list[ServiceFacts]) -> str:
    named = [f"“{s.name}”" for s in services[:MAX_NAMED]]
    rest = len(services) - len(named)
    if rest:
        return ", ".join(named) + f" and {rest} other{'s' if rest != 1 else ''}"
    if len(named) == 1:
        return named[0]
    return ", ".join(named[:-1]) + " and " + named[-1]


def _pair_finding(first: ServiceFacts, second: ServiceFacts, pair: _Pair, phone_shown: dict[str, str]) -> Finding:
    where = []
    fields = ["name"]
    if pair.postcodes:
        where.append("the same postcode " + ", ".join(sorted(pretty_postcode(p) for p in pair.postcodes)))
        fields.append("address.postal_code")
    if pair.phones:
        where.append("the same phone number " + ", ".join(sorted(phone_shown[p] for p in pair.phones)))
        fields.append("phone.number")
    return Finding(
        "duplicate", WARNING, first.id, first.name, ", ".join(fields),
        f"Looks like the same service as “{second.name}” (id {second.id}): names {pair.score:.0f}% alike, "
        f"{' and '.join(where)}. If they are the same, keep one and retire the other.",
        (second.id,),
    )


def _shared_phone(number: str, members: list[ServiceFacts]) -> Finding:
    first, others = members[0], members[1:]
    same_org = first.organization_id is not None and all(m.organization_id == first.organization_id for m in others)
    if same_org:
        org = first.organization or "the same organisation"
        message = (f"Shares the phone number {number} with {_quote_names(others)}, all run by {org}: a shared "
                   "booking line, or the same service entered twice?")
        severity = INFO
    else:
        message = (f"Shares the phone number {number} with {_quote_names(others)}: one may be the same service "
                   "under another name, or a number may be wrong.")
        severity = WARNING
    return Finding("duplicate", severity, first.id, first.name, "phone.number", message,
                   tuple(m.id for m in others))
