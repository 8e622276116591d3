"""`ketdir check`: the data-health report on the command line.

    ketdir check [--stale-months N] [--csv FILE] [--only CHECK[,CHECK]] [--today YYYY-MM-DD]

Findings are a report, not a failure: the exit status is 0 whenever the checks ran, 1 when the
database (or the CSV file) could not be used, 2 for bad options.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from ketdir.freshness import DEFAULT_STALE_MONTHS
from ketdir.health.model import CHECKS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check",
        help="data health: stale records, bad phone numbers and postcodes, duplicates ...",
        description="Check the directory's data and report what needs fixing. Checks: "
        + "; ".join(f"{c.code} ({c.label.lower()})" for c in CHECKS) + ".",
    )
    p.add_argument("--stale-months", type=int, default=DEFAULT_STALE_MONTHS, metavar="N",
                   help=f"a record no person has checked for N months is stale (default {DEFAULT_STALE_MONTHS})")
    p.add_argument("--csv", metavar="FILE", help="write every finding to this CSV file (- for standard output)")
    p.add_argument("--only", action="append", metavar="CHECK",
                   help="run only this check (repeat or comma-separate): " + ", ".join(c.code for c in CHECKS))
    p.add_argument("--today", metavar="YYYY-MM-DD", help="check as of this date (default: today)")
    p.add_argument("--summary", action="store_true", help="print only the summary counts, not the table")
    p.set_defaults(handler=run_check_command)


def _today(value: str | None) -> dt.date:
    from ketdir.problems import BadInput as UsageProblem

    if not value:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageProblem(f"--today “{value}” is not a date; use YYYY-MM-DD, e.g. --today 2026-11-25") from None
    from ketdir.app.health import EARLIEST_DAY

    if day < EARLIEST_DAY:
        raise UsageProblem(f"--today {day.isoformat()} is too long ago; give a date from {EARLIEST_DAY.year} on "
                           "(or leave it out for today)")
    return day


def run_check_command(args: argparse.Namespace) -> int:
    from ketdir.app import open_directory
    from ketdir.app.health import checks_to_run, run_health
    from ketdir.freshness import MAX_STALE_MONTHS
    from ketdir.health.output import report_summary, report_table, write_csv
    from ketdir.problems import BadInput as UsageProblem

    if args.stale_months is None or not 1 <= args.stale_months <= MAX_STALE_MONTHS:
        raise UsageProblem(f"--stale-months must be a whole number of months from 1 to {MAX_STALE_MONTHS:,} "
                           "(100 years)")
    today = _today(args.today)
    only = checks_to_run(args.only)

    directory = open_directory(args.db)
    try:
        report = run_health(directory, today=today, stale_months=args.stale_months, only=only)
    finally:
        directory.close()

    if args.csv == "-":
        write_csv(report.findings, sys.stdout)
        print(report_summary(report), file=sys.stderr)
        return 0
    if args.csv:
        try:
            count = write_csv(report.findings, args.csv)
        except OSError as exc:
            print(f"ketdir: could not write {args.csv}: {exc.strerror or exc}. Choose another file or folder; "
                  "nothing was written.", file=sys.stderr)
            return 1
        print(f"Wrote {count:,} finding{'s' if count != 1 else ''} to {args.csv}.")
    elif not args.summary and report.findings:
        print(report_table(report.findings))
        print()
    print(report_summary(report))
    return 0
