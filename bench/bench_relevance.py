"""Print how well search understands callers (bench/relevance.py) on a directory.

    python bench/bench_relevance.py [--db resources.db] [--phrases tests/fixtures/caller_phrases.csv] [--misses]

Targets (issue 14): an expected need type in the first five for at least 95 % of phrases, every emergency
phrase flagged, no ordinary phrase flagged. It prints the numbers; tests/test_relevance.py holds the targets.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance import PHRASES, evaluate, load_cases
from ketdir.paths import bundled_db
from ketdir.store.engine import open_directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Relevance of search for callers' own words.")
    parser.add_argument("--db", default=str(bundled_db()), help="a directory (default: the bundled resources.db)")
    parser.add_argument("--phrases", type=Path, default=PHRASES, help="the phrases (CSV: phrase,near,needs,emergency)")
    parser.add_argument("--misses", action="store_true", help="list every phrase that missed, with its first five")
    args = parser.parse_args(argv)
    cases = load_cases(args.phrases)
    directory = open_directory(args.db)
    try:
        with directory.session() as session:
            report = evaluate(session, cases)
    finally:
        directory.close()
    n_needs, n_em, n_ord = len(report.with_needs), len(report.emergencies), len(report.ordinary)
    print(f"{len(cases)} phrases ({n_em} emergencies, {n_ord} ordinary; {n_needs} with an expected need type) "
          f"on {args.db}")
    print(f"  need type in the first five (precision@5, target >= 95 %): {report.hit_rate:6.1%}"
          f"  ({n_needs - len(report.misses)}/{n_needs})")
    print(f"  share of the first five with an expected need type:       {report.precision:6.1%}")
    print(f"  emergency recall (target: all):                           {report.emergency_recall:6.1%}"
          f"  ({n_em - len(report.missed_emergencies)}/{n_em})")
    print(f"  false-alarm rate (target: none):                          {report.false_alarm_rate:6.1%}"
          f"  ({len(report.false_alarms)}/{n_ord})")
    if args.misses or report.misses or report.missed_emergencies or report.false_alarms:
        for o in report.misses:
            print(f"  miss: {o.case.phrase!r} near {o.case.near}: wanted {sorted(o.case.needs)}; first five "
                  + "; ".join(f"{name} {list(needs)}" for name, needs in o.shown))
        for o in report.missed_emergencies:
            print(f"  emergency not flagged: {o.case.phrase!r}")
        for o in report.false_alarms:
            print(f"  false alarm: {o.case.phrase!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
