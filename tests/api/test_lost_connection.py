"""`ketdir serve` pings no database connection before a request (a round trip each); when the server has closed
them (a restart, an idle timeout), the next requests are still answered, on new connections."""
from __future__ import annotations

import logging

import psycopg
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from ketdir.api.web import ServeOptions, create_app
from ketdir.app import open_directory
from tests.factories import build, record

RECORDS = [record("Ketamine Bladder Clinic", needs=("bladder-urology",), postcode="SE1 7AB", lat=51.501, lon=-0.091),
           record("National Ketamine Line", needs=("drug-treatment",), national=True, phone="0808 157 0001")]


def close_every_other_connection(url: str) -> int:
    """What a server restart does to the API's connections: the server ends them (pg_terminate_backend)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())


def test_requests_after_the_server_closed_the_connections_are_answered(pg_url, caplog):
    build(pg_url, RECORDS).close()
    directory = open_directory(pg_url, ping_connections=False)  # as ketdir serve opens it
    try:
        with TestClient(create_app(directory, ServeOptions())) as client:
            service_id = client.get("/services", params={"search": "bladder"}).json()["contents"][0]["id"]
            service = client.get(f"/services/{service_id}")
            search = client.get("/services", params={"search": "ketamine"})
            assert service.status_code == search.status_code == 200

            for path, before in ((f"/services/{service_id}", service), ("/services?search=ketamine", search)):
                assert close_every_other_connection(pg_url) >= 1
                with caplog.at_level(logging.WARNING, logger="ketdir.api"):
                    caplog.clear()
                    again = client.get(path)
                assert again.status_code == 200, again.text
                assert again.content == before.content
                assert "a database connection was lost" in caplog.text  # it was met, and answered again
    finally:
        directory.close()
