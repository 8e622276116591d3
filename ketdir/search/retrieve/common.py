"""What both backends' retrieval shares: the candidates and what is found, the filters, the reads of matching
rows, and the search around a place (circles grow or narrow until they hold enough)."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir.geo import Place, bounding_box, distance_miles
from ketdir.needs import need_types
from ketdir.search import rank
from ketdir.search.cache import RecentReads
from ketdir.search.text_query import Group
from ketdir.store import tags
from ketdir.store.search_index import (
    LOCAL_SIDE,
    NATIONAL_SIDE,
    STRONG_COLUMNS,
    Area,
    Match,
    SearchIndex,
    side_condition,
)

NATIONAL_CANDIDATES = 3  # times the lines shown: national lines ranked per query
CANDIDATES = 100  # rows ranked (ketdir.search.rank) per query: twice a page of results
POSITIONS = 500  # at most this many rows read, unranked, per circle looked in around a place
FIRST_RING = 1.0  # miles: the first circle looked in around a place
NARROW = 0.5  # a circle whose cells hold too many matches is narrowed by at least this
MAX_READ = 4 * POSITIONS  # rows read at most for one circle
SAMPLE = 400  # rows read to estimate how many of the matches around a place are within the radius
MAX_STEPS = 8  # circles tried around a place
WHOLE_UK = 600.0  # miles: a radius this wide needs no grid cells


@dataclass
class Candidate:
    rowid: int
    need_mask: int
    latitude: float | None
    longitude: float | None
    rank: float
    distance: float | None = None
    passes: bool = True  # meets the SQL filters (age, language, open now)


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)  # best first
    total: int = 0
    exact: bool = True  # False: total is an estimate
    minimum: bool = False  # True: counting stopped at a cap; there are at least total


@dataclass(frozen=True)
class Filters:
    where: str = "1=1"  # SQL conditions on ketdir_search_doc d that tags cannot express
    params: dict = field(default_factory=dict)
    needs: frozenset[str] = frozenset()
    free: bool = False
    # Count (or estimate) every match when more match than are listed. False (while typing): near a place, and on
    # PostgreSQL everywhere, the total is "at least" the services listed; the count comes when typing pauses.
    with_total: bool = True


def tag_group(*words: str) -> Group:
    return Group(typed="", phrases=[(w,) for w in words])


def area_around(place: Place, radius: float) -> Area | None:
    """The area within `radius` miles of a place (None: the whole country)."""
    if radius >= WHOLE_UK:
        return None
    box = bounding_box(place.latitude, place.longitude, radius)
    return Area(tuple(tags.cells_covering(*box)), tuple(box))


def sql(statement: str):
    return text(statement)


class Retriever(ABC):
    """Finds the candidates of one search. Each backend's index answers some questions cheaply and others not at
    all, so the decisions between counting and reading live in its own subclass (retrieve.sqlite, .postgres)."""

    def __init__(self, session: Session, index: SearchIndex, filters: Filters, rings: dict | None = None,
                 reads: RecentReads | None = None) -> None:
        self.session = session
        self.index = index
        self.filters = filters
        # The circle the last search around the same place and filters ended with: typing one more letter
        # usually needs the same circle or a little more, so the next search starts there.
        self.rings = rings if rings is not None else {}
        self.reads = reads if reads is not None else RecentReads()

    # ------------------------------------------------------------------ what each backend decides

    @property
    @abstractmethod
    def count_cap(self) -> int:
        """Counts of matches stop here (then "at least": "2,000+")."""

    @abstractmethod
    def ranked_local(self, match: Match, groups: list[Group], limit: int) -> Found:
        """The best local text matches anywhere (no place), most relevant first, and how many there are."""

    @abstractmethod
    def sized_up(self, match: Match, cap: int) -> tuple[int, list[Candidate] | None]:
        """How many match in a circle's area (up to about MAX_READ), and the rows when they were read to tell."""

    @abstractmethod
    def beyond_sample(self, match: Match) -> int:
        """How many match in the area of the whole circle, when more than SAMPLE do (count_cap + 1: more)."""

    @abstractmethod
    def counts_per_need(self, base: Match, place: Place | None,
                        radius: float | None) -> tuple[dict[str, int], frozenset[str]]:
        """The need-type counts of need_counts."""

    # ------------------------------------------------------------------ building blocks

    def rows(self, statement: str, params: dict) -> list[tuple]:
        """The rows of a candidate read."""
        return self.session.execute(sql(statement), params).all()

    @staticmethod
    def side(national: bool) -> str:
        return NATIONAL_SIDE if national else LOCAL_SIDE

    def required(self, national: bool, *, with_needs: bool = True) -> list[Group]:
        groups = []
        if with_needs and self.filters.needs:
            known = need_types()
            groups.append(tag_group(*(known.get(c).token for c in sorted(self.filters.needs) if known.get(c))))
        if self.filters.free:
            groups.append(tag_group(tags.FREE))
        return groups

    def count(self, match: Match, *, filtered: bool = True, cap: int | None = None) -> int:
        """Matching services, counted up to `cap` (default: count_cap; returns cap + 1 when there are more:
        counting costs time in proportion to what is counted). filtered=False leaves out the SQL filters (age,
        language, open now): the index alone answers, which is much cheaper."""
        if self.filters.where == "1=1" or not filtered:
            source, params = self.index.count_source(match)
        else:
            source, params = self.index.match_source(match)
            source += f" AND {self.filters.where}"
        params = {**self.filters.params, **params}
        cap = self.count_cap if cap is None else cap
        return self.session.execute(sql(self.counting(source, cap)), {**params, "cap": cap + 1}).scalar_one()

    def counting(self, source: str, cap: int) -> str:
        """SQL counting the rows of `source` up to :cap (= cap + 1)."""
        return self.index.capped_count(source)

    @property
    def has_sql_filters(self) -> bool:
        return self.filters.where != "1=1"

    def fetch(self, match: Match, limit: int) -> list[Candidate]:
        """Up to `limit` matching rows (in row order: most recently checked first), ranked (ketdir.search.rank)."""
        source, params = self.index.match_source(match)
        columns = list(rank.COLUMN_WEIGHTS)
        rows = self.rows(
            f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, {', '.join('d.' + c for c in columns)} "
            f"{source} AND {self.filters.where} LIMIT :limit",
            {**self.filters.params, **params, "limit": limit},
        )
        scorer = rank.Scorer(match.groups)
        return [Candidate(row[0], row[1], row[2], row[3], -scorer(dict(zip(columns, row[4:])))) for row in rows]

    def positions(self, match: Match, limit: int, *, passing_only: bool = False) -> list[Candidate]:
        """Matching rows with their coordinates, unranked (with a place, distance orders them), and whether
        each meets the SQL filters: the rows that do not still tell what share of all rows do (passing_only:
        leave those out)."""
        source, params = self.index.match_source(match)
        if passing_only and self.has_sql_filters:
            source += f" AND {self.filters.where}"
        rows = self.rows(
            f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, 0, NULL, ({self.filters.where}) "
            f"{source} LIMIT :limit",
            {**self.filters.params, **params, "limit": limit},
        )
        return [Candidate(*row) for row in rows]

    # ------------------------------------------------------------------ searches

    def ranked(self, groups: list[Group], mode: str, national: bool, limit: int) -> Found:
        """Best text matches anywhere (no place), most relevant first."""
        match = Match(groups, mode, self.required(national), side=self.side(national))
        if national:  # a short group beside the results: its best lines, no count needed
            found, _ = self._best(match, groups, limit, candidates=NATIONAL_CANDIDATES * limit)
            return Found(found, len(found), exact=len(found) < NATIONAL_CANDIDATES * limit)
        return self.ranked_local(match, groups, limit)

    def _best(self, match: Match, groups: list[Group], limit: int,
              candidates: int = CANDIDATES) -> tuple[list[Candidate], bool]:
        """The best of many matches: those with the typed words in a strong column (name, organisation, need
        type) first, filled up with the others when there are fewer than `limit`; most relevant first.
        Returns (candidates, complete): complete when these are all the matches."""
        strong = replace(match, columns=STRONG_COLUMNS) if groups else match
        found = self.fetch(strong, candidates)
        complete = strong is match and len(found) < candidates
        if len(found) < limit and strong is not match:
            everything = self.fetch(match, candidates)
            complete = len(everything) < candidates
            seen = {c.rowid for c in found}
            found += [c for c in everything if c.rowid not in seen]
        found.sort(key=lambda c: (c.rank, c.rowid))
        return found, complete

    def browse(self, national: bool, limit: int) -> Found:
        """No words and no place: services in name order."""
        match = Match([], "all", self.required(national), side=self.side(national))
        total = 0 if national else self.count(match)  # national lines: a short group, no count needed
        minimum = total > self.count_cap
        known = need_types()
        conditions = [side_condition(self.side(national)), self.filters.where]
        params = dict(self.filters.params)
        if self.filters.needs:
            conditions.append("(d.need_mask & :need_mask) != 0")
            params["need_mask"] = known.mask(self.filters.needs)
        if self.filters.free:
            conditions.append("d.is_free = TRUE")
        rows = self.session.execute(
            sql(
                "SELECT d.rowid, d.need_mask, d.latitude, d.longitude, 0 FROM ketdir_search_doc d "
                f"WHERE {' AND '.join(conditions)} ORDER BY d.name LIMIT :limit"
            ),
            {**params, "limit": limit},
        ).all()
        found = [Candidate(*row) for row in rows]
        return Found(found, max(min(total, self.count_cap), len(found)), exact=not minimum, minimum=minimum)

    def near(self, groups: list[Group], mode: str, place: Place, radius: float | None, limit: int) -> Found:
        """Local matches within the radius of a place, nearest first.

        Look in a small circle first and widen it until it holds `limit` matches (everything inside a circle is
        nearer than anything outside it), or narrow it when its cells hold more than POSITIONS matches to read.
        """
        radius = radius if radius is not None else WHOLE_UK
        ring_key = (place.latitude, place.longitude, radius, self.filters.where, self.filters.needs,
                    self.filters.free, tuple(sorted((k, v) for k, v in self.filters.params.items()
                                                    if not isinstance(v, (list, dict)))))
        typed = " ".join(g.typed for g in groups)
        last_typed, last_r = self.rings.get(ring_key, ("", FIRST_RING))
        # Typing on (the text so far begins with what was typed before) only narrows the matches: start from the
        # circle the last search ended with. Anything else (a new query) starts small again, and so does the
        # letter after a lone first letter: "b" is the word "b" (rare), "bl" every word beginning so (common).
        last_word = (last_typed.split() or [""])[-1]
        narrows = typed.startswith(last_typed) and len(last_word) != 1
        r = min(radius, last_r if narrows else FIRST_RING)
        cap, narrowed = POSITIONS, False
        read: dict[object, list[Candidate]] = {}  # rows of the areas already read (by SearchIndex.area_key)
        for step in range(MAX_STEPS):
            match = self._near_match(groups, mode, place, r)
            cells = self.index.area_key(match.area)
            if cells not in read:
                n, rows = self.sized_up(match, cap)
                if n > cap and step < MAX_STEPS - 1:
                    smaller = r * max(0.25, min(NARROW, 0.9 * math.sqrt(cap / n)))
                    if self.index.area_key(self._near_match(groups, mode, place, smaller).area) != cells:
                        r, narrowed = smaller, True  # a smaller circle, in fewer cells
                        continue
                # Read them (all but the densest places: services crowded into one smallest cell).
                if rows is None or len(rows) > cap:
                    rows = self.positions(match, min(max(cap, n), MAX_READ) + 1 if rows is None else MAX_READ + 1,
                                          passing_only=True)
                read[cells] = rows
            rows = read[cells]
            inside = self._within(rows[:MAX_READ], place, r)
            found = [c for c in inside if c.passes]
            if len(found) >= limit or r >= radius:
                break
            r = min(radius, r * min(4.0, max(1.5, math.sqrt(2 * limit / max(len(found), 1)))))
            if narrowed:  # the wider circle was crowded: read more of it this time
                cap = MAX_READ
        found.sort(key=lambda c: (c.distance, c.rowid))
        if len(self.rings) > 64:
            self.rings.clear()
        self.rings[ring_key] = (typed, r)
        if r >= radius and len(rows) <= MAX_READ:
            return Found(found, len(found), exact=True)
        if not self.filters.with_total:  # at least these; how many more is asked for when typing pauses
            return Found(found, len(found), exact=False, minimum=True)
        # More than were read: the matches in the cells around the whole circle, times the share of a sample
        # of them (the first in row order, which has nothing to do with place) inside the circle and passing
        # the SQL filters.
        match = self._near_match(groups, mode, place, radius)
        sample = self.positions(match, SAMPLE + 1)
        inside = sum(1 for c in self._within(sample, place, radius) if c.passes)
        if len(sample) <= SAMPLE:  # the sample is all of them
            return Found(found, inside, exact=True)
        n = self.beyond_sample(match)
        total = min(n, self.count_cap) * inside / len(sample)
        return Found(found, max(int(total), len(found)), exact=False, minimum=n > self.count_cap)

    def _near_match(self, groups: list[Group], mode: str, place: Place, radius: float) -> Match:
        return Match(groups, mode, self.required(False), side=LOCAL_SIDE, area=area_around(place, radius))

    def _within(self, found: list[Candidate], place: Place, radius: float) -> list[Candidate]:
        kept = []
        for cand in found:
            if cand.latitude is None or cand.longitude is None:
                continue
            cand.distance = distance_miles(place.latitude, place.longitude, cand.latitude, cand.longitude)
            if cand.distance <= radius:
                kept.append(cand)
        return kept

    def need_counts(self, groups: list[Group], mode: str, place: Place | None,
                    radius: float | None) -> tuple[dict[str, int], frozenset[str]]:
        """How many local services each need type would give, with every other filter as it is; and the need
        types whose count is a lower bound (where the backend counts from a sample)."""
        area = None
        if place is not None:
            radius = radius if radius is not None else WHOLE_UK
            area = area_around(place, radius)
        base = Match(groups, mode, self.required(False, with_needs=False), side=LOCAL_SIDE, area=area)
        return self.counts_per_need(base, place, radius)

    @staticmethod
    def _tally(found: list[Candidate], needs) -> dict[str, int]:
        return {need.code: sum(1 for c in found if c.need_mask & (1 << need.bit)) for need in needs}
