"""Retrieval on SQLite, whose FTS5 index counts matches without reading their rows: count first, then read only
what is shown; need-type counts are exact counts (to types.COUNT_CAP)."""
from __future__ import annotations

from dataclasses import replace

from ketdir.geo import Place
from ketdir.needs import need_types
from ketdir.search import types
from ketdir.search.retrieve import common
from ketdir.search.retrieve.common import Candidate, Found, Retriever, sql, tag_group
from ketdir.search.text_query import Group
from ketdir.store.search_index import Match

COUNT_EXACTLY = 1500  # need-type counts near a place are exact up to this many matches in the cells


class SqliteRetriever(Retriever):
    @property
    def count_cap(self) -> int:
        return types.COUNT_CAP

    def ranked_local(self, match: Match, groups: list[Group], limit: int) -> Found:
        unfiltered = self.count(match, filtered=False)
        over = unfiltered > self.count_cap
        if not over and not self.has_sql_filters:
            total = unfiltered
        elif not over and unfiltered <= common.CANDIDATES * 4:
            total = self.count(match)
        else:  # many: the SQL filters' share among the rows read stands for their share of all
            total = None
        if total is not None and total <= common.CANDIDATES:  # few: rank them all
            found = sorted(self.fetch(match, common.CANDIDATES), key=lambda c: (c.rank, c.rowid))
        else:
            found, _ = self._best(match, groups, limit)
        if total is None:
            share = self._filter_share(match)
            return Found(found, max(len(found), int(min(unfiltered, self.count_cap) * share)), exact=False,
                         minimum=over)
        return Found(found, total, exact=True)

    def _filter_share(self, match: Match, sample: int = 1000) -> float:
        """The share of matching services that pass the SQL filters, from a sample of them."""
        if not self.has_sql_filters:
            return 1.0
        source, params = self.index.match_source(match)
        passed, read = self.session.execute(
            sql(
                f"SELECT count(*) FILTER (WHERE s.passes), count(*) "
                f"FROM (SELECT ({self.filters.where}) AS passes {source} LIMIT :sample) AS s"
            ),
            {**self.filters.params, **params, "sample": sample},
        ).one()
        return passed / read if read else 0.0

    def sized_up(self, match: Match, cap: int) -> tuple[int, list[Candidate] | None]:
        return self.count(match, filtered=False, cap=common.MAX_READ), None  # far faster than reading the rows

    def beyond_sample(self, match: Match) -> int:
        return self.count(match, filtered=False)

    def counts_per_need(self, base: Match, place: Place | None,
                        radius: float | None) -> tuple[dict[str, int], frozenset[str]]:
        needs = need_types().all
        if place is not None:
            n = self.count(base, filtered=False, cap=COUNT_EXACTLY)
            if n <= COUNT_EXACTLY:  # few enough to count exactly within the circle
                inside = [c for c in self._within(self.positions(base, n), place, radius) if c.passes]
                return self._tally(inside, needs), frozenset()
        matches = [replace(base, required=[*base.required, tag_group(need.token)]) for need in needs]
        return {need.code: self.count(m, cap=types.COUNT_CAP) for need, m in zip(needs, matches)}, frozenset()
