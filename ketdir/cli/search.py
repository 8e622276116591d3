"""`ketdir search`, `needs`, `harm` and `build-db`: finding things, and making the bundled directory."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ketdir.paths import bundled_db
from ketdir.problems import BadInput as UsageProblem


def register(sub) -> None:
    s = sub.add_parser("search", help="search the directory")
    s.add_argument("text", nargs="?", default="", help="what the person needs, e.g. \"ket bladder\"")
    s.add_argument("--need", action="append", help="need type code (repeat or comma-separate); see `ketdir needs`")
    s.add_argument("--near", help="postcode, district, town or \"lat,lon\"")
    s.add_argument("--radius", default="10", help="miles (default 10; 0 = no limit)")
    s.add_argument("--open-now", action="store_true", help="only services open now (or at --at)")
    s.add_argument("--at", help="date and time for --open-now and opening times, e.g. \"2026-12-25 10:00\"")
    s.add_argument("--age", help="the person's age")
    s.add_argument("--free", action="store_true", help="only free services")
    s.add_argument("--no-national", action="store_true", help="leave out national and regional lines")
    s.add_argument("--limit", default="20", help="at most this many results (default 20)")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(handler=_search)

    n = sub.add_parser("needs", help="list the need types")
    n.set_defaults(handler=lambda _args: _list_needs())
    h = sub.add_parser("harm", help="print harm-information topics as text")
    h.add_argument("topic", nargs="?", help="a topic id, or words to search for (e.g. \"ket cramps\"); none lists the topics")
    h.add_argument("--need", action="append", help="topics for this need type (repeat or comma-separate)")
    h.set_defaults(handler=_harm)
    b = sub.add_parser("build-db", help="build resources.db from the text sources in data/")
    b.add_argument("--output", type=Path, default=None, help="where to write (default: the bundled resources.db)")
    b.set_defaults(handler=_build)


def _parse_at(value: str | None) -> dt.datetime | None:
    from ketdir.cli import options

    return options.moment("--at", value)


def _needs(values: list[str] | None) -> frozenset[str]:
    from ketdir.needs import need_types

    codes = set()
    known = need_types()
    for value in values or []:
        for code in value.split(","):
            code = code.strip().lower()
            if not code:
                continue
            if known.get(code) is None:
                raise UsageProblem(f"unknown need type “{code}”; choose from: {', '.join(known.codes)}")
            codes.add(code)
    return frozenset(codes)


def _list_needs() -> int:
    from ketdir.needs import need_types

    for need in need_types().all:
        print(f"{need.code:<16} {need.label} — {need.description}")
    return 0


def _harm(args) -> int:
    from ketdir.harm.library import load_library, topic_as_text

    library = load_library()
    if args.need:
        topics = library.for_needs(_needs(args.need))
    elif args.topic:
        exact = library.get(args.topic.strip().lower())
        topics = [exact] if exact else library.search(args.topic)[:1]
        if not topics:
            ids = ", ".join(t.id for t in library.topics)
            raise UsageProblem(f"no harm topic matches “{args.topic}”; topics are: {ids}")
    else:
        for topic in library.topics:
            print(f"{topic.id:<26} {topic.title}")
        print("\nShow one with: ketdir harm TOPIC   (or words, e.g. ketdir harm \"ket cramps\")")
        return 0
    print("\n\n".join(topic_as_text(t) for t in topics))
    return 0


def _build(args) -> int:
    from ketdir.store.build import build_database

    target = args.output or (Path(args.db) if args.db and "://" not in args.db else bundled_db())
    report = build_database(target)
    print(
        f"Built {report.path}: {report.services} services ({report.national} national lines, "
        f"{report.demo} demo training records). Sources hash {report.content_hash[:12]}."
    )
    return 0


def _search(args) -> int:
    from ketdir.search import Query, search
    from ketdir.search.render import results_as_dict, results_as_text
    from ketdir.store.engine import open_directory

    from ketdir.cli import options

    radius = options.miles(args.radius)
    limit = options.whole("--limit", args.limit, 1, 10000, "a number of results")
    query = Query(
        text=args.text or "",
        needs=_needs(args.need),
        near=args.near,
        radius_miles=None if radius == 0 else radius,
        open_now=args.open_now,
        at=_parse_at(args.at),
        include_national=not args.no_national,
        age=options.age(args.age),
        free_only=args.free,
        limit=limit,
    )
    directory = open_directory(args.db)
    try:
        with directory.session() as session:
            results = search(session, query)
    finally:
        directory.close()
    if args.json:
        print(json.dumps(results_as_dict(results), indent=2, ensure_ascii=False))
    else:
        print(results_as_text(results))
    if results.place_choices or results.place_message:
        return 2
    return 0
