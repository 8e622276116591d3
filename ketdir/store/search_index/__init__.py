"""The full-text index over the search rows (ketdir_search_doc): one interface (base.SearchIndex), one
implementation per backend (sqlite.py, postgres.py). search_index() is the one place that tells the backends
apart; everything else asks the implementation it returns."""
from __future__ import annotations

from ketdir.store.search_index.base import SearchIndex
from ketdir.store.search_index.match import (
    COLUMNS,
    LOCAL_SIDE,
    NATIONAL_ROWID,
    NATIONAL_SIDE,
    STRONG_COLUMNS,
    Alternatives,
    Area,
    Match,
    side_condition,
)
from ketdir.store.search_index.postgres import PostgresSearchIndex
from ketdir.store.search_index.sqlite import SqliteSearchIndex

_BY_DIALECT: dict[str, SearchIndex] = {"sqlite": SqliteSearchIndex(), "postgresql": PostgresSearchIndex()}


def search_index(bind) -> SearchIndex:
    """The search index of a database: `bind` is an Engine or a Connection (Session.get_bind(), .connection())."""
    name = bind.dialect.name
    index = _BY_DIALECT.get(name)
    if index is None:
        raise ValueError(f"Full-text search on {name} is not supported by this version of ketdir.")
    return index


__all__ = ["SearchIndex", "SqliteSearchIndex", "PostgresSearchIndex", "search_index", "Match", "Area",
           "Alternatives", "LOCAL_SIDE", "NATIONAL_SIDE", "NATIONAL_ROWID", "side_condition", "COLUMNS",
           "STRONG_COLUMNS"]
