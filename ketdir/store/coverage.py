"""Which UK nations a national line covers, stored as HSDS service_area rows.

The contract (shared with the search-side nation filter): a line's coverage is one `service_area` row
per nation it covers, each row's `name` one of NATIONS. A row's `description` may say more for
people ("NHS 111 Wales", "London only"). A national line with no nation-named row covers the whole
UK; the bundled build gives such a line a single "United Kingdom" row, so that it still reads as a
national line. No Qt here.
"""
from __future__ import annotations

from typing import Any, Iterable

NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
WHOLE_UK_ROW = "United Kingdom"  # the row a whole-UK line gets; not a nation name
WHOLE_UK_LABEL = "Whole UK"
_WHOLE_UK_NAMES = frozenset({"united kingdom", "uk", "the uk", "whole uk", "the whole uk"})


class CoverageError(ValueError):
    """A record's `nations` list is malformed; the message names the problem."""


def area_rows(record: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(name, description) of the service_area rows for one data/directory record.

    `nations` lists the nations covered, each a name or {"name": ..., "description": ...}; no
    `nations` means the old single `service_area` text (a whole-UK line says "United Kingdom").
    """
    nations = record.get("nations")
    if nations is None:
        area = record.get("service_area")
        return [(str(area), None)] if area else []
    if not isinstance(nations, list) or not nations:
        raise CoverageError("'nations' must be a non-empty list (leave it out for a whole-UK line)")
    rows: list[tuple[str, str | None]] = []
    for item in nations:
        if isinstance(item, str):
            name, description = item, None
        elif isinstance(item, dict) and set(item) <= {"name", "description"}:
            name, description = item.get("name"), item.get("description") or None
        else:
            raise CoverageError(f"'nations' item {item!r} must be a nation name or {{name, description}}")
        if name not in NATIONS:
            raise CoverageError(f"'nations' has {name!r}: use one of {', '.join(NATIONS)}")
        if any(name == seen for seen, _ in rows):
            raise CoverageError(f"'nations' lists {name} twice")
        rows.append((name, description))
    if record.get("service_area"):
        raise CoverageError("give either 'nations' or 'service_area', not both")
    return sorted(rows, key=lambda row: NATIONS.index(row[0]))


def nations_of(names: Iterable[str | None]) -> tuple[str, ...]:
    """The nations named by these service_area row names, in NATIONS order; () means whole UK."""
    found = {n.strip() for n in names if n and n.strip() in NATIONS}
    return tuple(n for n in NATIONS if n in found)


def coverage_label(rows: Iterable[tuple[str | None, str | None]]) -> str:
    """What a person reads: "England, Wales (NHS 111 Wales)", "Whole UK", or the area's own name."""
    rows = [((name or "").strip(), (description or "").strip()) for name, description in rows]
    rows = [(name, description) for name, description in rows if name]
    nation_rows = sorted((r for r in rows if r[0] in NATIONS), key=lambda r: NATIONS.index(r[0]))
    if nation_rows:
        if len(nation_rows) == len(NATIONS) and not any(d for _, d in nation_rows):
            return WHOLE_UK_LABEL
        return ", ".join(f"{n} ({d})" if d else n for n, d in nation_rows)
    others = [n for n, _ in rows if n.casefold() not in _WHOLE_UK_NAMES]
    if others:
        return ", ".join(dict.fromkeys(others))
    return WHOLE_UK_LABEL
