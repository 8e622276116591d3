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
import sys


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
    from ketdir.problems import BadInput as UsageProblem

    editor = (args.editor or os.environ.get("KETDIR_EDITOR") or "").strip()
    if not editor:
        raise UsageProblem("say who you are with --editor NAME (or set KETDIR_EDITOR), for the change history")
    return editor


def _run(args, change) -> int:
    from ketdir.editing.service import EditProblem
    from ketdir.store.engine import open_directory

    directory = open_directory(args.db)
    try:
        with directory.session() as session, session.begin():
            message = change(session)
    except EditProblem as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return 1
    finally:
        directory.close()
    print(message)
    return 0


def _name(session, service_id: str) -> str:
    from ketdir.store.models import Service

    service = session.get(Service, service_id)
    return service.name if service is not None else service_id


def _verify(args: argparse.Namespace) -> int:
    from ketdir.problems import BadInput as UsageProblem
    from ketdir.editing.service import mark_verified

    editor = _editor(args)
    try:
        today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    except ValueError:
        raise UsageProblem(f"--today “{args.today}” is not a date; use YYYY-MM-DD") from None

    def change(session):
        mark_verified(session, args.service_id, editor, today)
        return f"Marked “{_name(session, args.service_id)}” verified on {today.isoformat()} by {editor}."

    return _run(args, change)


def _retire(args: argparse.Namespace) -> int:
    from ketdir.editing.service import retire_service

    editor = _editor(args)

    def change(session):
        retire_service(session, args.service_id, editor, args.reason)
        return f"Retired “{_name(session, args.service_id)}”. It no longer appears in search."

    return _run(args, change)


def _history(args: argparse.Namespace) -> int:
    from ketdir.editing.history import history
    from ketdir.store.engine import open_directory
    from ketdir.store.models import Service

    directory = open_directory(args.db)
    try:
        with directory.session() as session:
            if session.get(Service, args.service_id) is None:
                print(f"ketdir: there is no service with the id {args.service_id}.", file=sys.stderr)
                return 1
            name = _name(session, args.service_id)
            entries = history(session, args.service_id)
    finally:
        directory.close()
    if not entries:
        print(f"No recorded changes to “{name}”.")
        return 0
    print(f"Changes to “{name}”, newest first:")
    for e in entries:
        change = f"{e.field_label}: {e.old_value or '(empty)'} → {e.new_value or '(empty)'}" if e.field else ""
        print(f"  {e.when:<26} {e.editor:<20} {e.action_label:<16} {change}")
    return 0
