"""`ketdir import` and `ketdir export`."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ketdir.interop.load import FORMATS


def register(subparsers) -> None:
    imp = subparsers.add_parser(
        "import",
        help="import HSDS / Open Referral UK data or a spreadsheet into the directory",
        description="Import a directory: an HSDS 3.0 datapackage (folder or .zip), HSDS JSON (one service, a "
        "list, or an API page), legacy Open Referral UK tables, or a spreadsheet (CSV/XLSX) with a column "
        "mapping. Everything is checked first; problems are listed by file, row and field. The import is "
        "one transaction: it happens completely or not at all.",
    )
    imp.add_argument("path", type=Path, help="file or folder to import")
    imp.add_argument("--dry-run", action="store_true", help="check and show what would change; change nothing")
    imp.add_argument("--mapping", type=Path, help="column mapping (JSON) for a spreadsheet")
    imp.add_argument("--format", choices=FORMATS, default="auto", help="what the input is (default: detect)")
    imp.add_argument("--source", help="name of the source, to recognise re-imports (default: from the input)")
    imp.add_argument("--overwrite-conflicts", action="store_true",
                     help="also update services edited here since the last import (local edits are lost)")
    imp.add_argument("--all", action="store_true", help="list every problem (default: the first few of each kind)")
    imp.set_defaults(handler=import_command)

    exp = subparsers.add_parser(
        "export",
        help="export the directory as HSDS 3.0 (datapackage or JSON)",
        description="Export the directory as HSDS 3.0: a datapackage (a folder of CSV files plus datapackage.json, "
        "or a .zip) that ketdir can import without losing anything, or JSON (a list of service objects).",
    )
    exp.add_argument("path", type=Path, help="folder, .zip or .json file to write")
    exp.add_argument("--format", choices=("datapackage", "json"), help="default: json for a .json path, "
                     "otherwise datapackage")
    exp.add_argument("--validate", action="store_true", help="check the export against the HSDS 3.0 schemas")
    exp.set_defaults(handler=export_command)


def _print_problems(problems, show_all: bool) -> None:
    from ketdir.interop.validate import summarise

    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    for title, group in (("Errors (these stop the import):", errors), ("Warnings:", warnings)):
        if not group:
            continue
        print(title)
        shown, more = (group, []) if show_all else summarise(group)
        for problem in shown:
            print(f"  {problem}")
        for line in more:
            print(f"  {line}")


def import_command(args) -> int:
    from ketdir.interop.gcpause import gc_paused

    with gc_paused():
        return _import(args)


def _import(args) -> int:
    from ketdir.problems import BadInput as UsageProblem
    from ketdir.interop.apply import apply_import, plan_import, plural
    from ketdir.interop.dataset import LABELS
    from ketdir.interop.load import read_any
    from ketdir.interop.read_spreadsheet import ColumnMapping
    from ketdir.interop.validate import validate
    from ketdir.paths import bundled_db
    from ketdir.store.engine import open_directory, resolve_url

    mapping = None
    if args.mapping is not None:
        try:
            mapping = ColumnMapping.load(args.mapping)
        except ValueError as exc:
            raise UsageProblem(str(exc)) from None
    url = resolve_url(args.db)
    if url == resolve_url(bundled_db()) and not args.dry_run:
        raise UsageProblem(
            "resources.db is the bundled training directory, rebuilt from data/ by `ketdir build-db`. "
            "Import into your own file instead: ketdir --db my-directory.db import PATH (it is made if missing)."
        )
    dataset = read_any(args.path, args.format, mapping=mapping, source=args.source)
    new_file = _no_directory_yet(url)
    if new_file or dataset.errors:
        # nothing to link to yet (or nothing readable): check before a new database (file or tables) is made
        validate(dataset)
        if dataset.errors:
            return _refuse(dataset, args)
    scratch = None
    target = args.db
    if new_file and args.dry_run:  # plan against an empty directory, without making the real file or tables
        scratch = tempfile.TemporaryDirectory(prefix="ketdir-dry-run-")
        target = str(Path(scratch.name) / "empty.db")
    directory = open_directory(target, create=True)
    try:
        with directory.session() as session:
            validate(dataset, session)
            if session.in_transaction():
                session.rollback()
            if dataset.errors:
                return _refuse(dataset, args)
            _print_problems(dataset.problems, args.all)
            counts = ", ".join(f"{n:,} {LABELS[t] if n == 1 else plural(LABELS[t])}"
                               for t, n in dataset.counts().items())
            print(f"Read {args.path} ({dataset.format}): {counts or 'nothing'}.")
            plan = plan_import(session, dataset, overwrite_conflicts=args.overwrite_conflicts)
            for line in plan.lines():
                print(line)
            if args.dry_run:
                print("Dry run: nothing was changed.")
                return 0
            if not plan.has_changes:
                print("Nothing to change: the directory already matches the source.")
            progress = _progress_printer() if sys.stderr.isatty() else None
            try:
                result = apply_import(session, dataset, plan, progress=progress)
            except KeyboardInterrupt:
                print("\nCancelled. Nothing was changed.")
                return 1
            if progress:
                print(file=sys.stderr)
            done = result.plan
            print(f"Imported into {directory.display_url}: {len(done.new):,} new, "
                  f"{len(done.changed):,} updated, {len(done.removed):,} removed, "
                  f"{len(done.conflicts):,} conflict(s) in {result.seconds:.1f} s.")
            return 0
    finally:
        directory.close()
        if scratch is not None:
            scratch.cleanup()


def _no_directory_yet(url: str) -> bool:
    """Nothing there yet: a SQLite file not made, or a database on a server with no tables in it (made by the
    server's owner for ketdir to fill). A refused import or a dry run must leave either exactly so."""
    if url.startswith("sqlite:///"):
        return not Path(url[len("sqlite:///"):]).exists()
    from sqlalchemy import inspect
    from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError

    from ketdir.store.engine import database_problem, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    except (OperationalError, DatabaseError, InterfaceError) as exc:
        raise database_problem(exc, url) from exc  # unreachable, wrong password...: the same message as opening
    finally:
        engine.dispose()


def _refuse(dataset, args) -> int:
    _print_problems(dataset.problems, args.all)
    print(f"{len(dataset.errors):,} error(s), {len(dataset.warnings):,} warning(s) in {args.path}. "
          "Nothing was changed.")
    return 1


def _progress_printer():
    def show(fraction: float, message: str) -> None:
        print(f"\r{message:<40} {fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)
    return show


def export_command(args) -> int:
    from ketdir.interop.export import export_datapackage, export_json
    from ketdir.store.engine import open_directory

    fmt = args.format or ("json" if args.path.suffix.lower() == ".json" else "datapackage")
    directory = open_directory(args.db)
    try:
        with directory.session() as session:
            if fmt == "json":
                report = export_json(session, args.path)
            else:
                report = export_datapackage(session, args.path)
    finally:
        directory.close()
    print(f"Exported {report.services:,} services to {report.path} ({fmt}).")
    if args.validate:
        from ketdir.interop.schema_check import check_datapackage, check_json_file

        problems = check_json_file(report.path) if fmt == "json" else check_datapackage(report.path)
        if problems:
            print(f"The export does not match the HSDS 3.0 schemas ({len(problems)} problem(s)"
                  f"{', showing the first 200' if len(problems) >= 200 else ''}):")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print("Checked against the HSDS 3.0 schemas: valid.")
    return 0


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - convenience
    parser = argparse.ArgumentParser(prog="ketdir")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    args.db = None
    return args.handler(args)
