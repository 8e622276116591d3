"""Keystroke → results painted, in the real window, offscreen.

    python bench/bench_gui_latency.py bench/out/100k.db [--queries 12] [--gap-ms 120] [--json]

Opens the real MainWindow on the database, fixes the clock (Tue 1 Dec 2026 14:30), and types realistic
queries one key at a time with QTest (slang, typos and half-words from bench/common.py) under four
scenarios: text only; text with a place (10 miles, rotating through real UK places); text with a
need type ticked; text with a place and "open now". For each keystroke it measures the time from the
key press to the results list's viewport having painted the results of that keystroke (search on the
worker thread, model reset, delegate paint). Between keys it waits `--gap-ms` (a brisk typist), so the
detail pane's load for the selected result happens as it would for a person. Prints p50/p95/max per
scenario and overall. It asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_AT, PLACES, QUERIES, RADIUS_MILES, cpu_note, file_size_mb, percentile

SCENARIOS = ("text", "text+place", "text+need", "text+place+open")


class Timer:
    """Watches the window: when the newest results are in the model and the viewport has painted."""

    def __init__(self, window) -> None:
        self.window = window
        self.applied = False
        self.painted_at: float | None = None
        window.results_listed.connect(self._applied)
        window.results_view.painted.connect(self._painted)
        window.empty.painted.connect(self._painted)  # "no services match" is a result too

    def reset(self) -> None:
        self.applied = False
        self.painted_at = None

    def _applied(self) -> None:
        if self.window.listed:
            self.applied = True

    def _painted(self) -> None:
        if self.applied and self.painted_at is None:
            self.painted_at = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", help="database path or URL (e.g. bench/out/100k.db)")
    parser.add_argument("--queries", type=int, default=len(QUERIES), help="how many of the typed queries")
    parser.add_argument("--gap-ms", type=float, default=120.0, help="pause between keys (default 120 ms)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="default: all four")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["KETDIR_NO_USER_SETTINGS"] = "1"

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtTest import QTest

    from ketdir.app import open_directory
    from ketdir.gui.app import application
    from ketdir.gui.main_window import MainWindow
    from ketdir.problems import KetdirProblem

    application()
    started = time.perf_counter()
    try:
        directory = open_directory(args.db)
    except KetdirProblem as problem:
        print(problem, file=sys.stderr)
        return 2
    window = MainWindow(directory)
    window.resize(1440, 900)
    window.show()
    window.activateWindow()
    shown = time.perf_counter() - started
    timer = Timer(window)
    failures: list[str] = []
    window.live.failed.connect(lambda problem: failures.append(str(problem)))

    def pump_until(condition, timeout: float = 30.0) -> bool:
        """Run the event loop (sleeping in Qt, as the real app does) until condition() or timeout."""
        if condition():
            return True
        loop = QEventLoop()
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        poll = QTimer()  # a cheap backstop for conditions no signal announces
        poll.timeout.connect(lambda: condition() and loop.quit())
        poll.start(20)

        def check(*_args) -> None:
            if condition():
                loop.quit()

        hooks = [window.results_listed, window.results_applied, window.results_view.painted, window.empty.painted,
                 window.live.failed]
        for signal in hooks:
            signal.connect(check)
        deadline.start(int(timeout * 1000))
        loop.exec()
        for signal in hooks:
            signal.disconnect(check)
        poll.stop()
        return condition()

    def pump_for(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    window.set_clock(lambda: BENCH_AT)
    pump_until(lambda: window.settled)
    first_results = time.perf_counter() - started
    if failures:
        print(f"The search failed, so there is nothing to measure: {failures[0]}", file=sys.stderr)
        return 1

    def set_filters(scenario: str, i: int) -> None:
        text = window.search_edit
        text.clear()
        needs = frozenset()
        if scenario == "text+need":
            needs = frozenset({QUERIES[i % len(QUERIES)][1]})
        window.need_list.model.set_checked(needs)
        window.place_bar.set_radius(RADIUS_MILES)
        window.place_bar.open_now.setChecked(scenario == "text+place+open")
        window.place_bar.set_place_text(PLACES[i % len(PLACES)] if "place" in scenario else "")
        pump_until(lambda: window.settled)
        pump_for(0.1)

    # Warm-up: one untimed pass over a couple of queries (caches, vocabulary, gazetteer).
    for scenario in SCENARIOS:
        set_filters(scenario, 0)
        QTest.keyClicks(window.search_edit, "ket bladder")
        pump_until(lambda: window.settled)
    window.search_edit.setFocus()

    samples: dict[str, list[float]] = {s: [] for s in (args.scenario or SCENARIOS)}
    search_only: list[float] = []
    timeouts = 0
    for scenario in samples:
        for i, (query, _need) in enumerate(QUERIES[: args.queries]):
            set_filters(scenario, i)
            window.search_edit.setFocus()
            for ch in query:
                timer.reset()
                failed_before = len(failures)
                t0 = time.perf_counter()
                QTest.keyClick(window.search_edit, ch)
                ok = pump_until(lambda: (window.listed and timer.painted_at is not None)
                                or len(failures) > failed_before, timeout=10)
                if not ok or len(failures) > failed_before:
                    timeouts += 1
                    pump_until(lambda: window.settled, timeout=10)
                    continue
                samples[scenario].append((timer.painted_at - t0) * 1000)
                if window.last_search_seconds is not None:
                    search_only.append(window.last_search_seconds * 1000)
                pump_until(lambda: window.shown, timeout=10)  # counts wait for a pause, as for people
                pump_for(args.gap_ms / 1000)

    window.shutdown()
    directory.close()

    every = [v for values in samples.values() for v in values]
    report = {
        "db": args.db,
        "db_size_mb": round(file_size_mb(Path(args.db)), 1) if "://" not in args.db else None,
        "machine": cpu_note(),
        "window_shown_s": round(shown, 3),
        "first_results_s": round(first_results, 3),
        "gap_ms": args.gap_ms,
        "timeouts": timeouts,
        "scenarios": {
            s: {"keystrokes": len(v), "p50_ms": round(percentile(v, 50), 1), "p95_ms": round(percentile(v, 95), 1),
                "max_ms": round(max(v), 1) if v else None}
            for s, v in samples.items()
        },
        "all": {"keystrokes": len(every), "p50_ms": round(percentile(every, 50), 1),
                "p95_ms": round(percentile(every, 95), 1), "max_ms": round(max(every), 1) if every else None},
        "search_only_p95_ms": round(percentile(search_only, 95), 1),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"Keystroke → results painted, real window offscreen — {args.db}"
          + (f" ({report['db_size_mb']} MB)" if report["db_size_mb"] else ""))
    print(f"{report['machine']}; window shown after {shown:.2f} s, first results after {first_results:.2f} s; "
          f"{args.gap_ms:g} ms between keys")
    print(f"{'scenario':<26}{'keys':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for s, row in report["scenarios"].items():
        print(f"{s:<26}{row['keystrokes']:>6}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}")
    row = report["all"]
    print(f"{'all':<26}{row['keystrokes']:>6}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['max_ms']:>9}")
    print(f"(search alone, on the worker thread: p95 {report['search_only_p95_ms']} ms; keystrokes not measured "
          f"because the search failed or took over 10 s: {timeouts})")
    if failures:
        print(f"First search failure: {failures[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
