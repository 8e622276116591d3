"""How fast does `ketdir import` read a large HSDS datapackage into an empty directory?

    python bench/bench_import.py                      # 100,000 services (the target: <= 60 s)
    python bench/bench_import.py --services 10000     # a quicker run
    python bench/bench_import.py --package X.zip      # any existing HSDS datapackage

The package is made once and kept in bench/out/: a synthetic directory from bench/generate.py (same
seed, same data) exported with ketdir's own exporter (`ketdir export`), so it is a real HSDS 3.0
datapackage with every table ketdir keeps. The import runs the real code path of `ketdir import`
(ketdir.app.imports: read, validate, plan, then one transaction with the search index) into a new temporary
database, in a process of its own so its peak memory is its own, and its phases are timed. It then imports
the same package again into the now-full directory (everything unchanged), which is what a monthly re-import
of a feed costs. Prints numbers; asserts nothing.
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
from ketdir.app import Progress, imports  # noqa: E402
from ketdir.interop.export import export_datapackage  # noqa: E402
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

    def report(self, what: str, _done: int, _total: int) -> None:
        if not self.marks or self.marks[-1][1] != what:
            self.marks.append((time.perf_counter(), what))

    def lines(self, end: float) -> list[str]:
        out = []
        for (start, message), (stop, _) in zip(self.marks, [*self.marks[1:], (end, "")]):
            if stop - start >= 0.05:
                out.append(f"    {message:<40} {stop - start:6.1f} s")
        return out


def run_import(package: Path, db: Path, label: str) -> None:
    """One import, as `ketdir import` runs it; prints its phases, its time and this process's peak memory."""
    print(f"\n{label}: {package.name} -> {db.name}", flush=True)
    checking, applying = Phases(), Phases()
    total_start = time.perf_counter()
    check = imports.check_import(db, package, progress=Progress(report=checking.report))
    checked = time.perf_counter()
    if check.plan is None:
        raise SystemExit(f"the package has errors: {[str(p) for p in check.errors[:3]]}")
    done = imports.apply_import(db, check, progress=Progress(report=applying.report))
    end = time.perf_counter()
    rows = sum(check.counts.values())
    print(f"  {'check (read, validate, plan)':<42} {checked - total_start:6.1f} s")
    for line in checking.lines(checked):
        print(line)
    print(f"  {'apply (one transaction)':<42} {end - checked:6.1f} s")
    for line in applying.lines(end):
        print(line)
    total = end - total_start
    print(f"  {'total':<42} {total:6.1f} s   ({check.counts.get('service', 0) / total:,.0f} services/s, "
          f"{rows / total:,.0f} rows/s)")
    print(f"  services: {done.new:,} new, {done.changed:,} changed, {len(check.plan.unchanged):,} unchanged; "
          f"{rows:,} rows read; database {file_size_mb(db):.0f} MB")
    print(f"  RESULT seconds={total:.1f} peak_mb={peak_rss_mb():.0f}", flush=True)


def run_in_child(package: Path, db: Path, label: str) -> tuple[float, float]:
    """run_import in a new process (so the peak memory is the import's alone); (seconds, peak MB)."""
    child = subprocess.run([sys.executable, __file__, "--one", str(package), str(db), label], check=True,
                           stdout=subprocess.PIPE, text=True)
    print(child.stdout, end="", flush=True)
    result = next(line for line in child.stdout.splitlines() if "RESULT" in line).split()
    return float(result[1].split("=")[1]), float(result[2].split("=")[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `ketdir import` of a large HSDS datapackage.")
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--package", type=Path, help="an existing HSDS datapackage (folder or .zip)")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second (re-)import")
    parser.add_argument("--keep", type=Path, help="keep the imported database at this path")
    parser.add_argument("--one", nargs=3, metavar=("PACKAGE", "DB", "LABEL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_import(Path(args.one[0]), Path(args.one[1]), args.one[2])
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    package = args.package or make_package(args.services, OUT_DIR)
    print(f"ketdir import benchmark — {cpu_note()}")
    with tempfile.TemporaryDirectory(prefix="ketdir-import-") as tmp:
        db = args.keep or Path(tmp) / "imported.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        first, first_peak = run_in_child(package, db, "Import into an empty directory")
        again = None
        if not args.no_reimport:
            again = run_in_child(package, db, "Re-import of the same package (nothing changed)")
    print(f"\nImport into an empty directory: {human_seconds(first)} (target: 60 s); peak memory "
          f"{first_peak:,.0f} MB (target: 400 MB)")
    if again is not None:
        print(f"Re-import, nothing changed: {human_seconds(again[0])}; peak memory {again[1]:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
