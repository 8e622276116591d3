"""How fast does `ketdir import` read a large HSDS datapackage into an empty directory, and again?

    python bench/bench_import.py                      # 100,000 services (the target: <= 60 s, <= 400 MB)
    python bench/bench_import.py --services 10000     # a quicker run
    python bench/bench_import.py --package X.zip      # any existing HSDS datapackage
    python bench/bench_import.py --read-whole         # also the changed package read whole (the old way)

The package is made once and kept in bench/out/: a synthetic directory from bench/generate.py (same
seed, same data) exported with ketdir's own exporter (`ketdir export`), so it is a real HSDS 3.0
datapackage with every table ketdir keeps. The import runs the real code path of `ketdir import`
(ketdir.app.imports: read, validate, plan, then one transaction with the search index) into a new temporary
database, in a process of its own so its peak memory is its own, and its phases are timed. It then imports
the same package again into the now-full directory (everything unchanged), and then a changed copy of it
(bench/out/import-<n>-changed.zip, made once by changed_package: 2% of services with a new description, 1% of
phone numbers changed, 1% of services gone and 0.5% new), which is what a monthly re-import of a feed costs.
Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import os
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT_DIR, cpu_note, file_size_mb, human_seconds, peak_rss_mb  # noqa: E402
from ketdir.app import Progress, imports  # noqa: E402
from ketdir.interop.export import export_datapackage  # noqa: E402
from ketdir.store.engine import open_directory  # noqa: E402
from ketdir.store.models import stable_id  # noqa: E402

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


# Columns by which a row belongs to a service (or to a row of one): a gone service's rows go with it.
BELONGS = ("service_id", "service_at_location_id", "contact_id", "phone_id", "link_id")


def changed_package(package: Path) -> Path:
    """import-<n>-changed.zip: the package as a feed looks a month later — every 50th service with a new
    description, every 100th phone number changed, every 100th service (from the second) gone with its rows,
    and a new branch for every 200th service (from the third), with its need types. Made once, streamed."""
    target = package.with_name(package.stem + "-changed.zip")
    if target.exists():
        return target
    print(f"Making a changed copy of the package: {target} …", flush=True)
    gone: set[str] = set()
    branches: dict[str, str] = {}  # service id -> its new branch's id
    hashes: dict[str, str] = {}
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            if not name.endswith(".csv"):
                continue
            text = io.TextIOWrapper(source.open(name), encoding="utf-8", newline="")
            reader = csv.DictReader(text)
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, reader.fieldnames or [], lineterminator="\r\n")
            writer.writeheader()
            for number, row in enumerate(reader):
                if any(row.get(column) in gone for column in BELONGS):
                    gone.add(row["id"])
                    continue
                if name == "services.csv":
                    if number % 100 == 1:
                        gone.add(row["id"])
                        continue
                    if number % 50 == 0:
                        row["description"] = (row["description"] + " Now also open on Saturday mornings.").strip()
                    if number % 200 == 2:
                        branches[row["id"]] = stable_id(row["id"], "bench-branch")
                        writer.writerow({**row, "id": branches[row["id"]], "name": row["name"] + " (new branch)"})
                elif name == "phones.csv" and number % 100 == 5 and row["number"]:
                    row["number"] = row["number"][:-1] + str((int(row["number"][-1]) + 1) % 10)
                elif name == "attributes.csv" and row["link_id"] in branches:
                    writer.writerow({**row, "id": stable_id(row["id"], "bench-branch"),
                                     "link_id": branches[row["link_id"]]})
                writer.writerow(row)
            data = buffer.getvalue().encode("utf-8")
            hashes[name] = "sha256:" + hashlib.sha256(data).hexdigest()
            out.writestr(name, data)
        descriptor = json.loads(source.read("datapackage.json"))
        for resource in descriptor["resources"]:
            if resource.get("path") in hashes:
                resource["hash"] = hashes[resource["path"]]
        out.writestr("datapackage.json", json.dumps(descriptor, indent=1))
    print(f"  {len(gone):,} rows gone, {len(branches):,} new services; {target.stat().st_size / 1e6:.1f} MB",
          flush=True)
    return target


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
    print(f"\n{label}: {package.name} -> {db.name} (load average {os.getloadavg()[0]:.2f})", flush=True)
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
    print(f"  services: {done.new:,} new, {done.changed:,} changed, {len(check.plan.unchanged):,} unchanged, "
          f"{done.retired:,} retired; {rows:,} rows read; database {file_size_mb(db):.0f} MB")
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  RESULT seconds={total:.1f} peak_mb={peak_rss_mb():.0f}", flush=True)


def run_in_child(package: Path, db: Path, label: str, *, read_whole: bool = False) -> tuple[float, float]:
    """run_import in a new process (so the peak memory is the import's alone); (seconds, peak MB)."""
    child = subprocess.run([sys.executable, __file__, "--one", str(package), str(db), label,
                            *(["--read-whole"] if read_whole else [])], check=True, stdout=subprocess.PIPE, text=True)
    print(child.stdout, end="", flush=True)
    result = next(line for line in child.stdout.splitlines() if "RESULT" in line).split()
    return float(result[1].split("=")[1]), float(result[2].split("=")[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `ketdir import` of a large HSDS datapackage.")
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--package", type=Path, help="an existing HSDS datapackage (folder or .zip)")
    parser.add_argument("--no-reimport", action="store_true", help="skip the re-imports")
    parser.add_argument("--read-whole", action="store_true",
                        help="also re-import the changed package read whole, as before staged re-imports")
    parser.add_argument("--keep", type=Path, help="keep the imported database at this path")
    parser.add_argument("--one", nargs=3, metavar=("PACKAGE", "DB", "LABEL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        if args.read_whole:
            from ketdir.interop import stage

            stage.MIN_BYTES = 1 << 62  # no package counts as large: read whole and compared row by row
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
        again = changed = whole = None
        if not args.no_reimport:
            again = run_in_child(package, db, "Re-import of the same package (nothing changed)")
            month_later = changed_package(package)
            if args.read_whole:
                copy = Path(tmp) / "copy.db"
                shutil.copyfile(db, copy)
                whole = run_in_child(month_later, copy, "Re-import of the changed package, read whole (before)",
                                     read_whole=True)
                copy.unlink()
            changed = run_in_child(month_later, db, "Re-import of the changed package")
    print(f"\nImport into an empty directory: {human_seconds(first)} (target: 60 s); peak memory "
          f"{first_peak:,.0f} MB (target: 400 MB)")
    if again is not None:
        print(f"Re-import, nothing changed: {human_seconds(again[0])}; peak memory {again[1]:,.0f} MB")
    if whole is not None:
        print(f"Re-import of the changed package, read whole: {human_seconds(whole[0])}; peak memory "
              f"{whole[1]:,.0f} MB")
    if changed is not None:
        print(f"Re-import of the changed package: {human_seconds(changed[0])} (target: 60 s); peak memory "
              f"{changed[1]:,.0f} MB (target: 400 MB)")
    print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
