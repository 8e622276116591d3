"""`ketdir verify`, `ketdir retire` and `ketdir history`: stewardship from the command line.

    ketdir verify SERVICE_ID --editor NAME [--today YYYY-MM-DD]
    ketdir retire SERVICE_ID --editor NAME --reason TEXT
    ketdir history SERVICE_ID

The editor's name defaults to $KETDIR_EDITOR. Exit status: 0 done, 1 the database could not be used or
the change could not be made, 2 bad input.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os

from ketdir.problems import BadInput as UsageProblem


def register(subparsers) -> None:
    v = subparsers.add_parser("verify", help="record that a person checked a service today (sets its assured date)")
    v.add_argument("service_id", help="the service's id (ketdir search --json shows ids)")
    v.add_argument("--editor", help="your name, for the change history (default: $KETDIR_EDITOR)")
    v.add_argument("--today", metavar="YYYY-MM-DD", help="the date it was checked (default: today)")
    v.set_defaults(handler=_verify)

    r = subparsers.add_parser("retire", help="retire a service (status inactive): it leaves search, keeps its history")
    r.add_argument("service_id")
    r.add_argument("--editor", help="your name, for the change history (default: $KETDIR_EDITOR)")
    r.add_argument("--reason", required=True, help="why, e.g. \"closed in March 2026\"")
    r.set_defaults(handler=_retire)

    h = subparsers.add_parser("history", help="show a service's change history")
    h.add_argument("service_id")
    h.set_defaults(handler=_history)


def _editor(args) -> str:
    editor = (args.editor or os.environ.get("KETDIR_EDITOR") or "").strip()
    if not editor:
        raise UsageProblem("say who you are with --editor NAME (or set KETDIR_EDITOR), for the change history")
    return editor


def _on_directory(args, work):
    from ketdir.app import open_directory

    directory = open_directory(args.db)
    try:
        return work(directory)
    finally:
        directory.close()


def _verify(args: argparse.Namespace) -> int:
    from ketdir.app.editing import mark_verified

    editor = _editor(args)
    try:
        today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    except ValueError:
        raise UsageProblem(f"--today “{args.today}” is not a date; use YYYY-MM-DD") from None
    saved = _on_directory(args, lambda directory: mark_verified(directory, args.service_id, editor, today))
    print(f"Marked “{saved.draft.name}” verified on {today.isoformat()} by {editor}.")
    return 0


def _retire(args: argparse.Namespace) -> int:
    from ketdir.app.editing import retire_service

    editor = _editor(args)
    saved = _on_directory(args, lambda directory: retire_service(directory, args.service_id, editor, args.reason))
    print(f"Retired “{saved.draft.name}”. It no longer appears in search.")
    return 0


def _history(args: argparse.Namespace) -> int:
    from ketdir.app.editing import service_history

    found = _on_directory(args, lambda directory: service_history(directory, args.service_id))
    if not found.entries:
        print(f"No recorded changes to “{found.name}”.")
        return 0
    print(f"Changes to “{found.name}”, newest first:")
    for e in found.entries:
        change = f"{e.field_label}: {e.old_value or '(empty)'} → {e.new_value or '(empty)'}" if e.field else ""
        print(f"  {e.when:<26} {e.editor:<20} {e.action_label:<16} {change}")
    return 0
