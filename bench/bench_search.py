"""Replay typing against a ketdir directory and print per-keystroke search times.

    python bench/bench_search.py --db bench/out/100k.db [--queries N] [--json] [--profile SCENARIO]

Every prefix of a set of realistic queries ("k", "ke", "ket", "ket ", "ket b", ...) goes to the real
`ketdir.search.search(session, Query(...))` under four scenarios: text only; text + place (10-mile
radius, rotating through real UK places); text + need type; text + place + open now (at a fixed moment,
Tue 1 Dec 2026 14:30). The same keystrokes are also timed as
  * the FTS5 floor: only `SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 50`,
    with the MATCH expression the engine builds (`plan_text(...).match_all()`), and
  * the naive baseline: `LIKE '%word%'` on name/alternate name/organisation/description for every word,
    `ORDER BY name LIMIT 50`.
One untimed warm-up pass runs first; the very first calls (cold caches) are reported separately.
Queries are built as the window builds them: while typing, each keystroke asks without the need-type
counts and, near a place, without counting every match beyond those listed (`with_counts=False,
with_total=False`: "60+"); when typing pauses the window asks once more with both, timed separately here
on each full query ("counts after a pause"). `--counts-every-keystroke` asks for the counts on every
keystroke instead (the heaviest case). Nothing here asserts a time: it prints numbers.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench.common import (
    BENCH_AT,
    CALLER_QUERIES,
    PLACES,
    QUERIES,
    RADIUS_MILES,
    cpu_note,
    file_size_mb,
    keystrokes,
    peak_rss_mb,
    percentile,
)
from ketdir.needs import need_types
from ketdir.search import Query, search
from ketdir.search.synonyms import synonyms
from ketdir.search.text_query import plan_text
from ketdir.search.tokens import words
from ketdir.store.engine import open_directory

SCENARIOS = ("text", "text+place", "text+need", "text+place+open")
SCENARIO_LABELS = {
    "text": "text only",
    "text+place": f"text + place ({RADIUS_MILES:g} mi)",
    "text+need": "text + need type",
    "text+place+open": "text + place + open now",
}
FLOOR_SQL = "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 50"
LIKE_COLUMNS = ("name", "alternate_name", "organization", "description")


@dataclass
class Stroke:
    """One keystroke of one query, with the place and need that go with it."""

    query_index: int
    text: str
    place: str
    need: str


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    where: list[Stroke] = field(default_factory=list)
    found: list[int] = field(default_factory=list)

    def add(self, ms: float, stroke: Stroke, found: int = 0, cpu: float | None = None) -> None:
        self.ms.append(ms)
        self.where.append(stroke)
        self.found.append(found)
        if cpu is not None:
            self.cpu.append(cpu)

    def summary(self) -> dict:
        if not self.ms:
            return dict(n=0, p50=None, p95=None, max=None, mean=None)
        out = dict(n=len(self.ms), p50=percentile(self.ms, 50), p95=percentile(self.ms, 95), max=max(self.ms),
                   mean=sum(self.ms) / len(self.ms))
        if self.cpu:
            out.update(cpu_p50=percentile(self.cpu, 50), cpu_p95=percentile(self.cpu, 95))
        return out

    def slowest(self, k: int = 5) -> list[tuple[float, Stroke, int]]:
        order = sorted(range(len(self.ms)), key=lambda i: -self.ms[i])[:k]
        return [(self.ms[i], self.where[i], self.found[i]) for i in order]


def build_strokes(n_queries: int) -> list[Stroke]:
    strokes = []
    for qi, (text, need) in enumerate(QUERIES[:n_queries]):
        place = PLACES[qi % len(PLACES)]
        for prefix in keystrokes(text):
            strokes.append(Stroke(qi, prefix, place, need))
    return strokes


def make_query(scenario: str, stroke: Stroke, with_counts: bool) -> Query:
    near = stroke.place if "place" in scenario else None
    return Query(
        text=stroke.text,
        needs=frozenset({stroke.need}) if scenario == "text+need" else frozenset(),
        near=near,
        radius_miles=RADIUS_MILES,
        open_now=scenario.endswith("open"),
        at=BENCH_AT,
        with_counts=with_counts,
        with_total=with_counts,  # as the window: the total near a place is counted when typing pauses
    )


def like_sql(n_words: int, scan: bool = False) -> str:
    """The naive search. With an index on name, SQLite walks it in name order and stops at 50 matches
    (fast for common words, a full scan for rare ones); scan=True forbids indexes (NOT INDEXED), which is
    what the same query costs when it must look at every row (as a naive engine that counts or ranks does)."""
    one = "(" + " OR ".join(f"{c} LIKE ?" for c in LIKE_COLUMNS) + ")"
    where = " AND ".join([one] * n_words) if n_words else "1=1"
    table = "ketdir_search_doc NOT INDEXED" if scan else "ketdir_search_doc"
    return f"SELECT rowid, service_id, name FROM {table} WHERE {where} ORDER BY name LIMIT 50"


def like_params(text: str) -> list[str]:
    return [f"%{w}%" for w in words(text) for _ in LIKE_COLUMNS]


class SqlTimer:
    """Total time per SQL statement shape (engine events), for --profile."""

    def __init__(self, engine):
        self.engine = engine
        self.totals: dict[str, list] = defaultdict(lambda: [0, 0.0])
        self._t0 = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, executemany):
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        key = " ".join(statement.split())
        entry = self.totals[key]
        entry[0] += 1
        entry[1] += time.perf_counter() - self._t0

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def run(db: Path, n_queries: int, with_counts: bool, like_limit: int | None, quiet: bool) -> dict:
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    directory = open_directory(db)
    session = directory.sessions()
    raw: sqlite3.Connection = session.connection().connection.dbapi_connection
    services = raw.execute("SELECT count(*) FROM ketdir_search_doc").fetchone()[0]
    national = raw.execute("SELECT count(*) FROM ketdir_search_doc WHERE is_national = 1").fetchone()[0]
    patterns = raw.execute("SELECT count(*) FROM ketdir_hours_pattern").fetchone()[0]
    strokes = build_strokes(n_queries)
    syn, needs = synonyms(), need_types()
    load_before = os.getloadavg()

    # Cold: the very first call of each kind in this process (caches empty).
    cold: dict[str, float] = {}
    first = strokes[min(2, len(strokes) - 1)]  # "ket"
    for scenario in SCENARIOS:
        q = make_query(scenario, first, with_counts)
        t = time.perf_counter()
        search(session, q)
        cold[scenario] = (time.perf_counter() - t) * 1000
    typo = next((s for s in strokes if s.text == "bladdr"), None)
    if typo:
        t = time.perf_counter()
        search(session, make_query("text", typo, with_counts))
        cold["spelling fallback (first)"] = (time.perf_counter() - t) * 1000

    # Warm-up: one untimed pass over everything.
    say(f"warm-up: {len(strokes)} keystrokes x {len(SCENARIOS)} scenarios ...")
    for scenario in SCENARIOS:
        for stroke in strokes:
            search(session, make_query(scenario, stroke, with_counts))
    for stroke in strokes:
        plan = plan_text(stroke.text, syn, needs)
        if not plan.empty:
            raw.execute(FLOOR_SQL, (plan.match_all(),)).fetchall()

    results: dict[str, Timings] = {s: Timings() for s in SCENARIOS}
    gc.collect()
    for scenario in SCENARIOS:
        say(f"timing {SCENARIO_LABELS[scenario]} ...")
        for stroke in strokes:
            q = make_query(scenario, stroke, with_counts)
            c = time.process_time()
            t = time.perf_counter()
            res = search(session, q)
            elapsed = (time.perf_counter() - t) * 1000
            cpu = (time.process_time() - c) * 1000
            results[scenario].add(elapsed, stroke, res.total_local + len(res.national), cpu)
    pause = Timings()  # the window's query once typing pauses: the full text, with need-type counts
    for scenario in SCENARIOS:
        for stroke in strokes:
            if stroke.text != QUERIES[stroke.query_index][0]:
                continue
            q = make_query(scenario, stroke, True)
            c = time.process_time()
            t = time.perf_counter()
            res = search(session, q)
            pause.add((time.perf_counter() - t) * 1000, stroke, res.total_local + len(res.national),
                      (time.process_time() - c) * 1000)

    floor = Timings()
    floor_of: dict[int, float] = {}
    for i, stroke in enumerate(strokes):
        plan = plan_text(stroke.text, syn, needs)
        if plan.empty:
            continue
        match = plan.match_all()
        c = time.process_time()
        t = time.perf_counter()
        rows = raw.execute(FLOOR_SQL, (match,)).fetchall()
        elapsed = (time.perf_counter() - t) * 1000
        floor.add(elapsed, stroke, len(rows), (time.process_time() - c) * 1000)
        floor_of[i] = elapsed

    like = Timings()
    like_scan = Timings()
    like_idx = list(range(len(strokes)))
    if like_limit is not None and like_limit < len(like_idx):
        step = len(like_idx) / like_limit
        like_idx = [int(k * step) for k in range(like_limit)]
    say(f"timing LIKE baseline on {len(like_idx)} keystrokes ...")
    for i in like_idx:
        stroke = strokes[i]
        params = like_params(stroke.text)
        sql = like_sql(len(params) // len(LIKE_COLUMNS))
        c = time.process_time()
        t = time.perf_counter()
        rows = raw.execute(sql, params).fetchall()
        like.add((time.perf_counter() - t) * 1000, stroke, len(rows), (time.process_time() - c) * 1000)
        sql = like_sql(len(params) // len(LIKE_COLUMNS), scan=True)
        c = time.process_time()
        t = time.perf_counter()
        rows = raw.execute(sql, params).fetchall()
        like_scan.add((time.perf_counter() - t) * 1000, stroke, len(rows), (time.process_time() - c) * 1000)

    all_search = Timings()
    for scenario in SCENARIOS:
        r = results[scenario]
        for ms, stroke, found, cpu in zip(r.ms, r.where, r.found, r.cpu):
            all_search.add(ms, stroke, found, cpu)
    report = dict(
        db=str(db), size_mb=round(file_size_mb(db), 1), services=services, national=national,
        hours_patterns=patterns, queries=n_queries, keystrokes=len(strokes), with_counts=with_counts,
        at=BENCH_AT.isoformat(), machine=cpu_note(), load_before=load_before, load_after=os.getloadavg(),
        cold_ms={k: round(v, 2) for k, v in cold.items()},
        scenarios={s: results[s].summary() for s in SCENARIOS},
        all_search=all_search.summary(),
        pause=pause.summary(),
        fts_floor=floor.summary(),
        like=like.summary(),
        like_scan=like_scan.summary(),
        mean_found={s: (sum(results[s].found) / len(results[s].found)) if results[s].found else 0 for s in SCENARIOS},
        slowest={s: [dict(ms=round(ms, 2), text=st.text, place=st.place if "place" in s else None,
                          need=st.need if s == "text+need" else None, found=f)
                     for ms, st, f in results[s].slowest()] for s in SCENARIOS},
        peak_rss_mb=round(peak_rss_mb(), 1),
        keystroke_ms=[dict(scenario=sc, text=st.text, place=st.place if "place" in sc else None,
                           need=st.need if sc == "text+need" else None, ms=round(ms, 3), cpu_ms=round(cpu, 3),
                           found=f, fts_floor_ms=round(floor_of[i], 3) if i in floor_of else None)
                      for sc in SCENARIOS
                      for i, (ms, cpu, st, f) in enumerate(zip(results[sc].ms, results[sc].cpu, results[sc].where,
                                                               results[sc].found))],
    )
    session.close()
    directory.close()
    return report


def profile_scenario(db: Path, n_queries: int, scenario: str, with_counts: bool) -> str:
    """cProfile of one scenario's replay (after a warm-up pass), plus where the SQL time goes by statement."""
    directory = open_directory(db)
    session = directory.sessions()
    strokes = build_strokes(n_queries)
    for stroke in strokes:
        search(session, make_query(scenario, stroke, with_counts))
    engine = directory.engine
    timer = SqlTimer(engine)
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for stroke in strokes:
        search(session, make_query(scenario, stroke, with_counts))
    prof.disable()
    total = time.perf_counter() - t
    timer.close()
    out = io.StringIO()
    out.write(f"--- profile: {SCENARIO_LABELS[scenario]}, {len(strokes)} keystrokes, {total * 1000:.0f} ms in all "
              f"(profiler overhead included) ---\n")
    out.write("SQL by statement (total ms, calls, ms/call):\n")
    sql_total = 0.0
    for key, (calls, secs) in sorted(timer.totals.items(), key=lambda kv: -kv[1][1])[:8]:
        sql_total += secs
        out.write(f"  {secs * 1000:9.1f} {calls:6d} {secs * 1000 / calls:8.2f}  {key[:150]}\n")
    out.write(f"  (SQL total {sum(v[1] for v in timer.totals.values()) * 1000:.0f} ms)\n")
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    session.close()
    directory.close()
    return out.getvalue()


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def print_report(r: dict) -> None:
    print(f"ketdir search benchmark: {r['db']} ({r['size_mb']:.0f} MB)")
    print(f"  {r['services']:,} services ({r['national']:,} national/regional), {r['hours_patterns']:,} distinct "
          f"opening-hours patterns; {r['queries']} queries, {r['keystrokes']} keystrokes per scenario; "
          f"open-now at {r['at']}; with_counts={r['with_counts']}; {r['machine']}")
    print()
    head = (f"{'scenario':<33}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'mean ms':>9}  {'p95/FTS':>8}"
            f"{'LIKE/p95':>9}{'scan/p95':>9}  {'cpu p50':>8}{'cpu p95':>8}")
    print(head)
    print("-" * len(head))
    floor_p95 = r["fts_floor"]["p95"]
    like_p95 = r["like"]["p95"]
    scan_p95 = r.get("like_scan", {}).get("p95")

    def row(label, s, ratios=True):
        def ratio(a, b):
            return f"{a / b:.1f}x" if ratios and a and b else ""
        print(f"{label:<33}{s['n']:>6}{_fmt(s['p50']):>9}{_fmt(s['p95']):>9}{_fmt(s['max']):>9}{_fmt(s['mean']):>9}"
              f"  {ratio(s['p95'], floor_p95):>8}{ratio(like_p95, s['p95']):>9}{ratio(scan_p95, s['p95']):>9}"
              f"  {_fmt(s.get('cpu_p50')):>8}{_fmt(s.get('cpu_p95')):>8}")

    for scenario in SCENARIOS:
        row("search: " + SCENARIO_LABELS[scenario], r["scenarios"][scenario])
    row("search: all scenarios", r["all_search"])
    if r.get("pause"):
        row("counts after a pause (full text)", r["pause"], ratios=False)
    row("FTS5 floor (MATCH only)", r["fts_floor"], ratios=False)
    row("LIKE '%w%' baseline", r["like"], ratios=False)
    if r.get("like_scan"):
        row("LIKE '%w%', full scan", r["like_scan"], ratios=False)
    print()
    print("p95/FTS: search p95 / FTS5 floor p95.  LIKE/p95: LIKE p95 / search p95.  scan/p95: LIKE full scan "
          "(NOT INDEXED) p95 / search p95.")
    print("Mean results per keystroke (local total + national): "
          + ", ".join(f"{SCENARIO_LABELS[s]} {r['mean_found'][s]:.0f}" for s in SCENARIOS))
    print("Cold first calls (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in r["cold_ms"].items()))
    print("Slowest keystrokes:")
    for scenario in SCENARIOS:
        items = "; ".join(
            f"{x['ms']:.1f} ms '{x['text']}'" + (f" @{x['place']}" if x["place"] else "") for x in r["slowest"][scenario][:3]
        )
        print(f"  {SCENARIO_LABELS[scenario]:<26} {items}")
    print("cpu p50/p95: CPU time per keystroke (time.process_time), a check on how much other load on the "
          "machine inflated the wall-clock columns.")
    print("Load average (1/5/15 min) before: " + "/".join(f"{x:.1f}" for x in r["load_before"])
          + ", after: " + "/".join(f"{x:.1f}" for x in r["load_after"]))
    print(f"Peak memory (ru_maxrss): {r['peak_rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    global QUERIES
    parser = argparse.ArgumentParser(description="Per-keystroke search benchmark for a ketdir directory.")
    parser.add_argument("--db", type=Path, required=True, help="a directory made by bench/generate.py")
    parser.add_argument("--queries", type=int, default=None, help=f"how many of the {len(QUERIES)} queries (default all)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--counts-every-keystroke", action="store_true",
                        help="ask for the need-type counts on every keystroke (the window asks only when typing pauses)")
    parser.add_argument("--no-counts", action="store_true", help="(the default; kept for old command lines)")
    parser.add_argument("--like-limit", type=int, default=None,
                        help="time LIKE on at most this many keystrokes (default: all up to 200k services, else 60)")
    parser.add_argument("--caller", action="store_true",
                        help=f"replay the {len(CALLER_QUERIES)} caller phrases (bench/common.py) instead of the usual queries")
    parser.add_argument("--profile", choices=SCENARIOS,
                        help="instead of timing: cProfile one scenario's replay and break down its SQL by statement")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist; make one with bench/generate.py")
    if args.caller:  # every function here reads the module's QUERIES
        QUERIES = CALLER_QUERIES
    n_queries = max(1, min(args.queries or len(QUERIES), len(QUERIES)))
    with_counts = args.counts_every_keystroke
    if args.profile:
        print(profile_scenario(args.db, n_queries, args.profile, with_counts))
        return 0
    like_limit = args.like_limit
    if like_limit is not None and like_limit < 1:
        parser.error("--like-limit must be at least 1 (the LIKE baseline is part of the report)")
    if like_limit is None:
        with sqlite3.connect(args.db) as conn:
            n = conn.execute("SELECT count(*) FROM ketdir_search_doc").fetchone()[0]
        like_limit = None if n <= 200_000 else 60
    report = run(args.db, n_queries, with_counts, like_limit, quiet=args.json)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
