"""`ketdir import` and `ketdir export`."""
from __future__ import annotations

import argparse
import sys
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
    imp.add_argument("path", help="file or folder to import, or the address of an Open Referral UK 3.0 API "
                     "(https://…): all its services, and on later imports only what changed")
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
    from ketdir.app import imports

    options = imports.ImportOptions(format=args.format, source=args.source,
                                    overwrite_conflicts=args.overwrite_conflicts,
                                    mapping=imports.load_mapping(args.mapping) if args.mapping is not None else None)
    if not args.dry_run:
        imports.refuse_unimportable(args.db)  # before reading a large file for nothing
    from ketdir.app.published import looks_like_url

    what = args.path if looks_like_url(args.path) else Path(args.path)
    try:
        check = imports.check_import(args.db, what, options, progress=_progress_printer())
    except KeyboardInterrupt:
        print("\nStopped. Nothing was changed.")
        return 1
    _print_problems(check.problems, args.all)
    if check.plan is None:
        print(f"{len(check.errors):,} error(s), {len(check.warnings):,} warning(s) in {args.path}. "
              "Nothing was changed.")
        return 1
    print(check.read_line())
    for line in check.lines():
        print(line)
    if args.dry_run:
        print("Dry run: nothing was changed.")
        return 0
    try:
        done = imports.apply_import(args.db, check, progress=_progress_printer())
    except KeyboardInterrupt:
        print("\nStopped. Nothing was changed.")
        return 1
    print(done.summary())
    return 0


def _progress_printer():
    from ketdir.app import Progress

    if not sys.stderr.isatty():
        return None

    def show(what: str, done: int, total: int) -> None:
        share = f"{done / total * 100:5.1f}%" if total else ""
        end = "\n" if total and done >= total else ""
        print(f"\r{what:<40} {share}", end=end, file=sys.stderr, flush=True)
    return Progress(report=show)


def export_command(args) -> int:
    from ketdir.app import open_directory
    from ketdir.app.exports import export_directory

    directory = open_directory(args.db)
    try:
        done = export_directory(directory, args.path, args.format, validate=args.validate)
    finally:
        directory.close()
    print(done.summary())
    if done.validated:
        problems = done.schema_problems
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
