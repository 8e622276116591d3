"""`ketdir import` and `ketdir export`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ketdir.interop.load import FORMATS
from ketdir.interop.read_spreadsheet import ROW_CHOICES


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
    imp.add_argument("--encoding", help="encoding of CSV files, e.g. utf-8, cp1252, latin-1 (default: detect)")
    imp.add_argument("--delimiter", help="spreadsheets: the character between cells, e.g. \";\" or \"¬\" "
                     "(default: detect)")
    imp.add_argument("--rows", choices=ROW_CHOICES, default="stop",
                     help="spreadsheets: rows with problems and rows repeating a service stop the import (stop, "
                     "the default), are left out (skip), or the first of the repeats is kept (keep-first)")
    imp.add_argument("--checked-on", metavar="YYYY-MM-DD",
                     help="spreadsheets: the date a person last checked the rows, where no column says")
    imp.add_argument("--terms", type=Path, metavar="FILE",
                     help="your own need types for taxonomy terms (CSV: taxonomy,code_or_term,need)")
    imp.add_argument("--unmapped-terms", type=Path, metavar="FILE",
                     help="write the terms that map to no need type to FILE, to fill in and use with --terms")
    imp.set_defaults(handler=import_command)

    mapping = subparsers.add_parser(
        "mapping",
        help="write a starter column mapping for a spreadsheet",
        description="Guess which column of a spreadsheet holds which field and write it as a mapping file to "
        "edit and use with `ketdir import SHEET --mapping FILE` (the format is in the README).",
    )
    mapping.add_argument("sheet", type=Path, help="the spreadsheet (CSV or XLSX)")
    mapping.add_argument("--out", type=Path, help="where to write it (default: SHEET.mapping.json next to it)")
    mapping.add_argument("--encoding", help="encoding of a CSV file (default: detect)")
    mapping.add_argument("--delimiter", help="the character between cells (default: detect)")
    mapping.set_defaults(handler=mapping_command)

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

    from ketdir.cli import options as checked

    options = imports.ImportOptions(
        format=args.format, source=args.source, overwrite_conflicts=args.overwrite_conflicts,
        mapping=imports.load_mapping(args.mapping) if args.mapping is not None else None,
        encoding=_encoding(args.encoding), delimiter=_delimiter(args.delimiter), rows=args.rows,
        checked_on=checked.day("--checked-on", args.checked_on),
        terms=imports.load_terms(args.terms) if args.terms is not None else [])
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
    if args.unmapped_terms is not None:
        count = imports.write_unmapped_terms(check, args.unmapped_terms)
        print(f"Wrote {count:,} term(s) without a need type to {args.unmapped_terms}: fill in the need column "
              f"(codes: ketdir needs), then import again with --terms {args.unmapped_terms}.")
    if check.plan is None:
        print(f"{len(check.errors):,} error(s), {len(check.warnings):,} warning(s) in {args.path}. "
              "Nothing was changed.")
        for line in check.lines()[1:]:
            print(line)
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


def _encoding(name: str | None) -> str | None:
    import codecs

    from ketdir.problems import BadInput

    if not name:
        return None
    try:
        codecs.lookup(name)
    except LookupError:
        raise BadInput(f"--encoding “{name}” is not an encoding ketdir knows; use e.g. utf-8, cp1252 or latin-1.") \
            from None
    return name


def _delimiter(value: str | None) -> str | None:
    from ketdir.problems import BadInput

    if value is None:
        return None
    value = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(value, value)
    if len(value) != 1 or value in "\"\r\n":
        raise BadInput(f"--delimiter must be one character (e.g. \";\", \"|\", \"¬\" or tab), not “{value}”.")
    return value


def mapping_command(args) -> int:
    from ketdir.app import imports

    starter = imports.starter_mapping(args.sheet, encoding=_encoding(args.encoding),
                                      delimiter=_delimiter(args.delimiter))
    out = args.out or args.sheet.with_name(args.sheet.stem + ".mapping.json")
    imports.save_mapping(starter, out)
    mapping = starter.mapping
    print(f"Read {args.sheet}: {len(starter.headers)} columns, {starter.rows:,} rows"
          + (f" (delimiter {mapping.delimiter!r}, encoding {mapping.encoding})" if mapping.delimiter else "") + ".")
    for key, column in mapping.columns.items():
        print(f"  {key:<20} ← {column}")
    if starter.unused:
        print(f"Not used: {', '.join(starter.unused)}.")
    print(f"Wrote {out}. Check and edit it, then: ketdir import {args.sheet} --mapping {out}")
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
