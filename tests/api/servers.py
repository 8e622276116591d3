"""The API in tests: a Starlette test client, or the app under uvicorn on a free loopback port."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from starlette.testclient import TestClient

from ketdir.api.server import bind
from ketdir.api.web import ServeOptions, create_app
from ketdir.store.engine import open_directory


@contextlib.contextmanager
def app_client(url: str, options: ServeOptions = ServeOptions()) -> Iterator[TestClient]:
    directory = open_directory(url)
    try:
        with TestClient(create_app(directory, options), base_url="http://testserver") as client:
            yield client
    finally:
        directory.close()


@contextlib.contextmanager
def live_server(url: str, options: ServeOptions = ServeOptions()) -> Iterator[str]:
    """`create_app` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    directory = open_directory(url)
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(directory, options), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        directory.close()
