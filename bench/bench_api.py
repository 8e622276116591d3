"""Load on the Open Referral UK API: N concurrent clients (default 20) against `ketdir serve` on loopback.

The server is the real command (`ketdir --db DB serve --include-demo --workers W`, on a free loopback port: the
synthetic directories mark every service as demo, so they are published only with --include-demo). Each client
is its own process with one keep-alive HTTP connection, sending a mix of the two requests a service finder
makes: a search, `/services?search=…` (the helpline queries of bench/common.py, as a person submits them), and
one service, `/services/{id}` (fully nested; ids drawn at random from the whole directory).

Two load models, both run and printed (--model picks one):

(a) closed loop, no think time: each client sends its next request the moment the last one is answered. A
    saturation test: it measures this machine's throughput (server and clients share its cores), and its
    latencies are mostly queueing (with N clients, latency = N / throughput).
(b) people using service finders: each client sends a request, then waits --think-ms (200 ms by default, so
    20 clients ask about 100 times a second between them; a busy finder's users read for seconds).

Latency is measured by the client, from sending the request to the last byte of the answer. Prints
p50/p95/p99/max per request kind and the machine's load average before and after. Exits 1 when the p95 of
model (b) is over the targets (search 50 ms, one service 20 ms).

    python bench/bench_api.py --db bench/out/100k.db
    python bench/bench_api.py --db postgresql+psycopg://USER@127.0.0.1:54329/ketdir_bench

Only talks to the server it started, on 127.0.0.1; every loop is bounded by --seconds.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import QUERIES  # noqa: E402

TARGETS_MS = {"search": 50.0, "service": 20.0}
SEARCHES = [text for text, _need in QUERIES]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> str:
    if not values:
        return "no requests"
    return (f"p50 {percentile(values, 50):.1f} ms  p95 {percentile(values, 95):.1f} ms  "
            f"p99 {percentile(values, 99):.1f} ms  max {max(values):.1f} ms  n {len(values):,}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-c", "from ketdir.cli import entry_point; entry_point()", "--db", db, "serve",
               "--port", str(port), "--include-demo", "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: {process.stderr.read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                conn.close()
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 2 minutes")


def sample_ids(port: int, count: int, seed: int) -> list[str]:
    """Service ids from the whole directory: `minimal` pages, sampled at random."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    ids: list[str] = []
    page = 1
    while True:
        conn.request("GET", f"/services?minimal=true&per_page=10000&page={page}")
        body = json.loads(conn.getresponse().read())
        ids += [s["id"] for s in body["contents"]]
        if body["last_page"]:
            break
        page += 1
    conn.close()
    return random.Random(seed).sample(ids, min(count, len(ids)))


def _client(i: int, port: int, ids: list[str], model: str, think_s: float, seconds: float, gate, start_at,
            results) -> None:
    rng = random.Random(i)
    records: list[tuple[str, float]] = []
    error = None
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for text in SEARCHES[:2]:  # warm the connection (and this process) before the clock starts
            conn.request("GET", "/services?search=" + urllib.parse.quote(text))
            conn.getresponse().read()
        gate.wait()
        while time.time() < start_at.value:
            time.sleep(0.001)
        deadline = start_at.value + seconds
        n = i
        while time.time() < deadline:
            if n % 2 == 0:
                kind, path = "search", "/services?search=" + urllib.parse.quote(SEARCHES[(n // 2) % len(SEARCHES)])
            else:
                kind, path = "service", "/services/" + ids[rng.randrange(len(ids))]
            n += 1
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ms = (time.perf_counter() - t0) * 1000
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            records.append((kind, ms))
            if model == "think":
                time.sleep(think_s * rng.uniform(0.5, 1.5))
        conn.close()
    except Exception as exc:  # noqa: BLE001
        error = f"client {i}: {exc!r}"
        try:
            gate.abort()
        except Exception:  # noqa: BLE001
            pass
    results.put((records, error))


def run_model(model: str, port: int, ids: list[str], args) -> tuple[list[tuple[str, float]], list[str], float]:
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    gate = ctx.Barrier(args.clients + 1)
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(i, port, ids, model, args.think_ms / 1000, args.seconds, gate,
                                               start_at, results), daemon=True) for i in range(args.clients)]
    for p in procs:
        p.start()
    start_at.value = time.time() + 0.5
    try:
        gate.wait(timeout=120)
    except Exception:  # noqa: BLE001  (a client failed: its error is reported below)
        pass
    records, errors = [], []
    for _ in procs:
        got, error = results.get(timeout=args.seconds + 180)
        records += got
        if error:
            errors.append(error)
    for p in procs:
        p.join(timeout=30)
    return records, errors, args.seconds


def report(records, errors, seconds: float) -> dict[str, float]:
    for error in errors:
        print(f"  ERROR {error}")
    print(f"  requests: {len(records):,} in {seconds:.0f} s ({len(records) / seconds:.1f}/s)")
    p95 = {}
    for kind, label in (("search", "/services?search=…"), ("service", "/services/{id}")):
        values = [ms for k, ms in records if k == kind]
        print(f"  {label:<22} {summary(values)}")
        if values:
            p95[kind] = percentile(values, 95)
    return p95


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the directory to serve: a .db file or a database URL")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each model runs")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (--workers of serve)")
    parser.add_argument("--think-ms", type=float, default=200.0, help="model (b): mean wait between requests")
    parser.add_argument("--model", choices=("both", "closed", "think"), default="both")
    parser.add_argument("--ids", type=int, default=5000, help="how many service ids to draw requests from")
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; {load_text()} before")
    server, port = start_server(args.db, args.workers)
    try:
        ids = sample_ids(port, args.ids, seed=1)
        print(f"server: ketdir serve --workers {args.workers} on 127.0.0.1:{port}; {len(ids):,} service ids drawn; "
              f"{args.clients} client processes, one connection each, half searches ({len(SEARCHES)} queries), "
              "half single services")
        ok = True
        if args.model in ("both", "closed"):
            print(f"\n(a) closed loop, no think time, {args.seconds:.0f} s (saturation: latency is mostly queueing)")
            report(*run_model("closed", port, ids, args))
        if args.model in ("both", "think"):
            print(f"\n(b) service finders: each client waits about {args.think_ms:.0f} ms between requests, "
                  f"{args.seconds:.0f} s")
            records, errors, seconds = run_model("think", port, ids, args)
            p95 = report(records, errors, seconds)
            for kind, target in TARGETS_MS.items():
                met = kind in p95 and p95[kind] <= target and not errors
                ok &= met
                print(f"  target p95 {kind} <= {target:.0f} ms: {'met' if met else 'NOT met'}"
                      + (f" ({p95[kind]:.1f} ms)" if kind in p95 else ""))
        print(f"\n{load_text()} after")
        return 0 if ok else 1
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
