"""What a search asks of the full-text index, the same on every backend: word groups, filter tags, a side
(local services or national lines) and an area around a place."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


class Alternatives(Protocol):
    """One thing asked for (see ketdir.search.text_query.Group): any alternative matches."""

    phrases: list[tuple[str, ...]]  # words or phrases matched whole
    prefixes: list[str]  # words matched as prefixes


@dataclass(frozen=True)
class Words:
    """Alternatives made here (the grid cells of an area)."""

    phrases: list[tuple[str, ...]]
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    """Around a place: a bounding box and the grid cells (ketdir.store.tags) covering it. Each backend uses
    the one its index reads cheaply (SearchIndex.area_key)."""

    cells: tuple[str, ...]
    box: tuple[float, float, float, float]  # min_lat, max_lat, min_lon, max_lon


LOCAL_SIDE, NATIONAL_SIDE = "local", "national"


@dataclass(frozen=True)
class Match:
    """A full-text match: the groups, and whether a service must match all of them or any."""

    groups: Sequence[Alternatives]
    mode: str = "all"  # "all" | "any"
    required: Sequence[Alternatives] = ()  # filter tags: always all of these, whatever the mode
    columns: tuple[str, ...] | None = None  # look for the typed words in these columns only
    side: str | None = None  # LOCAL_SIDE or NATIONAL_SIDE: only those services (None: both)
    area: Area | None = None  # only services in this area


# Search rows of national lines are numbered from here, local services below it (ketdir.store.index keeps to
# this), so a side is a rowid range the index seeks to, not one more word to intersect (the "local" tag's list
# holds nearly every service).
NATIONAL_ROWID = 1_000_000_000


def side_condition(side: str | None, rowid: str = "d.rowid") -> str:
    """SQL: the rows of one side (LOCAL_SIDE / NATIONAL_SIDE); "1=1" for both."""
    if side == LOCAL_SIDE:
        return f"{rowid} < {NATIONAL_ROWID}"
    if side == NATIONAL_SIDE:
        return f"{rowid} >= {NATIONAL_ROWID}"
    return "1=1"


# The indexed columns (relevance is ketdir.search.rank's, on the fetched text; the tags only filter).
COLUMNS = ("name", "alternate_name", "organization", "needs_text", "description", "tags")
STRONG_COLUMNS = ("name", "alternate_name", "organization", "needs_text")
