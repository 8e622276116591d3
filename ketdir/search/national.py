"""National lines for the place and the need: only the lines that cover the place's nation, most useful first.

Coverage is stored as HSDS service_area rows, one per nation covered (ketdir/store/coverage.py); a line with
no nation-named row covers the whole UK. A place's nation comes from the gazetteer (Place.nation). Without a
place, or with a place whose nation is not known, every line shows. A line left out says what to call there
instead when data/coverage_instead.csv knows (no NHS 111 in Northern Ireland: your GP or GP out of hours).

Order: in an emergency the 999 line first, then the urgent-care lines; otherwise (and after those) the lines
that serve more of the need types the words point to, then, when the need is urgent, those open now, then the
order search found them in.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir.paths import data_dir
from ketdir.search.types import Hit
from ketdir.store.search_index import NATIONAL_SIDE, side_condition
from ketdir.store.coverage import NATIONS

NATION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
EMERGENCY_NUMBERS = frozenset({"999", "112"})
URGENT_NEEDS = frozenset({"urgent-care"})


@dataclass(frozen=True)
class Line:
    """A national line's coverage, as the search index numbers it."""

    name: str
    nations: frozenset[str]  # empty: the whole UK
    number: str | None  # the first phone number, spaces removed

    def covers(self, nation: str | None) -> bool:
        return not self.nations or nation is None or nation in self.nations


def read_lines(session: Session) -> dict[int, Line]:
    """Every national line's coverage, by search row number (one read; kept per index generation)."""
    rows = session.execute(text(
        "SELECT d.rowid, d.name, a.name, "
        "(SELECT p.number FROM phone p WHERE p.service_id = d.service_id "
        " ORDER BY p.verified DESC, CASE WHEN p.type = 'voice' THEN 0 ELSE 1 END, p.id LIMIT 1) "
        "FROM ketdir_search_doc d LEFT JOIN service_area a ON a.service_id = d.service_id "
        f"WHERE {side_condition(NATIONAL_SIDE)}"
    )).all()
    names: dict[int, str] = {}
    nations: dict[int, set[str]] = {}
    numbers: dict[int, str | None] = {}
    for rowid, name, area, number in rows:
        names[rowid] = name
        numbers[rowid] = (number or "").replace(" ", "") or None
        area = (area or "").strip()
        nations.setdefault(rowid, set())
        if area in NATIONS:
            nations[rowid].add(area)
    return {r: Line(names[r], frozenset(nations[r]), numbers[r]) for r in names}


def nation_of(place) -> str | None:
    """The place's nation as service_area rows name it ("Northern Ireland"), or None when not known."""
    return NATION_NAMES.get(getattr(place, "nation", None) or "")


def left_out(lines: dict[int, Line], nation: str | None) -> set[int]:
    """Row numbers of the lines that do not cover this nation."""
    if nation is None:
        return set()
    return {rowid for rowid, line in lines.items() if not line.covers(nation)}


@lru_cache(maxsize=1)
def _instead() -> dict[tuple[str, str], str]:
    path = data_dir() / "coverage_instead.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {(row["number"].replace(" ", ""), row["nation"].strip()): row["instead"].strip()
                for row in csv.DictReader(fh)}


def notes_for(lines: Iterable[Line], nation: str) -> list[str]:
    """What to call instead of lines left out for this nation (those search would otherwise have shown), where
    data/coverage_instead.csv says; other lines are left out quietly (a London line is no news in Belfast)."""
    notes = []
    for line in lines:
        instead = _instead().get((line.number or "", nation))
        if instead:
            covered = ", ".join(n for n in NATIONS if n in line.nations)
            notes.append(f"{line.name} is not shown: it covers {covered}, not {nation}. {instead}")
    return list(dict.fromkeys(notes))


def is_emergency_line(hit: Hit) -> bool:
    return (hit.phone or "").replace(" ", "") in EMERGENCY_NUMBERS


def order(hits: Sequence[Hit], wanted: Iterable[str], emergency: bool) -> list[Hit]:
    """National lines, most useful first for these need types (wanted) and this urgency."""
    wanted = frozenset(wanted)
    urgent = emergency or bool(wanted & URGENT_NEEDS)

    def key(item: tuple[int, Hit]):
        position, hit = item
        needs = set(hit.needs)
        line_999 = is_emergency_line(hit)
        return (
            not (emergency and line_999),
            line_999 and not emergency,  # 999 is on every screen already; other lines say more
            not (urgent and needs & URGENT_NEEDS),
            -len(needs & wanted),
            not (urgent and hit.open_state.is_open),
            position,
        )

    return [hit for _, hit in sorted(enumerate(hits), key=key)]
