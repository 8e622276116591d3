"""The test directory published on each backend, a client for it, and a real server on loopback."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from ketdir.api.server import bind
from ketdir.api.web import ServeOptions, create_app
from ketdir.store.engine import open_directory
from tests import backends
from tests.api.api_data import build_published


@pytest.fixture(scope="session", params=backends.BACKENDS)
def published_url(request, tmp_path_factory) -> Iterator[str]:
    """The test directory (tests/api/api_data.py), built once per backend; tests only read it."""
    with backends.database_url(request.param, tmp_path_factory.mktemp(f"api-{request.param}")) as url:
        build_published(url)
        yield url


@contextlib.contextmanager
def app_client(url: str, options: ServeOptions = ServeOptions()) -> Iterator[TestClient]:
    directory = open_directory(url)
    try:
        with TestClient(create_app(directory, options), base_url="http://testserver") as client:
            yield client
    finally:
        directory.close()


@pytest.fixture(scope="session")
def client(published_url) -> Iterator[TestClient]:
    with app_client(published_url) as c:
        yield c


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


@pytest.fixture(scope="session")
def server_url(published_url) -> Iterator[str]:
    with live_server(published_url) as url:
        yield url
