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

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ketdir.geo import Place, bounding_box, distance_miles
from ketdir.needs import need_types
from ketdir.search.text_query import Group
from ketdir.store import fts, tags

CANDIDATES = 400  # rows ranked exactly per query
EXPANDING = ("open_ids", "ids")  # list parameters: "IN :ids"


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
    names = [name for name in EXPANDING if f":{name}" in statement]
    return text(statement).bindparams(*(bindparam(name, expanding=True) for name in names))


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

    def count(self, match: fts.Match) -> int:
        if self.filters.where == "1=1":
            source, params = fts.count_source(self.dialect, match)
        else:
            source, _, params = fts.match_source(self.dialect, match)
            source += f" AND {self.filters.where}"
        return self.session.execute(sql(f"SELECT count(*) {source}"), {**self.filters.params, **params}).scalar_one()

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
        total = self.count(match)
        if total <= CANDIDATES:
            found = self.fetch(match, CANDIDATES)
        else:
            strong = fts.Match(groups, mode, match.required, columns=fts.STRONG_COLUMNS) if groups else match
            found = self.fetch(strong, CANDIDATES)
            if len(found) < limit:
                seen = {c.rowid for c in found}
                found += [c for c in self.fetch(match, CANDIDATES) if c.rowid not in seen]
        found.sort(key=lambda c: (c.rank, c.rowid))
        return Found(found, total, exact=True)

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

    def near(self, groups: list[Group], mode: str, place: Place, radius: float | None, limit: int) -> Found:
        """Local matches within the radius of a place, nearest first."""
        radius = radius if radius is not None else 600.0  # the whole UK
        match = self._near_match(groups, mode, place, radius)
        total = self.count(match)
        exact = True
        if total <= CANDIDATES:
            found = self._within(self.fetch(match, CANDIDATES), place, radius)
            total = len(found)
        else:
            found, total, exact = self._nearest_of_many(groups, mode, place, radius, total, limit)
        # Every candidate matches the words; with a place, people want the nearest first (relevance breaks ties).
        found.sort(key=lambda c: (c.distance, c.rank, c.rowid))
        return Found(found, total, exact)

    def _near_match(self, groups: list[Group], mode: str, place: Place, radius: float) -> fts.Match:
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

    def _nearest_of_many(self, groups, mode, place, radius, total, limit) -> tuple[list[Candidate], int, bool]:
        """Too many matches to rank: look in a smaller circle that should hold about CANDIDATES of them,
        widening it until it holds at least `limit`. Everything inside it is nearer than anything outside."""
        small = radius * math.sqrt(CANDIDATES / total) * 0.8
        found: list[Candidate] = []
        while small < radius:
            match = self._near_match(groups, mode, place, small)
            n = self.count(match)
            if n > CANDIDATES:
                small *= 0.6
                continue
            found = self._within(self.fetch(match, CANDIDATES), place, small)
            if len(found) >= limit:
                break
            small *= 1.8
        else:
            found = self._within(self.fetch(self._near_match(groups, mode, place, radius), CANDIDATES), place, radius)
        # The cells cover a square around the circle: scale the count by the circle's share of it.
        cells = tags.cells_covering(*bounding_box(place.latitude, place.longitude, radius))
        square = len(cells) * _cell_area(place.latitude, cells[0])
        estimate = int(total * min(1.0, math.pi * radius * radius / square)) if square else total
        return found, max(estimate, len(found)), False

    def need_counts(self, groups: list[Group], mode: str, place: Place | None, radius: float | None) -> dict[str, int]:
        """How many local services each need type would give, with every other filter as it is."""
        counts = {}
        cells = None
        if place is not None:
            radius = radius if radius is not None else 600.0
            cells = tags.cells_covering(*bounding_box(place.latitude, place.longitude, radius))
        base = self.required(False, with_needs=False, cells=cells)
        if place is not None:
            match = fts.Match(groups, mode, base)
            n = self.count(match)
            if n <= CANDIDATES * 4:  # few enough to count exactly within the circle
                inside = self._within(self.fetch(match, n), place, radius)
                return {need.code: sum(1 for c in inside if c.need_mask & (1 << need.bit)) for need in need_types().all}
        for need in need_types().all:
            counts[need.code] = self.count(fts.Match(groups, mode, [*base, tag_group(need.token)]))
        return counts


def _cell_area(lat: float, cell: str) -> float:
    """Square miles of one grid cell of the kind named (fine or coarse) at this latitude."""
    grid = tags.FINE if cell.startswith(tags.FINE[0]) else tags.COARSE
    return (grid[1] * 69.0) * (grid[2] * 69.0 * math.cos(math.radians(lat)))
