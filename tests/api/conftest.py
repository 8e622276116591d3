"""The test directory published on each backend, a client for it, and a real server on loopback."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests import backends
from tests.api.api_data import build_published
from tests.api.servers import app_client, live_server


@pytest.fixture(scope="session", params=backends.BACKENDS)
def published_url(request, tmp_path_factory) -> Iterator[str]:
    """The test directory (tests/api/api_data.py), built once per backend; tests only read it."""
    with backends.database_url(request.param, tmp_path_factory.mktemp(f"api-{request.param}")) as url:
        build_published(url)
        yield url


@pytest.fixture(scope="session")
def client(published_url) -> Iterator[TestClient]:
    with app_client(published_url) as c:
        yield c


@pytest.fixture(scope="session")
def server_url(published_url) -> Iterator[str]:
    with live_server(published_url) as url:
        yield url
