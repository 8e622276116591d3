"""Load: N concurrent searching clients (default 20) against a ketdir directory on a PostgreSQL server.

Each client is its own process (as twenty windows on twenty desks are twenty programs, not twenty threads
sharing one Python interpreter) with its own engine and connection, running the same search() the window
uses. The searches are the 16 typical helpline queries below (words, slang, a misspelling, need types,
places with a radius, open now, filters) typed out keystroke by keystroke: "k", "ke", "ket", "ket ",
"ket b", ... each keystroke is one search, as in the window.

Two load models, both run and printed (--model picks one):

(a) closed loop, no think time: every client sends its next search the moment the last one returned. This
    is a saturation test: it measures the throughput of this machine (server and clients together), and its
    latencies are mostly queueing (with N clients, latency = N / throughput).
(b) people typing: every client types its queries at a typist's pace (one keystroke every --keystroke-ms,
    150 ms by default), searching on every keystroke the way the window does: one search at a time, and a
    keystroke made while a search is running waits, replaced by any newer one (older ones are dropped and
    counted). --counts-pause-ms after the results of the last keystroke the window asks for the need-type
    counts (one more search, with counts), then the person pauses --pause-ms before the next query.
    Latency here is keystroke to results: from the moment of the keystroke to the moment its results are
    back, including any wait for the previous search.

Prints p50/p95/p99/max and throughput for each model, and the slowest queries. Exits 1 when the p95 of
model (b) (every search the typists' windows made, keystrokes and counts) is over --target-ms (50 ms).

Prepare a 100k-service server database once (see docs/team-mode.md):

    python bench/generate.py --services 100000 --out /tmp/100k.db
    ketdir --db /tmp/100k.db bundle export /tmp/100k.ketdir-bundle
    createdb ketdir_bench   # or: psql ... -c "CREATE DATABASE ketdir_bench"
    ketdir --db postgresql+psycopg://USER@127.0.0.1:54329/ketdir_bench bundle import /tmp/100k.ketdir-bundle

Then:

    python bench/bench_pg_load.py --db postgresql+psycopg://USER@127.0.0.1:54329/ketdir_bench

Only talks to the server named by --db (use one on this machine); every loop is bounded by --seconds.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ketdir.search import Query, search  # noqa: E402
from ketdir.store.engine import display_url, open_directory  # noqa: E402

AT = dt.datetime(2026, 12, 1, 14, 0)
QUERIES = [
    Query(text="ket bladder", at=AT),
    Query(text="bladder", near="SE1", radius_miles=10, at=AT),
    Query(text="chems", near="Manchester", radius_miles=10, at=AT),
    Query(text="pep", near="Brighton", radius_miles=10, open_now=True, at=AT),
    Query(text="detox", at=AT),
    Query(text="k", at=AT),
    Query(text="ke", at=AT),
    Query(text="ket", at=AT),
    Query(text="keta", at=AT),
    Query(text="sexual health", near="Leeds", radius_miles=10, at=AT),
    Query(text="bladdr", at=AT),
    Query(text="", needs=frozenset({"chemsex"}), near="Birmingham", radius_miles=10, at=AT),
    Query(text="counselling", free_only=True, age=17, at=AT),
    Query(text="naloxone", near="Glasgow", radius_miles=10, at=AT),
    Query(text="", near="Bristol", radius_miles=5, open_now=True, at=AT),
    Query(text="needle exchange", at=AT),
]


def typed(queries: list[Query]) -> list[list[Query]]:
    """Each query as typed: one Query per keystroke ("k", "ke", "ket", ...). A query whose text only begins
    another one's with the same filters ("k", "ke", "ket" beside "keta") is that one being typed, so it is not
    typed twice. A query without text (filters and a place chosen, nothing typed) is one search."""
    def rest(q: Query) -> Query:
        return dataclasses.replace(q, text="")

    kept = [q for q in queries if not any(o is not q and rest(o) == rest(q) and len(o.text) > len(q.text)
                                          and o.text.startswith(q.text) for o in queries)]
    # As the window asks while typing: no need-type counts, and near a place "at least" the services listed
    # ("60+"), not a count of every match (the window asks for both once typing pauses: see _typing).
    kept = [dataclasses.replace(q, with_counts=False, with_total=False) for q in kept]
    return [[dataclasses.replace(q, text=q.text[:i]) for i in range(1, len(q.text) + 1)] or [q] for q in kept]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def describe(q: Query) -> str:
    parts = [repr(q.text)]
    if q.near:
        parts.append(f"near {q.near} {q.radius_miles:g} mi")
    if q.needs:
        parts.append("needs " + ",".join(sorted(q.needs)))
    if q.open_now:
        parts.append("open now")
    if q.free_only:
        parts.append("free")
    if q.age is not None:
        parts.append(f"age {q.age}")
    if q.with_counts:
        parts.append("+counts")
    if not q.with_total:
        parts.append("(at least)")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------- one client


def _client(i: int, model: str, url: str, args: dict, gates, start_at, results) -> None:
    """One window: its own process, engine and session. Puts (client, records, cpu seconds, error) on results;
    a record is (kind, query description, keystroke-to-results ms, search ms)."""
    records: list[tuple[str, str, float, float]] = []
    error = None
    directory = None
    try:
        directory = open_directory(url)
        scripts = typed(QUERIES)
        with directory.session() as s:
            for q in (scripts[i % len(scripts)][-1], QUERIES[1]):  # this process's caches: gazetteer, hours, ...
                search(s, q)
            s.rollback()
            for gate in gates:  # every client ready; then the start time is set; go
                gate.wait()
            cpu0 = time.process_time()
            deadline = start_at.value + args["seconds"]
            while time.time() < start_at.value:
                time.sleep(0.001)
            if model == "closed":
                _closed_loop(i, s, scripts, deadline, args["clients"], records)
            else:
                _typing(i, s, scripts, deadline, args, records)
            cpu = time.process_time() - cpu0
    except Exception as exc:  # noqa: BLE001
        error, cpu = f"client {i}: {exc!r}", 0.0
        for gate in gates:
            try:
                gate.abort()
            except Exception:  # noqa: BLE001
                pass
    finally:
        if directory is not None:
            directory.close()
    results.put((i, records, cpu, error))


def _closed_loop(i: int, s, scripts, deadline: float, clients: int, records) -> None:
    strokes = [q for script in scripts for q in script]
    n = i * len(strokes) // clients  # clients start at different places in the stream
    while time.time() < deadline:
        q = strokes[n % len(strokes)]
        t0 = time.perf_counter()
        search(s, q)
        ms = (time.perf_counter() - t0) * 1000
        records.append(("search", describe(q), ms, ms))
        s.rollback()  # end the read transaction, as the window does between searches
        n += 1


def _typing(i: int, s, scripts, deadline: float, args: dict, records) -> None:
    key = args["keystroke_ms"] / 1000
    counts_pause = args["counts_pause_ms"] / 1000
    pause = args["pause_ms"] / 1000
    clients = args["clients"]
    now = time.time
    t = now() + (i / clients) * key  # stagger the typists within one keystroke
    n = i
    while now() < deadline:
        script = scripts[n % len(scripts)]
        n += 1
        times = [t + k * key for k in range(len(script))]
        k = 0
        done_at = t
        while k < len(script) and now() < deadline:
            if now() < times[k]:
                time.sleep(times[k] - now())
            # the newest keystroke made by now: the window searches for it, older waiting ones are dropped
            latest = k
            while latest + 1 < len(script) and times[latest + 1] <= now():
                latest += 1
            for skipped in range(k, latest):
                records.append(("dropped", describe(script[skipped]), 0.0, 0.0))
            q = script[latest]
            t0 = time.perf_counter()
            search(s, q)
            ms = (time.perf_counter() - t0) * 1000
            s.rollback()
            done_at = now()
            records.append(("keystroke", describe(q), (done_at - times[latest]) * 1000, ms))
            k = latest + 1
        if now() >= deadline:
            break
        if counts_pause > 0:  # the window asks for the need-type counts once the typing pauses
            asked = done_at + counts_pause
            if now() < asked:
                time.sleep(asked - now())
            q = dataclasses.replace(script[-1], with_counts=True, with_total=True)
            t0 = time.perf_counter()
            search(s, q)
            ms = (time.perf_counter() - t0) * 1000
            s.rollback()
            records.append(("counts", describe(q), (now() - asked) * 1000, ms))
        t = max(now(), done_at) + pause


# ---------------------------------------------------------------------------------------------- one model


def run_model(model: str, url: str, args: dict) -> dict:
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    clients = args["clients"]
    ready, go = ctx.Barrier(clients + 1), ctx.Barrier(clients + 1)
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(i, model, url, args, (ready, go), start_at, results), daemon=True)
             for i in range(clients)]
    for p in procs:
        p.start()
    try:
        ready.wait(timeout=300)  # every client connected and warmed up
        start_at.value = time.time() + 0.2
        go.wait(timeout=60)
    except Exception:  # noqa: BLE001  (a client failed: its error comes below)
        start_at.value = time.time()
    wall0 = time.time()
    collected = []
    for _ in procs:
        try:
            collected.append(results.get(timeout=args["seconds"] + 300))
        except Exception:  # noqa: BLE001
            break
    for p in procs:
        p.join(timeout=30)
    elapsed = max(time.time() - start_at.value, 1e-9)
    wall = time.time() - wall0
    errors = [e for _, _, _, e in collected if e]
    records = [r for _, rs, _, _ in collected for r in rs]
    cpu = sum(c for _, _, c, _ in collected)
    return {"model": model, "records": records, "errors": errors, "elapsed": min(elapsed, wall),
            "client_cpu": cpu}


def summary(values: list[float]) -> str:
    if not values:
        return "no searches"
    p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
    return (f"p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms  max {max(values):.1f} ms  "
            f"mean {statistics.fmean(values):.1f} ms")


def slowest(records, k: int = 6) -> list[str]:
    by: dict[str, list[float]] = {}
    for kind, what, _, ms in records:
        if kind != "dropped":
            by.setdefault(what, []).append(ms)
    rows = sorted(by.items(), key=lambda kv: -percentile(kv[1], 95))[:k]
    return [f"    {percentile(v, 95):8.1f} ms p95  {statistics.median(v):8.1f} ms p50  {len(v):5d}x  {w}"
            for w, v in rows]


def report(res: dict, args: dict) -> tuple[bool, float | None]:
    recs, elapsed = res["records"], res["elapsed"]
    searches = [r for r in recs if r[0] != "dropped"]
    print(f"  client processes' CPU: {res['client_cpu']:.1f} s in {elapsed:.1f} s "
          f"({res['client_cpu'] / elapsed:.2f} of this machine's {os.cpu_count()} CPUs; the rest of the time "
          "was the server and waiting)")
    for e in res["errors"]:
        print(f"  ERROR {e}")
    if res["model"] == "closed":
        lat = [r[2] for r in searches]
        print(f"  searches: {len(lat)} in {elapsed:.1f} s  throughput: {len(lat) / elapsed:.1f} searches/s")
        print(f"  per search: {summary(lat)}")
        print("  slowest queries (search time, while under this load):")
        print("\n".join(slowest(recs)))
        return True, None
    keys = [r for r in recs if r[0] == "keystroke"]
    counts = [r for r in recs if r[0] == "counts"]
    dropped = sum(1 for r in recs if r[0] == "dropped")
    everything = [r[2] for r in keys + counts]
    print(f"  searches: {len(everything)} in {elapsed:.1f} s ({len(everything) / elapsed:.1f}/s): "
          f"{len(keys)} keystrokes, {len(counts)} need-type counts after a pause; "
          f"{dropped} keystrokes dropped because a search was still running "
          f"({dropped / max(dropped + len(keys), 1):.1%})")
    print(f"  keystroke to results, every search:  {summary(everything)}")
    print(f"  keystroke to results, keystrokes:    {summary([r[2] for r in keys])}")
    print(f"  after the pause, with counts:        {summary([r[2] for r in counts])}")
    print(f"  search time alone (no waiting):      {summary([r[3] for r in keys + counts])}")
    print("  slowest queries (search time, while under this load):")
    print("\n".join(slowest(recs)))
    p95 = percentile(everything, 95) if everything else None
    return (p95 is not None and p95 <= args["target_ms"] and not res["errors"]), p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="postgresql+psycopg:// URL of the loaded directory")
    parser.add_argument("--clients", type=int, default=20, help="client processes (windows)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each model runs (after warm-up)")
    parser.add_argument("--model", choices=("both", "closed", "typing"), default="both")
    parser.add_argument("--keystroke-ms", type=float, default=150.0, help="model (b): time between keystrokes")
    parser.add_argument("--counts-pause-ms", type=float, default=250.0,
                        help="model (b): pause after the last keystroke before the window asks for need-type "
                             "counts, as the window does (0: never)")
    parser.add_argument("--pause-ms", type=float, default=1500.0, help="model (b): pause between two queries")
    parser.add_argument("--target-ms", type=float, default=50.0, help="p95 target per search, model (b)")
    args = parser.parse_args(argv)
    opts = vars(args)

    directory = open_directory(args.db)
    with directory.session() as s:
        from sqlalchemy import text

        services = s.execute(text("SELECT count(*) FROM service")).scalar()
        server = s.execute(text("SHOW server_version")).scalar().split()[0]
        for q in QUERIES:  # warm-up of the server's buffers
            search(s, q)
    directory.close()

    scripts = typed(QUERIES)
    strokes = sum(len(sc) for sc in scripts)
    print(f"server: {display_url(args.db)} (PostgreSQL {server})  services: {services}")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; the server and every client "
          "process run on it")
    print(f"clients: {args.clients} processes, one connection each; query mix: {len(QUERIES)} queries typed as "
          f"{len(scripts)} scripts of {strokes} keystrokes (each keystroke one search)")

    ok, p95 = True, None
    if args.model in ("both", "closed"):
        print(f"\n(a) closed loop, no think time: each client searches again as soon as its last search "
              f"returned, {args.seconds:.0f} s (saturation: latency here is mostly queueing)")
        report(run_model("closed", args.db, opts), opts)
    if args.model in ("both", "typing"):
        print(f"\n(b) people typing: one keystroke per {args.keystroke_ms:.0f} ms per client, a search per "
              f"keystroke (one at a time, newer keystrokes replace waiting ones), the need-type counts "
              f"{args.counts_pause_ms:.0f} ms after the last keystroke, {args.pause_ms:.0f} ms pause between "
              f"queries, {args.seconds:.0f} s")
        ok, p95 = report(run_model("typing", args.db, opts), opts)
        verdict = "met" if ok else "NOT met"
        print(f"\ntarget: p95 keystroke to results <= {args.target_ms:.0f} ms in model (b): {verdict}"
              + (f" (p95 {p95:.1f} ms)" if p95 is not None else ""))
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
