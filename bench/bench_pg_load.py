"""Load: N concurrent searching clients (default 20) against a ketdir directory on a PostgreSQL server.

Each client is a thread with its own Session (and pooled connection) running the same search() the window
uses, through a mix of typical helpline queries: words, slang, prefixes as typed, a misspelling, need types,
places with a radius, open-now, and filters. Prints p50/p95/p99/max per search and the throughput; exits 1
when p95 is over --target-ms (50 ms by default).

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
import datetime as dt
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ketdir.search import Query, search  # noqa: E402
from ketdir.store.engine import Directory, display_url, make_engine, open_directory  # noqa: E402

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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="postgresql+psycopg:// URL of the loaded directory")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to run (after warm-up)")
    parser.add_argument("--target-ms", type=float, default=50.0, help="p95 target per search")
    args = parser.parse_args(argv)

    directory = open_directory(args.db)
    with directory.session() as s:
        services = s.execute(__import__("sqlalchemy").text("SELECT count(*) FROM service")).scalar()
        for q in QUERIES:  # warm-up: caches, gazetteer, the server's buffers
            search(s, q)
    directory.close()
    # One engine whose pool has a connection per client, as twenty windows on twenty desks would each have one.
    engine = make_engine(directory.url, pool_size=args.clients)
    shared = Directory(engine=engine, sessions=directory.sessions.__class__(engine, expire_on_commit=False),
                       url=directory.url)

    latencies: list[list[float]] = [[] for _ in range(args.clients)]
    errors: list[str] = []
    start_gate = threading.Barrier(args.clients + 1)
    deadline = [0.0]

    def client(i: int) -> None:
        mine = latencies[i]
        try:
            with shared.session() as s:
                start_gate.wait()
                n = i  # each client starts at a different query
                while time.perf_counter() < deadline[0]:
                    q = QUERIES[n % len(QUERIES)]
                    t0 = time.perf_counter()
                    search(s, q)
                    mine.append((time.perf_counter() - t0) * 1000)
                    s.rollback()  # end the read transaction, as the window does between searches
                    n += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"client {i}: {exc!r}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + args.seconds
    t_start = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join(args.seconds + 60)
    elapsed = time.perf_counter() - t_start
    shared.close()

    all_ms = [x for xs in latencies for x in xs]
    if errors or not all_ms:
        print("\n".join(errors) or "no searches ran", file=sys.stderr)
        return 1
    p50, p95, p99 = (percentile(all_ms, p) for p in (50, 95, 99))
    print(f"server: {display_url(args.db)}  services: {services}  clients: {args.clients}  "
          f"duration: {elapsed:.1f}s  searches: {len(all_ms)}")
    print(f"per search: p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms  max {max(all_ms):.1f} ms  "
          f"mean {statistics.fmean(all_ms):.1f} ms")
    print(f"throughput: {len(all_ms) / elapsed:.0f} searches/s")
    ok = p95 <= args.target_ms
    print(f"target p95 <= {args.target_ms:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
