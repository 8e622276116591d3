"""The results list as a DB-free item model, fed whole by `set_results()` (the Vorta pattern).

Rows are group headers ("Near SE1 7TP", "National and phone lines") and hits. Views and tests read
what a person sees through the roles below; the delegate paints from the same roles.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from ketdir.store.checked import STALE, UNCHECKED, status_of

if TYPE_CHECKING:  # ketdir.search pulls in the engine; the model only needs the shapes
    from ketdir.search.types import Hit, Results

HEADER = "header"
HIT = "hit"


class Role(IntEnum):
    Kind = Qt.ItemDataRole.UserRole + 1  # HEADER or HIT
    Hit = Qt.ItemDataRole.UserRole + 2  # the Hit dataclass
    ServiceId = Qt.ItemDataRole.UserRole + 3
    Name = Qt.ItemDataRole.UserRole + 4
    Organisation = Qt.ItemDataRole.UserRole + 5
    Distance = Qt.ItemDataRole.UserRole + 6  # "2.1 miles" or ""
    OpenText = Qt.ItemDataRole.UserRole + 7  # "Open · closes 17:00"
    OpenState = Qt.ItemDataRole.UserRole + 8  # "open", "closed" or "unknown"
    NeedLabels = Qt.ItemDataRole.UserRole + 9  # list[str]
    Badges = Qt.ItemDataRole.UserRole + 10  # list[Badge]
    HeaderText = Qt.ItemDataRole.UserRole + 11
    Why = Qt.ItemDataRole.UserRole + 12  # list[str]
    SortKey = Qt.ItemDataRole.UserRole + 13  # (group, position)
    Matched = Qt.ItemDataRole.UserRole + 14  # list[str]: the words it matches, when not every word matched


@dataclass(frozen=True)
class Badge:
    kind: str  # verified, stale, unverified, demo
    text: str


@dataclass(frozen=True)
class _Row:
    kind: str
    text: str = ""
    hit: Hit | None = None
    group: int = 0
    position: int = 0


def short_date(day: dt.date) -> str:
    """"3 Nov 2026"."""
    return f"{day.day} {day:%b %Y}"


def distance_text(miles: float | None) -> str:
    if miles is None:
        return ""
    if miles < 0.1:
        return "under 0.1 miles"
    value = f"{miles:.1f}" if miles < 10 else f"{miles:.0f}"
    return "1 mile" if value in ("1", "1.0") else f"{value} miles"


def badges_for(hit: Hit) -> list[Badge]:
    badges: list[Badge] = []
    if hit.is_demo:
        badges.append(Badge("demo", "Demo — not a real service"))
    status = status_of(hit)  # a demo record is never shown as checked (ketdir/store/checked.py)
    if status.kind == UNCHECKED:
        badges.append(Badge("stale", "Not yet checked by a person"))
    elif status.kind == STALE:
        badges.append(Badge("stale", f"Stale — last checked {short_date(status.checked_on)}"))
    elif status.is_verified:
        badges.append(Badge("verified", f"Verified {short_date(status.checked_on)}"))
    if hit.has_unverified_phone:
        badges.append(Badge("unverified", "Unverified number"))
    return badges


def open_state_key(hit: Hit) -> str:
    if not hit.open_state.known:
        return "unknown"
    return "open" if hit.open_state.is_open else "closed"


def open_text(hit: Hit) -> str:
    return hit.open_state.text if hit.open_state.known else (hit.open_state.text or "Hours not known")


def header_texts(results: Results) -> tuple[str, str]:
    """(local header, national header) for these results."""
    place = results.place.label.split(" (")[0] if results.place is not None else ""
    shown = len(results.local)
    total = max(results.total_local, shown)
    noun = "service" if total == 1 else "services"
    amount = results.amount(total)
    local = f"{amount} {noun} near {place}" if place else f"{amount} {noun}"
    if total > shown:
        local += f" · showing the {'nearest' if place else 'best'} {shown}"
    count = len(results.national)
    national = f"National and phone lines ({count})"
    return local, national


class ResultsModel(QAbstractListModel):
    """Headers and hits of one Results; replaced whole on each search (one model reset)."""

    def __init__(self, need_label: Callable[[str], str] | None = None, parent=None) -> None:
        super().__init__(parent)
        if need_label is None:
            from ketdir.needs import need_types

            need_label = need_types().label
        self._need_label = need_label
        self._rows: list[_Row] = []
        self._results: Results | None = None

    # ------------------------------------------------------------------ feeding

    def set_results(self, results: Results | None) -> None:
        self.beginResetModel()
        self._results = results
        self._rows = self._build(results) if results is not None else []
        self.endResetModel()

    def set_totals(self, results: Results) -> bool:
        """The same hits again with their totals counted (asked for when typing pauses): new header texts, no
        reset (the selection and scroll position stay). False when the hits differ (then nothing changes)."""
        current = self._results
        if current is None or [h.service_id for h in current.hits] != [h.service_id for h in results.hits]:
            return False
        self._results = results
        local_header, national_header = header_texts(results)
        for i, row in enumerate(self._rows):
            if row.kind == HEADER:
                self._rows[i] = replace(row, text=local_header if row.group == 0 else national_header)
                self.dataChanged.emit(self.index(i), self.index(i))
        return True

    def results(self) -> Results | None:
        return self._results

    def _build(self, results: Results) -> list[_Row]:
        rows: list[_Row] = []
        local_header, national_header = header_texts(results)
        if results.local:
            rows.append(_Row(HEADER, text=local_header, group=0))
            rows += [_Row(HIT, hit=h, group=0, position=i) for i, h in enumerate(results.local)]
        if results.national:
            rows.append(_Row(HEADER, text=national_header, group=1))
            rows += [_Row(HIT, hit=h, group=1, position=i) for i, h in enumerate(results.national)]
        return rows

    # ------------------------------------------------------------------ queries

    def hit_count(self) -> int:
        return sum(1 for r in self._rows if r.kind == HIT)

    def is_hit(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row].kind == HIT

    def row_of(self, service_id: str | None) -> int:
        if service_id is None:
            return -1
        for i, r in enumerate(self._rows):
            if r.hit is not None and r.hit.service_id == service_id:
                return i
        return -1

    def first_hit_row(self) -> int:
        return next((i for i, r in enumerate(self._rows) if r.kind == HIT), -1)

    def next_hit_row(self, row: int, step: int) -> int:
        """The nearest hit row from `row` moving by `step` (skipping headers); `row` itself if none."""
        i = row + step
        while 0 <= i < len(self._rows):
            if self._rows[i].kind == HIT:
                return i
            i += 1 if step > 0 else -1
        return row

    # ------------------------------------------------------------------ model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].kind == HEADER:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Role.Kind:
            return row.kind
        if role == Role.SortKey:
            return (row.group, -1 if row.kind == HEADER else row.position)
        if row.kind == HEADER:
            if role in (Qt.ItemDataRole.DisplayRole, Role.HeaderText, Qt.ItemDataRole.AccessibleTextRole):
                return row.text
            return None
        hit = row.hit
        assert hit is not None
        if role in (Qt.ItemDataRole.DisplayRole, Role.Name):
            return hit.name
        if role == Role.Hit:
            return hit
        if role == Role.ServiceId:
            return hit.service_id
        if role == Role.Organisation:
            return hit.organization
        if role == Role.Distance:
            return distance_text(hit.distance_miles)
        if role == Role.OpenText:
            return open_text(hit)
        if role == Role.OpenState:
            return open_state_key(hit)
        if role == Role.NeedLabels:
            return [self._need_label(code) for code in hit.needs]
        if role == Role.Badges:
            return badges_for(hit)
        if role == Role.Why:
            return list(hit.why)
        if role == Role.Matched:
            return list(hit.matched)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Matched: " + "; ".join(hit.why) if hit.why else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.describe(hit)
        return None

    def describe(self, hit: Hit) -> str:
        """The row as one sentence, for screen readers."""
        parts = [hit.name]
        if hit.organization:
            parts.append(hit.organization)
        if hit.distance_miles is not None:
            parts.append(distance_text(hit.distance_miles) + " away")
        elif hit.is_national:
            parts.append("national line")
        parts.append(open_text(hit))
        parts += [b.text for b in badges_for(hit)]
        needs = [self._need_label(c) for c in hit.needs]
        if needs:
            parts.append("Helps with " + ", ".join(needs))
        if hit.matched:
            parts.append("Matches " + ", ".join(hit.matched))
        return ". ".join(parts)
