"""`ketdir serve`: publish the directory as an Open Referral UK 3.0 API (read-only)."""
from __future__ import annotations

from ketdir.problems import BadInput


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "serve",
        help="publish the directory as an Open Referral UK 3.0 API (read-only)",
        description="Publish the directory (--db) as an Open Referral UK 3.0 (HSDS-UK 3.0) API, read-only, for "
        "council service finders and other tools. Only public data is published: services that are not retired, "
        "without the referral log, change history or editors. Put it behind an HTTPS reverse proxy to publish it "
        "beyond this computer (docs/api.md).",
    )
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: every network)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    s.add_argument("--include-demo", action="store_true",
                   help="also publish demo (training) services, each marked as not a real service")
    s.add_argument("--cors-origin", action="append", default=[], metavar="URL",
                   help="a web page origin allowed to call the API from a browser, e.g. https://finder.example.org "
                        "(repeat for more; * allows any)")
    s.add_argument("--public-url", default="",
                   help="the address people reach the API at, when it is behind a proxy (e.g. "
                        "https://directory.example.org/api); used for openapi_url")
    s.add_argument("--title", default="ketdir directory", help="the API's title in its OpenAPI document")
    s.add_argument("--workers", type=int, default=1, help="worker processes (default 1; about one per core)")
    s.add_argument("--access-log", action="store_true",
                   help="log every request (off by default: searches and addresses of the public are not kept)")
    s.set_defaults(handler=serve_command)


def serve_command(args) -> int:
    from ketdir.api.server import serve
    from ketdir.api.web import ServeOptions

    if not 0 <= args.port <= 65535:
        raise BadInput(f"--port must be from 0 to 65535 (it was {args.port}).")
    if not 1 <= args.workers <= 64:
        raise BadInput(f"--workers must be from 1 to 64 (it was {args.workers}).")
    public_url = args.public_url.strip()
    if public_url and not public_url.startswith(("http://", "https://")):
        raise BadInput(f"--public-url must start with https:// or http:// (it was “{public_url}”).")
    options = ServeOptions(include_demo=args.include_demo, cors_origins=tuple(args.cors_origin),
                           public_url=public_url, title=args.title)
    serve(args.db, args.host, args.port, options, workers=args.workers, access_log=args.access_log,
          say=lambda line: print(line, flush=True))
    return 0
