"""Find the candidate services for a search, cheaply, at any directory size.

Filters that can be tags (need type, free, grid cells around a place) go into the full-text match, so the
index intersects them itself (ketdir.store.search_index); local services and national lines are two row
ranges. The others (age, language, open now) are SQL conditions on the matching rows. Relevance
(ketdir.search.rank) is computed in Python for a bounded number of rows: when more than CANDIDATES services
match, the strongest matches (typed words in the name, organisation or need type) are ranked first. With a
place, circles grow from a small one until they hold enough (the nearest are then exact). Counts stop at a cap.

common.py holds what both backends share; sqlite.py and postgres.py decide between counting and reading, each
for what its index does cheaply. retriever_for() picks one for a session.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ketdir.search.cache import RecentReads
from ketdir.search.retrieve.common import Candidate, Filters, Found, Retriever, area_around, tag_group
from ketdir.search.retrieve.postgres import PostgresRetriever
from ketdir.search.retrieve.sqlite import SqliteRetriever
from ketdir.store.search_index import PostgresSearchIndex, SqliteSearchIndex, search_index

_FOR_INDEX: dict[type, type[Retriever]] = {SqliteSearchIndex: SqliteRetriever, PostgresSearchIndex: PostgresRetriever}


def retriever_for(session: Session, filters: Filters, rings: dict | None = None,
              reads: RecentReads | None = None) -> Retriever:
    """The retrieval of this session's backend (rings and reads: kept by the caller between searches)."""
    index = search_index(session.get_bind())
    return _FOR_INDEX[type(index)](session, index, filters, rings, reads)


__all__ = ["Candidate", "Filters", "Found", "Retriever", "area_around", "retriever_for", "tag_group"]
