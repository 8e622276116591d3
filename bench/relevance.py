"""How well search understands callers: a set of phrases as a helpline worker types them, each with the need
types that would help and whether it is an emergency (tests/fixtures/caller_phrases.csv), measured on a
directory. Used by bench/bench_relevance.py (prints the numbers) and tests/test_relevance.py (holds the targets).

- top-5 hit rate ("precision@5" in issue 14): the share of phrases with an expected need type among the first
  five services a person sees (local services first, then national lines, as the window lists them);
- precision@5 (strict): the share of those first five that have an expected need type, averaged;
- emergency recall: the share of emergency phrases flagged as emergencies;
- false-alarm rate: the share of ordinary phrases flagged.
A phrase whose needs are "-" is checked for the emergency flag only.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

PHRASES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "caller_phrases.csv"
AT = dt.datetime(2026, 12, 1, 14, 30)  # a Tuesday afternoon: most services open
TOP = 5


@dataclass(frozen=True)
class Case:
    phrase: str
    near: str | None
    needs: frozenset[str]  # any of these in the first five counts; empty: emergency flag only
    emergency: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    shown: tuple[tuple[str, tuple[str, ...]], ...]  # (name, need types) of the first five
    flagged: bool

    @property
    def found(self) -> bool:
        return any(set(needs) & self.case.needs for _, needs in self.shown)

    @property
    def precision(self) -> float:
        return sum(1 for _, needs in self.shown if set(needs) & self.case.needs) / TOP


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def with_needs(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.needs]

    @property
    def hit_rate(self) -> float:
        return sum(o.found for o in self.with_needs) / len(self.with_needs)

    @property
    def precision(self) -> float:
        return sum(o.precision for o in self.with_needs) / len(self.with_needs)

    @property
    def emergencies(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.emergency]

    @property
    def ordinary(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.emergency]

    @property
    def emergency_recall(self) -> float:
        return sum(o.flagged for o in self.emergencies) / len(self.emergencies)

    @property
    def false_alarm_rate(self) -> float:
        return sum(o.flagged for o in self.ordinary) / len(self.ordinary)

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.with_needs if not o.found]

    @property
    def missed_emergencies(self) -> list[Outcome]:
        return [o for o in self.emergencies if not o.flagged]

    @property
    def false_alarms(self) -> list[Outcome]:
        return [o for o in self.ordinary if o.flagged]


def load_cases(path: Path = PHRASES) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [Case(row["phrase"], row["near"].strip() or None,
                 frozenset() if row["needs"].strip() == "-" else frozenset(row["needs"].split()),
                 row["emergency"].strip() == "yes") for row in rows]


def evaluate(session, cases: list[Case]) -> Report:
    from ketdir.search import Query, search

    report = Report()
    for case in cases:
        results = search(session, Query(text=case.phrase, near=case.near, at=AT))
        shown = tuple((h.name, h.needs) for h in results.hits[:TOP])
        # getattr: the same measure runs on versions of ketdir from before emergencies were recognised
        report.outcomes.append(Outcome(case, shown, getattr(results, "emergency", None) is not None))
    return report
