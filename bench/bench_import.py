"""How fast does `ketdir import` read a large HSDS datapackage into an empty directory?

    python bench/bench_import.py                      # 100,000 services (the target: <= 60 s)
    python bench/bench_import.py --services 10000     # a quicker run
    python bench/bench_import.py --package X.zip      # any existing HSDS datapackage

The package is made once and kept in bench/out/: a synthetic directory from bench/generate.py (same
seed, same data) exported with ketdir's own exporter (`ketdir export`), so it is a real HSDS 3.0
datapackage with every table ketdir keeps. The import runs the real code path of `ketdir import`
(read, validate, plan, one transaction, search index) into a new temporary database, and its phases are
timed. It then imports the same package again into the now-full directory (everything unchanged), which
is what a monthly re-import of a feed costs. Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT_DIR, cpu_note, file_size_mb, human_seconds, peak_rss_mb  # noqa: E402
from ketdir.interop.apply import apply_import, plan_import  # noqa: E402
from ketdir.interop.export import export_datapackage  # noqa: E402
from ketdir.interop.gcpause import gc_paused  # noqa: E402
from ketdir.interop.load import read_any  # noqa: E402
from ketdir.interop.validate import validate  # noqa: E402
from ketdir.store.engine import open_directory  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent


def make_package(services: int, out: Path) -> Path:
    """bench/out/import-<n>.zip: the generator's directory, exported as an HSDS datapackage."""
    package = out / f"import-{services}.zip"
    if package.exists():
        return package
    source_db = out / f"import-source-{services}.db"
    if not source_db.exists():
        print(f"Generating a synthetic directory of {services:,} services (bench/generate.py) …", flush=True)
        subprocess.run([sys.executable, str(BENCH_DIR / "generate.py"), "--services", str(services),
                        "--out", str(source_db), "--quiet"], check=True)
    print(f"Exporting it as an HSDS datapackage: {package} …", flush=True)
    started = time.perf_counter()
    directory = open_directory(source_db)
    try:
        with directory.session() as session:
            report = export_datapackage(session, package)
    finally:
        directory.close()
    print(f"  {report.services:,} services, {sum(report.counts.values()):,} rows, "
          f"{package.stat().st_size / 1e6:.1f} MB in {human_seconds(time.perf_counter() - started)}", flush=True)
    return package


class Phases:
    def __init__(self) -> None:
        self.marks: list[tuple[float, str]] = []

    def progress(self, fraction: float, message: str) -> None:
        if not self.marks or self.marks[-1][1] != message:
            self.marks.append((time.perf_counter(), message))

    def lines(self, end: float) -> list[str]:
        out = []
        for (start, message), (stop, _) in zip(self.marks, [*self.marks[1:], (end, "")]):
            if stop - start >= 0.05:
                out.append(f"    {message:<40} {stop - start:6.1f} s")
        return out


def run_import(package: Path, db: Path, label: str) -> float:
    print(f"\n{label}: {package.name} -> {db.name}", flush=True)
    phases = Phases()
    times: dict[str, float] = {}
    total_start = time.perf_counter()
    with gc_paused():  # as `ketdir import` does
        start = time.perf_counter()
        dataset = read_any(package)
        times["read"] = time.perf_counter() - start
        rows = sum(dataset.counts().values())
        directory = open_directory(db, create=True)
        try:
            with directory.session() as session:
                start = time.perf_counter()
                validate(dataset, session)
                session.rollback()
                times["validate"] = time.perf_counter() - start
                if dataset.errors:
                    raise SystemExit(f"the package has errors: {dataset.errors[:3]}")
                start = time.perf_counter()
                plan = plan_import(session, dataset)
                times["plan"] = time.perf_counter() - start
                start = time.perf_counter()
                result = apply_import(session, dataset, plan, progress=phases.progress)
                times["apply (one transaction)"] = time.perf_counter() - start
        finally:
            directory.close()
    total = time.perf_counter() - total_start
    services = len(dataset.rows("service"))
    for name, seconds in times.items():
        print(f"  {name:<42} {seconds:6.1f} s")
        if name.startswith("apply"):
            for line in phases.lines(total_start + total):
                print(line)
    plan = result.plan
    print(f"  {'total':<42} {total:6.1f} s   ({services / total:,.0f} services/s, {rows / total:,.0f} rows/s)")
    print(f"  services: {len(plan.new):,} new, {len(plan.changed):,} changed, {len(plan.unchanged):,} unchanged; "
          f"{rows:,} rows read; database {file_size_mb(db):.0f} MB")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `ketdir import` of a large HSDS datapackage.")
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--package", type=Path, help="an existing HSDS datapackage (folder or .zip)")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second (re-)import")
    parser.add_argument("--keep", type=Path, help="keep the imported database at this path")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    package = args.package or make_package(args.services, OUT_DIR)
    print(f"ketdir import benchmark — {cpu_note()}")
    with tempfile.TemporaryDirectory(prefix="ketdir-import-") as tmp:
        db = args.keep or Path(tmp) / "imported.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        first = run_import(package, db, "Import into an empty directory")
        if not args.no_reimport:
            run_import(package, db, "Re-import of the same package (nothing changed)")
    print(f"\nImport into an empty directory: {human_seconds(first)} (target: 60 s); "
          f"peak memory {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
