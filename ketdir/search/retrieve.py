"""Find the candidate services for a search, cheaply, at any directory size.

Filters that can be tags (need type, free, grid cells around a place) go into the full-text match, so the
index intersects them itself (on PostgreSQL a place is a latitude/longitude box instead: fts.Area); local
services and national lines are two row ranges. The others (age, language, open now) are SQL conditions on
the matching rows. Relevance (ketdir.search.rank) is computed in
Python for a bounded number of rows: when more than CANDIDATES services match, the strongest matches (typed
words in the name, organisation or need type) are ranked first. With a place, circles grow from a small one
until they hold enough (the nearest are then exact); the total beyond them is estimated from a sample, or
left as "at least" while typing. Counts stop at a cap ("2,000+"). PostgreSQL, whose index cannot count without
visiting every row counted, reads instead of counting (counts_by_index): while typing it says "at least" what it
read, and when typing pauses one sample gives the total and the need-type counts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir.geo import Place, bounding_box, distance_miles
from ketdir.needs import need_types
from ketdir.search import rank
from ketdir.search.cache import RecentReads
from ketdir.search.text_query import Group
from ketdir.search import types
from ketdir.store import fts, tags

NATIONAL_CANDIDATES = 3  # times the lines shown: national lines ranked per query
CANDIDATES = 100  # rows ranked (ketdir.search.rank) per query: twice a page of results
POSITIONS = 500  # at most this many rows read, unranked, per circle looked in around a place
COUNT_EXACTLY = 1500  # need-type counts near a place are exact up to this many matches in the cells
FIRST_RING = 1.0  # miles: the first circle looked in around a place
NARROW = 0.5  # a circle whose cells hold too many matches is narrowed by at least this
MAX_READ = 4 * POSITIONS  # rows read at most for one circle
SAMPLE = 400  # rows read to estimate how many of the matches around a place are within the radius
NEED_SAMPLE = SAMPLE  # PostgreSQL: matching services read at most for the need-type counts (each a row visit)
NEED_READS = 3  # PostgreSQL: reads at most for the need-type counts
MAX_STEPS = 8  # circles tried around a place
WHOLE_UK = 600.0  # miles: a radius this wide needs no grid cells
PG_COUNT_CAP = SAMPLE  # PostgreSQL: totals of matches stop here ("400+"; see Retriever.count_cap)
PROBE_PAGES = 300  # PostgreSQL: pages of the table a count looks at first (about 1,000 services; see count)


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


def area_around(place: Place, radius: float) -> fts.Area | None:
    """The area within `radius` miles of a place (None: the whole country)."""
    if radius >= WHOLE_UK:
        return None
    box = bounding_box(place.latitude, place.longitude, radius)
    return fts.Area(tuple(tags.cells_covering(*box)), tuple(box))


def sql(statement: str):
    return text(statement)


class Retriever:
    def __init__(self, session: Session, filters: Filters, rings: dict | None = None,
                 reads: RecentReads | None = None) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.filters = filters
        # The circle the last search around the same place and filters ended with: typing one more letter
        # usually needs the same circle or a little more, so the next search starts there.
        self.rings = rings if rings is not None else {}
        self.reads = reads if reads is not None else RecentReads()

    def rows(self, statement: str, params: dict) -> list[tuple]:
        """The rows of a candidate read. On PostgreSQL they are remembered for the next few searches of the same
        index generation (the caller's cache.reads): the search the window repeats when typing pauses, for the
        counts, reads the same rows again, and a read there costs milliseconds (tens under load). SQLite reads
        them again in a fraction of a millisecond: not worth keeping them."""
        if self.counts_by_index:
            return self.session.execute(sql(statement), params).all()
        # The parameters hold everything that decides the rows (on PostgreSQL "open now" is a bit string).
        key = (statement, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
        found = self.reads.get(key)
        if found is None:
            found = [tuple(row) for row in self.session.execute(sql(statement), params)]
            self.reads.put(key, found)
        return found

    # ------------------------------------------------------------------ building blocks

    @staticmethod
    def side(national: bool) -> str:
        return fts.NATIONAL_SIDE if national else fts.LOCAL_SIDE

    def required(self, national: bool, *, with_needs: bool = True) -> list[Group]:
        groups = []
        if with_needs and self.filters.needs:
            known = need_types()
            groups.append(tag_group(*(known.get(c).token for c in sorted(self.filters.needs) if known.get(c))))
        if self.filters.free:
            groups.append(tag_group(tags.FREE))
        return groups

    def count(self, match: fts.Match, *, filtered: bool = True, cap: int | None = None) -> int:
        """Matching services, counted up to `cap` (default: count_cap; returns cap + 1 when there are more:
        counting costs time in proportion to what is counted, on PostgreSQL a row visit each). filtered=False
        leaves out the SQL filters (age, language, open now): the index alone answers, which is much cheaper."""
        if self.filters.where == "1=1" or not filtered:
            source, params = fts.count_source(self.dialect, match)
        else:
            source, params = fts.match_source(self.dialect, match)
            source += f" AND {self.filters.where}"
        params = {**self.filters.params, **params}
        cap = self.count_cap if cap is None else cap
        counted = fts.capped_count(self.dialect, source, probe_pages=PROBE_PAGES if cap <= PG_COUNT_CAP else 0)
        return self.session.execute(sql(counted), {**params, "cap": cap + 1}).scalar_one()

    @property
    def count_cap(self) -> int:
        """Counts of matches stop here: COUNT_CAP ("2,000+"); on PostgreSQL, where every service counted is a
        row visit, PG_COUNT_CAP (and its need-type counts come from a sample: _sampled_need_counts)."""
        return types.COUNT_CAP if self.counts_by_index else PG_COUNT_CAP

    @property
    def counts_by_index(self) -> bool:
        """Whether counting matches is much cheaper than reading them (see fts.counts_by_index): if not, a
        search reads instead of counting first where it would read the rows anyway."""
        return fts.counts_by_index(self.dialect)

    @property
    def has_sql_filters(self) -> bool:
        return self.filters.where != "1=1"

    def fetch(self, match: fts.Match, limit: int) -> list[Candidate]:
        """Up to `limit` matching rows (in row order: most recently checked first), ranked (ketdir.search.rank)."""
        source, params = fts.match_source(self.dialect, match)
        columns = list(rank.COLUMN_WEIGHTS)
        rows = self.rows(
            f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, {', '.join('d.' + c for c in columns)} "
            f"{source} AND {self.filters.where} LIMIT :limit",
            {**self.filters.params, **params, "limit": limit},
        )
        scorer = rank.Scorer(match.groups)
        return [Candidate(row[0], row[1], row[2], row[3], -scorer(dict(zip(columns, row[4:])))) for row in rows]

    # ------------------------------------------------------------------ searches

    def ranked(self, groups: list[Group], mode: str, national: bool, limit: int) -> Found:
        """Best text matches anywhere (no place), most relevant first."""
        match = fts.Match(groups, mode, self.required(national), side=self.side(national))
        if national:  # a short group beside the results: its best lines, no count needed
            found, _ = self._best(match, groups, limit, candidates=NATIONAL_CANDIDATES * limit)
            return Found(found, len(found), exact=len(found) < NATIONAL_CANDIDATES * limit)
        if not self.filters.with_total and not self.counts_by_index:
            # PostgreSQL while typing: a count visits every row it counts, after the index listed every match
            # (10-15 ms for a common two-letter prefix), so read the best candidates only; when even the weaker
            # matches are fewer than CANDIDATES, those read are all of them.
            found, complete = self._best(match, groups, limit)
            return Found(found, len(found), exact=complete, minimum=not complete)
        if not self.counts_by_index:
            return self._ranked_from_sample(match, groups, limit)
        unfiltered = self.count(match, filtered=False)
        over = unfiltered > self.count_cap
        if not over and not self.has_sql_filters:
            total = unfiltered
        elif not over and unfiltered <= CANDIDATES * 4:
            total = self.count(match)
        else:  # many: the SQL filters' share among the rows read stands for their share of all
            total = None
        if total is not None and total <= CANDIDATES:  # few: rank them all
            found = sorted(self.fetch(match, CANDIDATES), key=lambda c: (c.rank, c.rowid))
        else:
            found, _ = self._best(match, groups, limit)
        if total is None:
            share = self._filter_share(match)
            return Found(found, max(len(found), int(min(unfiltered, self.count_cap) * share)), exact=False,
                         minimum=over)
        return Found(found, total, exact=True)

    def _ranked_from_sample(self, match: fts.Match, groups: list[Group], limit: int) -> Found:
        """PostgreSQL: the total from one read of up to SAMPLE + 1 matches instead of a count (a count visits the
        same rows, and the need-type counts make this very read: see _sampled_need_counts). Up to SAMPLE: exact.
        More: "at least" PG_COUNT_CAP, times the share of the sample that passes the SQL filters."""
        sample = self.positions(match, SAMPLE + 1)
        passing = sum(1 for c in sample if c.passes)
        if len(sample) <= SAMPLE:
            if passing <= CANDIDATES:  # few: rank them all
                return Found(sorted(self.fetch(match, CANDIDATES), key=lambda c: (c.rank, c.rowid)), passing)
            return Found(self._best(match, groups, limit)[0], passing)
        found, _ = self._best(match, groups, limit)
        return Found(found, max(len(found), PG_COUNT_CAP * passing // len(sample)), exact=False, minimum=True)

    def _best(self, match: fts.Match, groups: list[Group], limit: int,
              candidates: int = CANDIDATES) -> tuple[list[Candidate], bool]:
        """The best of many matches: those with the typed words in a strong column (name, organisation, need
        type) first, filled up with the others when there are fewer than `limit`; most relevant first.
        Returns (candidates, complete): complete when these are all the matches."""
        strong = replace(match, columns=fts.STRONG_COLUMNS) if groups else match
        found = self.fetch(strong, candidates)
        complete = strong is match and len(found) < candidates
        if len(found) < limit and strong is not match:
            everything = self.fetch(match, candidates)
            complete = len(everything) < candidates
            seen = {c.rowid for c in found}
            found += [c for c in everything if c.rowid not in seen]
        found.sort(key=lambda c: (c.rank, c.rowid))
        return found, complete

    def _filter_share(self, match: fts.Match, sample: int = 1000) -> float:
        """The share of matching services that pass the SQL filters, from a sample of them."""
        if not self.has_sql_filters:
            return 1.0
        source, params = fts.match_source(self.dialect, match)
        passed, read = self.session.execute(
            sql(
                f"SELECT count(*) FILTER (WHERE s.passes), count(*) "
                f"FROM (SELECT ({self.filters.where}) AS passes {source} LIMIT :sample) AS s"
            ),
            {**self.filters.params, **params, "sample": sample},
        ).one()
        return passed / read if read else 0.0

    def browse(self, national: bool, limit: int) -> Found:
        """No words and no place: services in name order."""
        match = fts.Match([], "all", self.required(national), side=self.side(national))
        total = 0 if national else self.count(match)  # national lines: a short group, no count needed
        minimum = total > self.count_cap
        known = need_types()
        conditions = [fts.side_condition(self.side(national)), self.filters.where]
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

    def positions(self, match: fts.Match, limit: int, *, passing_only: bool = False) -> list[Candidate]:
        """Matching rows with their coordinates, unranked (with a place, distance orders them), and whether
        each meets the SQL filters: the rows that do not still tell what share of all rows do (passing_only:
        leave those out)."""
        source, params = fts.match_source(self.dialect, match)
        if passing_only and self.has_sql_filters:
            source += f" AND {self.filters.where}"
        rows = self.rows(
            f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, 0, NULL, ({self.filters.where}) "
            f"{source} LIMIT :limit",
            {**self.filters.params, **params, "limit": limit},
        )
        return [Candidate(*row) for row in rows]

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
        read: dict[object, list[Candidate]] = {}  # rows of the areas already read (by fts.area_key)
        for step in range(MAX_STEPS):
            match = self._near_match(groups, mode, place, r)
            cells = fts.area_key(self.dialect, match.area)
            if cells not in read:
                if self.counts_by_index:
                    n = self.count(match, filtered=False, cap=MAX_READ)  # far faster than reading the rows
                    rows = None
                else:  # counting visits the rows anyway: read them at once, and count what was read
                    rows = self.positions(match, cap + 1, passing_only=True)
                    n = len(rows)
                if n > cap and step < MAX_STEPS - 1:
                    smaller = r * max(0.25, min(NARROW, 0.9 * math.sqrt(cap / n)))
                    if fts.area_key(self.dialect, self._near_match(groups, mode, place, smaller).area) != cells:
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
        # More than SAMPLE: on PostgreSQL that is more than its cap already (a count would visit them again).
        n = self.count(match, filtered=False) if self.counts_by_index else self.count_cap + 1
        total = min(n, self.count_cap) * inside / len(sample)
        return Found(found, max(int(total), len(found)), exact=False, minimum=n > self.count_cap)

    def _near_match(self, groups: list[Group], mode: str, place: Place, radius: float) -> fts.Match:
        return fts.Match(groups, mode, self.required(False), side=fts.LOCAL_SIDE, area=area_around(place, radius))

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
        types whose count is a lower bound (PostgreSQL, when very many match: see _sampled_need_counts)."""
        area = None
        if place is not None:
            radius = radius if radius is not None else WHOLE_UK
            area = area_around(place, radius)
        base = fts.Match(groups, mode, self.required(False, with_needs=False), side=fts.LOCAL_SIDE, area=area)
        if not self.counts_by_index:
            return self._sampled_need_counts(base, place, radius)
        needs = need_types().all
        if place is not None:
            n = self.count(base, filtered=False, cap=COUNT_EXACTLY)
            if n <= COUNT_EXACTLY:  # few enough to count exactly within the circle
                inside = [c for c in self._within(self.positions(base, n), place, radius) if c.passes]
                return self._tally(inside, needs), frozenset()
        matches = [replace(base, required=[*base.required, tag_group(need.token)]) for need in needs]
        return {need.code: self.count(m, cap=types.COUNT_CAP) for need, m in zip(needs, matches)}, frozenset()

    @staticmethod
    def _tally(found: list[Candidate], needs) -> dict[str, int]:
        return {need.code: sum(1 for c in found if c.need_mask & (1 << need.bit)) for need in needs}

    def _sampled_need_counts(self, base: fts.Match, place: Place | None,
                             radius: float | None) -> tuple[dict[str, int], frozenset[str]]:
        """PostgreSQL, where a count visits every row it counts (eleven need types' counts of a common word
        took 50-110 ms): read the need types of up to NEED_SAMPLE matching services in one statement. Fewer
        than that: the counts are exact. More: a need type found in the sample counts "at least" that many
        (so the counts shown keep the proportions of the sample); the need types it did not find are read
        again, together, from the services that have any of them, so that a "0" is always exact (and so is a
        small count, unless those too are more than NEED_SAMPLE: then the same again, NEED_READS reads at most)."""
        needs = need_types().all

        def read(match: fts.Match) -> tuple[list[Candidate], bool]:
            # First the same read as the sample that estimates the total (shared through self.rows).
            rows = self.positions(match, NEED_SAMPLE + 1)
            more = len(rows) > NEED_SAMPLE
            rows = [c for c in rows[:NEED_SAMPLE] if c.passes]
            return (self._within(rows, place, radius) if place is not None else rows), more

        counts: dict[str, int] = {}
        at_least: set[str] = set()
        pending, match = needs, base
        for _ in range(NEED_READS):
            found, more = read(match)
            counts.update(self._tally(found, pending))
            if not more:  # all of them were read: exact
                return counts, frozenset(at_least)
            seen = [need for need in pending if counts[need.code]]
            at_least |= {need.code for need in seen}
            pending = [need for need in pending if not counts[need.code]]
            if not pending or not seen:
                break
            match = replace(base, required=[*base.required, tag_group(*(n.token for n in pending))])
        at_least |= {need.code for need in pending}  # still more than could be read: at least these
        return counts, frozenset(at_least)
