"""Find the candidate services for a search, cheaply, at any directory size.

Filters that can be tags (need type, local/national, free, grid cells around a place) go into the
full-text match, so the index intersects them itself. The others (age, language, open now) are SQL
conditions on the matching rows. Relevance (bm25 / ts_rank) is only computed for a bounded number of
rows: when more than CANDIDATES services match, the strongest matches (typed words in the name,
organisation or need type) are ranked first, and counts beyond that are reported as estimates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir.geo import Place, bounding_box, distance_miles
from ketdir.needs import need_types
from ketdir.search.text_query import Group
from ketdir.store import fts, tags

CANDIDATES = 100  # rows ranked (bm25 / ts_rank) per query: twice a page of results
POSITIONS = 1500  # rows read, unranked, to find the nearest when a place is given
MAX_STEPS = 6  # smaller circles tried when very many services are near a place
WHOLE_UK = 600.0  # miles: a radius this wide needs no grid cells


@dataclass
class Candidate:
    rowid: int
    need_mask: int
    latitude: float | None
    longitude: float | None
    rank: float
    distance: float | None = None


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)  # best first
    total: int = 0
    exact: bool = True  # False: total is an estimate


@dataclass(frozen=True)
class Filters:
    where: str = "1=1"  # SQL conditions on ketdir_search_doc d that tags cannot express
    params: dict = field(default_factory=dict)
    needs: frozenset[str] = frozenset()
    free: bool = False


def tag_group(*words: str) -> Group:
    return Group(typed="", phrases=[(w,) for w in words])


def sql(statement: str):
    return text(statement)


class Retriever:
    def __init__(self, session: Session, filters: Filters) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.filters = filters

    # ------------------------------------------------------------------ building blocks

    def required(self, national: bool, *, with_needs: bool = True, cells: list[str] | None = None) -> list[Group]:
        groups = [tag_group(tags.NATIONAL if national else tags.LOCAL)]
        if with_needs and self.filters.needs:
            known = need_types()
            groups.append(tag_group(*(known.get(c).token for c in sorted(self.filters.needs) if known.get(c))))
        if self.filters.free:
            groups.append(tag_group(tags.FREE))
        if cells:
            groups.append(tag_group(*cells))
        return groups

    def count(self, match: fts.Match, *, filtered: bool = True) -> int:
        """Matching services. filtered=False leaves out the SQL filters (age, language, open now): the index
        alone answers, which is much cheaper."""
        if self.filters.where == "1=1" or not filtered:
            source, params = fts.count_source(self.dialect, match)
        else:
            source, _, params = fts.match_source(self.dialect, match)
            source += f" AND {self.filters.where}"
        return self.session.execute(sql(f"SELECT count(*) {source}"), {**self.filters.params, **params}).scalar_one()

    @property
    def has_sql_filters(self) -> bool:
        return self.filters.where != "1=1"

    def fetch(self, match: fts.Match, limit: int) -> list[Candidate]:
        source, rank, params = fts.match_source(self.dialect, match)
        rows = self.session.execute(
            sql(
                f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, {rank} AS rank {source} "
                f"AND {self.filters.where} LIMIT :limit"
            ),
            {**self.filters.params, **params, "limit": limit},
        ).all()
        return [Candidate(*row) for row in rows]

    # ------------------------------------------------------------------ searches

    def ranked(self, groups: list[Group], mode: str, national: bool, limit: int) -> Found:
        """Best text matches anywhere (no place), most relevant first."""
        match = fts.Match(groups, mode, self.required(national))
        unfiltered = self.count(match, filtered=False)
        if unfiltered <= CANDIDATES * 4:
            total = self.count(match) if self.has_sql_filters else unfiltered
        else:  # many: the SQL filters' share among the rows read stands for their share of all
            total = None
        if total is not None and total <= CANDIDATES:
            found = self.fetch(match, CANDIDATES)
        else:
            strong = fts.Match(groups, mode, match.required, columns=fts.STRONG_COLUMNS) if groups else match
            found = self.fetch(strong, CANDIDATES)
            if len(found) < limit:  # few strong matches: fill up with the others
                seen = {c.rowid for c in found}
                found += [c for c in self.fetch(match, CANDIDATES) if c.rowid not in seen]
        found.sort(key=lambda c: (c.rank, c.rowid))
        if total is None:
            return Found(found, max(len(found), int(unfiltered * self._filter_share(match))), exact=False)
        return Found(found, total, exact=True)

    def _filter_share(self, match: fts.Match, sample: int = 1000) -> float:
        """The share of matching services that pass the SQL filters, from a sample of them."""
        if not self.has_sql_filters:
            return 1.0
        source, _, params = fts.match_source(self.dialect, match)
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
        match = fts.Match([], "all", self.required(national))
        total = self.count(match)
        known = need_types()
        conditions = ["d.is_national = " + ("TRUE" if national else "FALSE"), self.filters.where]
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
        return Found([Candidate(*row) for row in rows], total, exact=True)

    def positions(self, match: fts.Match, limit: int) -> list[Candidate]:
        """Matching rows with their coordinates, unranked (with a place, distance orders them)."""
        source, _, params = fts.match_source(self.dialect, match)
        rows = self.session.execute(
            sql(f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, 0 {source} AND {self.filters.where} LIMIT :limit"),
            {**self.filters.params, **params, "limit": limit},
        ).all()
        return [Candidate(*row) for row in rows]

    def near(self, groups: list[Group], mode: str, place: Place, radius: float | None, limit: int) -> Found:
        """Local matches within the radius of a place, nearest first.

        When very many match, look in a smaller circle holding about POSITIONS of them (widening it if it
        holds fewer than `limit`): everything inside it is nearer than anything outside.
        """
        radius = radius if radius is not None else WHOLE_UK
        total = self.count(self._near_match(groups, mode, place, radius), filtered=False)
        small, n = radius, total
        for _ in range(MAX_STEPS):
            if n <= POSITIONS:
                break
            small *= math.sqrt(POSITIONS / n) * 0.9
            n = self.count(self._near_match(groups, mode, place, small), filtered=False)
        found = self._within(self.positions(self._near_match(groups, mode, place, small), POSITIONS), place, small)
        if len(found) < limit and small < radius:
            # Too few in the small circle: one wider look, sized to hold enough if services are spread evenly.
            small = min(radius, small * math.sqrt(2 * limit / max(len(found), 1)))
            n = self.count(self._near_match(groups, mode, place, small), filtered=False)
            found = self._within(self.positions(self._near_match(groups, mode, place, small), 2 * POSITIONS),
                                 place, small)
        found.sort(key=lambda c: (c.distance, c.rowid))
        if small >= radius and total <= POSITIONS:
            return Found(found, len(found), exact=True)
        # Estimate: matches in the cells around the circle, times the share of the rows read that were inside
        # the smaller circle and passed the SQL filters, scaled from the small circle's area to the full one.
        share = len(found) / n if n else 0.0
        estimate = self._estimate(total, place, radius) * share / max(self._circle_share(place, small), 1e-9)
        return Found(found, max(int(estimate), len(found)), exact=False)

    def _near_match(self, groups: list[Group], mode: str, place: Place, radius: float) -> fts.Match:
        if radius >= WHOLE_UK:
            return fts.Match(groups, mode, self.required(False))
        cells = tags.cells_covering(*bounding_box(place.latitude, place.longitude, radius))
        return fts.Match(groups, mode, self.required(False, cells=cells))

    def _within(self, found: list[Candidate], place: Place, radius: float) -> list[Candidate]:
        kept = []
        for cand in found:
            if cand.latitude is None or cand.longitude is None:
                continue
            cand.distance = distance_miles(place.latitude, place.longitude, cand.latitude, cand.longitude)
            if cand.distance <= radius:
                kept.append(cand)
        return kept

    @staticmethod
    def _circle_share(place: Place, radius: float) -> float:
        """The circle's share of the area of the grid cells covering it."""
        cells = tags.cells_covering(*bounding_box(place.latitude, place.longitude, radius))
        square = len(cells) * _cell_area(place.latitude, cells[0])
        return min(1.0, math.pi * radius * radius / square) if square else 1.0

    @staticmethod
    def _estimate(total: int, place: Place, radius: float) -> int:
        """Matches in the cells around the circle, scaled by the circle's share of the cells' area."""
        cells = tags.cells_covering(*bounding_box(place.latitude, place.longitude, radius))
        square = len(cells) * _cell_area(place.latitude, cells[0])
        return int(total * min(1.0, math.pi * radius * radius / square)) if square else total

    def need_counts(self, groups: list[Group], mode: str, place: Place | None, radius: float | None) -> dict[str, int]:
        """How many local services each need type would give, with every other filter as it is."""
        counts = {}
        cells = None
        if place is not None:
            radius = radius if radius is not None else WHOLE_UK
            if radius < WHOLE_UK:
                cells = tags.cells_covering(*bounding_box(place.latitude, place.longitude, radius))
        base = self.required(False, with_needs=False, cells=cells)
        if place is not None:
            match = fts.Match(groups, mode, base)
            n = self.count(match)
            if n <= POSITIONS:  # few enough to count exactly within the circle
                inside = self._within(self.positions(match, n), place, radius)
                return {need.code: sum(1 for c in inside if c.need_mask & (1 << need.bit)) for need in need_types().all}
        for need in need_types().all:
            counts[need.code] = self.count(fts.Match(groups, mode, [*base, tag_group(need.token)]))
        return counts


def _cell_area(lat: float, cell: str) -> float:
    """Square miles of one grid cell of the kind named (fine or coarse) at this latitude."""
    grid = next(g for g in tags.GRIDS if cell.startswith(g[0]))
    return (grid[1] * 69.0) * (grid[2] * 69.0 * math.cos(math.radians(lat)))
