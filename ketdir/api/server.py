"""Run the API under uvicorn: one process, or several worker processes for a busy server.

The port is bound here first, so a port already in use is a clear message rather than a log line. Worker
processes get what to publish through an environment variable (uvicorn starts them by importing
`app_from_environment`), and each opens the directory itself.
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import sys
from collections.abc import Callable

from ketdir.api.web import ServeOptions, create_app
from ketdir.app import open_directory
from ketdir.problems import BadInput, Unavailable

ENV = "KETDIR_SERVE_CONFIG"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or BadInput saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise BadInput(f"“{host}” is not an address of this computer ({exc}). Use 127.0.0.1 for this computer "
                       "only, or 0.0.0.0 for every network it is on.") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise Unavailable(f"Port {port} on {host} is already in use by another program. Stop it, or choose "
                              "another port with --port.") from None
        raise Unavailable(f"Cannot listen on {host} port {port}: {exc.strerror}. Choose another port (1024 or "
                          "above needs no special rights) or address.") from None
    return sock


def serve(db: str | None, host: str, port: int, options: ServeOptions, *, workers: int = 1,
          access_log: bool = False, say: Callable[[str], None] = print) -> None:
    """Publish the directory at `db` until stopped (Ctrl+C, or SIGTERM). Raises Unavailable or BadInput before
    listening; `say` gets what to tell the person (where it listens; that it stopped)."""
    directory = open_directory(db, ping_connections=False)  # here first, so a directory that cannot be used is said before listening
    sock = bind(host, port)
    shown = f"http://{'[' + host + ']' if ':' in host else host}:{sock.getsockname()[1]}/"
    say(f"Publishing {directory.display_url} as an Open Referral UK 3.0 API at {shown} (read-only). "
        + ("Demo services are included, and say so." if options.include_demo else
           "Demo services are left out (--include-demo publishes them, marked).")
        + " Stop with Ctrl+C.")
    common = dict(access_log=access_log, log_level="info" if access_log else "warning", proxy_headers=True,
                  server_header=False)
    try:
        _run(directory, sock, options, workers, common)
    except KeyboardInterrupt:  # uvicorn has shut down gracefully, then passes the signal on
        pass
    finally:
        sock.close()
        directory.close()
    say("Stopped.")


def _run(directory, sock: socket.socket, options: ServeOptions, workers: int, common: dict) -> None:
    import uvicorn

    _short_turns()
    if workers <= 1:
        config = uvicorn.Config(create_app(directory, options), **common)
        uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    os.environ[ENV] = json.dumps({"db": directory.url, "options": dataclasses.asdict(options)})
    config = uvicorn.Config("ketdir.api.server:app_from_environment", factory=True, workers=workers, **common)
    Multiprocess(config, sockets=[sock]).run()


def _short_turns() -> None:
    """Requests run on threads that take turns holding Python's lock: by default a thread keeps it for 5 ms, so a
    one-service request waits behind a search; 1 ms turns keep the short ones short."""
    sys.setswitchinterval(0.001)


def app_from_environment():
    """The app of one worker process (uvicorn's factory), from what `serve` put in the environment."""
    _short_turns()
    config = json.loads(os.environ[ENV])
    options = config["options"]
    options["cors_origins"] = tuple(options["cors_origins"])
    return create_app(open_directory(config["db"], ping_connections=False), ServeOptions(**options))
