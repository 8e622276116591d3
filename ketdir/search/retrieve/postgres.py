"""Retrieval on PostgreSQL, whose GIN index cannot count without visiting every row it counts: read instead of
counting. While typing, read the best candidates only and say "at least"; when typing pauses, one read of up to
SAMPLE matches gives the total and the need-type counts; reads are remembered for the search repeated then.
Why, with measurements: docs/team-mode.md, "Search on PostgreSQL"."""
from __future__ import annotations

from dataclasses import replace

from ketdir.geo import Place
from ketdir.needs import need_types
from ketdir.search.retrieve import common
from ketdir.search.retrieve.common import Candidate, Found, Retriever, sql, tag_group
from ketdir.search.text_query import Group
from ketdir.store.search_index import Match

COUNT_CAP = common.SAMPLE  # totals of matches stop here ("400+"): every service counted is a row visit
NEED_SAMPLE = common.SAMPLE  # matching services read at most for the need-type counts (each a row visit)
NEED_READS = 3  # reads at most for the need-type counts
PROBE_PAGES = 300  # pages of the table a count looks at first (about 1,000 services; see counting)


class PostgresRetriever(Retriever):
    @property
    def count_cap(self) -> int:
        return COUNT_CAP

    def rows(self, statement: str, params: dict) -> list[tuple]:
        """Remembered for the next few searches of the same index generation (the caller's cache.reads): the
        search the window repeats when typing pauses, for the counts, reads the same rows again."""
        # The parameters hold everything that decides the rows ("open now" is a bit string).
        key = (statement, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
        found = self.reads.get(key)
        if found is None:
            found = [tuple(row) for row in self.session.execute(sql(statement), params)]
            self.reads.put(key, found)
        return found

    def counting(self, source: str, cap: int) -> str:
        # Small caps (the totals) look at the first pages first: a common word reaches the cap there.
        return self.index.capped_count(source, probe_pages=PROBE_PAGES if cap <= COUNT_CAP else 0)

    def ranked_local(self, match: Match, groups: list[Group], limit: int) -> Found:
        if not self.filters.with_total:
            # While typing: a count would visit every row after the index listed every match, so read the best
            # candidates only; when even the weaker matches are fewer than CANDIDATES, those are all of them.
            found, complete = self._best(match, groups, limit)
            return Found(found, len(found), exact=complete, minimum=not complete)
        return self._ranked_from_sample(match, groups, limit)

    def _ranked_from_sample(self, match: Match, groups: list[Group], limit: int) -> Found:
        """The total from one read of up to SAMPLE + 1 matches instead of a count (a count visits the same rows,
        and the need-type counts make this very read: see counts_per_need). Up to SAMPLE: exact. More: "at
        least" COUNT_CAP, times the share of the sample that passes the SQL filters."""
        sample = self.positions(match, common.SAMPLE + 1)
        passing = sum(1 for c in sample if c.passes)
        if len(sample) <= common.SAMPLE:
            if passing <= common.CANDIDATES:  # few: rank them all
                return Found(sorted(self.fetch(match, common.CANDIDATES), key=lambda c: (c.rank, c.rowid)), passing)
            return Found(self._best(match, groups, limit)[0], passing)
        found, _ = self._best(match, groups, limit)
        return Found(found, max(len(found), COUNT_CAP * passing // len(sample)), exact=False, minimum=True)

    def sized_up(self, match: Match, cap: int) -> tuple[int, list[Candidate] | None]:
        rows = self.positions(match, cap + 1, passing_only=True)  # counting would visit them anyway: read them
        return len(rows), rows

    def beyond_sample(self, match: Match) -> int:
        return self.count_cap + 1  # more than SAMPLE is more than the cap already (a count would visit them again)

    def counts_per_need(self, base: Match, place: Place | None,
                        radius: float | None) -> tuple[dict[str, int], frozenset[str]]:
        """Read the need types of up to NEED_SAMPLE matching services in one statement instead of counting each
        need type. Fewer than that: the counts are exact. More: a need type found in the sample counts "at
        least" that many (so the counts shown keep the proportions of the sample); the need types it did not
        find are read again, together, from the services that have any of them, so that a "0" is always exact
        (and so is a small count, unless those too are more than NEED_SAMPLE: then the same again, NEED_READS
        reads at most)."""
        needs = need_types().all

        def read(match: Match) -> tuple[list[Candidate], bool]:
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
