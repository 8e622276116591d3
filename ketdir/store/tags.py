"""Filter tags: words the full-text index holds for every service so that filters run inside the index.

A search for "chems near Brighton, free, sexual health" becomes one index lookup: the typed words AND the
tag of a need type AND "local" AND "free" AND any of the grid cells around Brighton. The index intersects
these lists itself, which is far cheaper than checking candidate rows one by one. Tags live in their own
column, which counts nothing towards relevance.
"""
from __future__ import annotations

import math

LOCAL = "xlocal"
NATIONAL = "xnational"
FREE = "xfree"

PREFIXES = ("xneed", LOCAL, NATIONAL, FREE, "xgs", "xgf", "xgc")  # every tag starts with one of these


def not_a_tag(column: str) -> str:
    """SQL condition: the word in `column` is not a tag (for word lists such as the spelling vocabulary)."""
    return " AND ".join(f"{column} NOT LIKE '{prefix}%'" for prefix in PREFIXES)


# Three grid sizes: small cells (~0.9 mile) for crowded city centres, fine (~3.5 miles) for everyday
# radii, coarse (~17 miles) for wide ones. A query uses the smallest size that needs few cells.
SMALL = ("xgs", 0.0125, 0.02)
FINE = ("xgf", 0.05, 0.08)
COARSE = ("xgc", 0.25, 0.40)
GRIDS = (SMALL, FINE, COARSE)
MAX_CELLS = 64


def _num(value: int) -> str:
    return f"m{-value}" if value < 0 else f"p{value}"


def _cell(grid: tuple[str, float, float], lat: float, lon: float) -> str:
    prefix, dlat, dlon = grid
    return f"{prefix}{_num(math.floor(lat / dlat))}x{_num(math.floor(lon / dlon))}"


def cells_of(lat: float, lon: float) -> list[str]:
    """The cell tags of a point (one per grid size)."""
    return [_cell(grid, lat, lon) for grid in GRIDS]


def cells_covering(min_lat: float, max_lat: float, min_lon: float, max_lon: float) -> list[str]:
    """Cell tags whose cells together cover a bounding box: the smallest grid that needs few cells."""
    for grid in GRIDS:
        prefix, dlat, dlon = grid
        rows = range(math.floor(min_lat / dlat), math.floor(max_lat / dlat) + 1)
        cols = range(math.floor(min_lon / dlon), math.floor(max_lon / dlon) + 1)
        if len(rows) * len(cols) <= MAX_CELLS or grid is GRIDS[-1]:
            return [f"{prefix}{_num(r)}x{_num(c)}" for r in rows for c in cols]
    return []


def tags_for(*, need_tokens: list[str], national: bool, free: bool, lat: float | None, lon: float | None) -> str:
    words = list(need_tokens)
    words.append(NATIONAL if national else LOCAL)
    if free:
        words.append(FREE)
    if lat is not None and lon is not None:
        words += cells_of(lat, lon)
    return " ".join(words)
