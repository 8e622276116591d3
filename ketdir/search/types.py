"""The search engine's inputs and outputs: plain dataclasses, safe to pass between threads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ketdir.geo import Place
from ketdir.search.emergency import Emergency


COUNT_CAP = 2000  # counts stop here: "2,000+" says all a person needs, and bounds the time


def count_text(n: int, at_least: bool = False) -> str:
    """A count for people: "12", "1,340", or "2,000+" when counting stopped at the cap; at_least: n is a lower
    bound ("1,300+", see at_least_text)."""
    if n > COUNT_CAP:
        return f"{COUNT_CAP:,}+"
    return at_least_text(n) if at_least else f"{n:,}"


def at_least_text(n: int) -> str:
    """A lower bound for people, in two significant figures: "60+", "1,700+" (not "1,790+")."""
    step = 10 ** max(len(str(n)) - 2, 0)
    return f"{n // step * step:,}+"


@dataclass(frozen=True)
class Query:
    text: str = ""
    needs: frozenset[str] = frozenset()  # need-type codes; a service matches if it has any of them
    near: str | Place | None = None  # postcode, district, place name, "lat,lon", or a resolved Place
    radius_miles: float | None = 10.0  # None: no radius limit (still sorted by distance)
    open_now: bool = False
    at: dt.datetime | None = None  # the moment for "open now" and open/closed badges; None = now
    include_national: bool = True
    age: int | None = None  # the person's age; services whose age range excludes it are left out
    free_only: bool = False
    language: str | None = None  # ISO 639-1 code, e.g. "pl"
    ignore_readings: frozenset[str] = frozenset()  # terms whose slang/synonym reading the user undid
    limit: int = 50
    with_counts: bool = False  # fill Results.need_counts (costs one extra query)
    # Near a place, count (or estimate) every match within the radius when more match than are listed. The
    # window leaves it out while typing ("50+") and asks again, with the counts, once typing pauses.
    with_total: bool = True


@dataclass(frozen=True)
class Reading:
    """How one term of the query was understood, e.g. "ket" -> ketamine."""

    term: str  # as typed (lower case), e.g. "ket" or "special k"
    meaning: str  # what it was read as, for people: "ketamine", "Bladder & urology"
    need: str | None = None  # need-type code when the term names one (the first of needs)
    kind: str = "synonym"  # "synonym", "spelling" (fuzzy correction) or "emergency" (ketdir.search.emergency)
    needs: tuple[str, ...] = ()  # every need type the term points to ("burning when i wee": bladder, sexual health)

    def describe(self) -> str:
        return f"“{self.term}” → {self.meaning}"


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    text: str  # e.g. "Open · closes in 40 min", "Closed · opens Tue 09:00", "Open 24 hours"
    known: bool = True  # False when the service has no readable hours


@dataclass(frozen=True)
class Hit:
    service_id: str
    name: str
    organization: str
    needs: tuple[str, ...]  # need-type codes
    is_national: bool
    is_demo: bool
    distance_miles: float | None
    open_state: OpenState
    assured_date: dt.date | None
    is_stale: bool
    has_unverified_phone: bool
    phone: str | None = None  # the first phone number (verified ones first)
    why: tuple[str, ...] = ()  # why it matched: "name matches “bladder”", "Bladder & urology", "2.1 miles"
    score: float = 0.0
    matched: tuple[str, ...] = ()  # when not every word matched (the relaxed tier): the words this one matches


@dataclass
class Results:
    query: Query
    local: list[Hit] = field(default_factory=list)  # services with a place, best first
    national: list[Hit] = field(default_factory=list)  # national and regional lines (phone/online)
    readings: list[Reading] = field(default_factory=list)
    place: Place | None = None  # where "near" resolved to
    place_choices: list[Place] = field(default_factory=list)  # "near" was ambiguous: pick one
    place_message: str | None = None  # "near" could not be resolved: what happened and what to do
    place_suggestions: list[str] = field(default_factory=list)  # ... and close names that do resolve
    message: str | None = None  # anything else the user should know (e.g. a query with no words)
    total_local: int = 0  # matches before the limit
    total_is_estimate: bool = False  # very many matches: total_local is an estimate (say "about")
    total_is_minimum: bool = False  # so many that counting stopped: there are at least total_local
    need_counts: dict[str, int] = field(default_factory=dict)  # need code -> matching services
    need_counts_at_least: frozenset[str] = frozenset()  # need codes whose count is a lower bound ("1,300+")
    used_fuzzy: bool = False
    relaxed: bool = False  # too few matched every word: these match part of them (Hit.matched says which)
    emergency: Emergency | None = None  # the words describe an emergency: what to do now (ketdir.search.emergency)
    harm_topics: tuple[str, ...] = ()  # harm topics the words point to, to show first (ketdir.search.harm_lead)
    coverage_notes: list[str] = field(default_factory=list)  # lines left out for the place's nation, and why

    def amount(self, total: int | None = None) -> str:
        """How many, as people read it: "16", "About 1,230", "2,000+" (at least that many)."""
        total = self.total_local if total is None else total
        if self.total_is_minimum:  # a lower bound, often itself estimated: two significant figures say it
            return at_least_text(total)
        return f"About {total:,}" if self.total_is_estimate else f"{total:,}"

    @property
    def hits(self) -> list[Hit]:
        return self.local + self.national

    @property
    def understood_as(self) -> str:
        """One line for a status bar: "Read “ket” → ketamine; “bladder” → Bladder & urology"."""
        if not self.readings:
            return ""
        return "Read " + "; ".join(r.describe() for r in self.readings)
