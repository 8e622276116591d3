"""`ketdir stats`: counts from the anonymous referral log, through ketdir.app.referrals. (Moving logs between
laptops and the team server is `ketdir log export|merge`, in ketdir.cli.team.)"""
from __future__ import annotations

import datetime as dt
from pathlib import Path


def register(subparsers) -> None:
    from ketdir.referral.stats import GROUPINGS

    s = subparsers.add_parser(
        "stats", help="counts from the anonymous referral log (by need type, service, district, week)",
        description="Counts of logged referrals for a period. With no --by, prints all four tables.",
    )
    s.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2026-10-01 (default: the start)")
    s.add_argument("--to", dest="end", metavar="DATE", help="last day, included (default: no end)")
    s.add_argument("--by", choices=GROUPINGS, help="one table: need, service, district or week")
    s.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV (needs --by)")
    s.set_defaults(handler=_stats)


def _date(value: str | None, flag: str) -> dt.date | None:
    from ketdir.problems import BadInput as UsageProblem

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageProblem(f"{flag} “{value}” is not a date; use YYYY-MM-DD, e.g. {flag} 2026-10-01") from None


def _period(args) -> tuple[dt.date | None, dt.date | None]:
    from ketdir.problems import BadInput as UsageProblem

    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if start and end and start > end:
        raise UsageProblem(f"--from {start} is after --to {end}")
    return start, end


def _stats(args) -> int:
    from ketdir.app import open_directory
    from ketdir.app.referrals import all_referral_stats, referral_stats, save_stats_csv
    from ketdir.problems import BadInput as UsageProblem
    from ketdir.referral.stats import stats_as_text

    start, end = _period(args)
    if args.csv and not args.by:
        raise UsageProblem("--csv writes one table: say which with --by need|service|district|week")
    directory = open_directory(args.db)
    try:
        tables = [referral_stats(directory, args.by, start, end)] if args.by else all_referral_stats(directory, start, end)
    finally:
        directory.close()
    print("\n\n".join(stats_as_text(t) for t in tables))
    if args.csv:
        saved = save_stats_csv(tables[0], args.csv)
        print(f"\nWrote {saved.path}")
    return 0
