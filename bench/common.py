"""Shared bits of the benchmarks: where things live, the fixed moment, the typed queries and places,
and small statistics/table helpers. No timing assertions anywhere: the benchmarks print numbers."""
from __future__ import annotations

import datetime as dt
import math
import os
import resource
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
LONDON = ZoneInfo("Europe/London")

# "Open now" is measured at a fixed moment so runs are comparable: a Tuesday afternoon in winter (GMT).
BENCH_AT = dt.datetime(2026, 12, 1, 14, 30, tzinfo=LONDON)

# What helpline staff and outreach workers type (slang, typos, half-words included). Each is paired with
# the need type a worker would tick for the "text + need" scenario.
QUERIES: list[tuple[str, str]] = [
    ("ket bladder", "bladder-urology"),
    ("k cramps", "physical-health"),
    ("chems", "chemsex"),
    ("sexual health clinic", "sexual-health"),
    ("pep", "sexual-health"),
    ("detox", "drug-treatment"),
    ("mental health crisis", "mental-health"),
    ("needle exchange", "harm-reduction"),
    ("g overdose", "urgent-care"),
    ("rape crisis", "sexual-violence"),
    ("key worker", "drug-treatment"),
    ("housing advice", "advice"),
    ("bladdr", "bladder-urology"),
    ("ketamin", "drug-treatment"),
    ("peer support group", "peer-support"),
    ("young people drugs", "drug-treatment"),
    ("tina slamming", "chemsex"),
    ("prep hiv testing", "sexual-health"),
    ("naloxone", "harm-reduction"),
    ("family support alcohol", "peer-support"),
    ("blood in wee", "bladder-urology"),
    ("spiked", "sexual-violence"),
]

# What a helpline worker types while a caller talks (issue 14): sentences, a filler word or two, emergencies.
# `bench_search.py --caller` replays these instead: they take the relaxed tier and the emergency reading.
CALLER_QUERIES: list[tuple[str, str]] = [
    ("friend wont wake up after g and k", "urgent-care"),
    ("burning when i wee", "sexual-health"),
    ("hiv exposure last night", "sexual-health"),
    ("ket daily blood peeing belly pain", "bladder-urology"),
    ("cant pee at all", "bladder-urology"),
    ("drink spiked", "sexual-violence"),
    ("sore bladder", "bladder-urology"),
    ("my mate is fitting after mcat", "urgent-care"),
    ("worried about my son using ket", "peer-support"),
    ("condom split need pep asap", "sexual-health"),
    ("feeling suicidal after a comedown", "mental-health"),
    ("kicked out and sleeping rough", "advice"),
]

# Real places, typed as people type them: full postcodes, districts, towns and cities across the UK.
PLACES: list[str] = [
    "SE1 7TP", "Brighton", "M1", "Leeds", "Glasgow", "CF10", "Norwich", "B5 4BU", "Bristol",
    "EH1", "Newcastle upon Tyne", "LS6", "Belfast", "N1 9GU", "Sheffield", "Plymouth", "Inverness",
    "NG1", "Swansea", "Liverpool",
]

RADIUS_MILES = 10.0


def keystrokes(text: str) -> list[str]:
    """Every prefix a person produces while typing text: "k", "ke", "ket", "ket ", "ket b", ..."""
    return [text[:i] for i in range(1, len(text) + 1)]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def file_size_mb(path: Path) -> float:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total / (1024 * 1024)


def human_seconds(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def cpu_note() -> str:
    return f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}"
