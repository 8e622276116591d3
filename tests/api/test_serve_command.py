"""`ketdir serve` as a person runs it: it says what it publishes and where, answers, stops on Ctrl+C; a port in
use or a directory that cannot be used is a clear message before anything listens; CORS when asked for."""
from __future__ import annotations

from ketdir.api.server import bind
from ketdir.api.web import ServeOptions
from tests.api.cli_helpers import get, run, serving
from tests.api.servers import app_client


def test_serve_publishes_says_where_and_stops_on_ctrl_c(published_url):
    with serving(published_url) as (url, line):
        assert url in line and "read-only" in line and "Demo services are left out" in line
        about = get(url)
        assert about["version"] == "HSDS-UK-3.0"
        assert get(about["openapi_url"])["info"]["version"] == "HSDS-UK-3.0"
        assert get(url + "services")["total_items"] > 0


def test_a_port_in_use_and_a_missing_directory_are_clear_messages(published_url, tmp_path):
    taken = bind("127.0.0.1", 0)
    try:
        port = str(taken.getsockname()[1])
        result = run("--db", published_url, "serve", "--port", port)
    finally:
        taken.close()
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr and "Traceback" not in result.stderr
    missing = run("--db", str(tmp_path / "nothing.db"), "serve")
    assert missing.returncode == 1 and "There is no database at" in missing.stderr
    bad = run("--db", published_url, "serve", "--public-url", "directory.example.org")
    assert bad.returncode == 2 and "--public-url must start with https://" in bad.stderr


def test_behind_a_proxy_the_public_url_is_the_one_given(published_url):
    with app_client(published_url, ServeOptions(public_url="https://directory.example.org/api/")) as client:
        assert client.get("/").json()["openapi_url"] == "https://directory.example.org/api/openapi.json"
        servers = client.get("/openapi.json").json()["servers"]
        assert servers == [{"url": "https://directory.example.org/api"}]


def test_cors_only_for_the_origins_given(published_url, client):
    origin = "https://finder.example.org"
    assert "access-control-allow-origin" not in client.get("/services", headers={"Origin": origin}).headers
    with app_client(published_url, ServeOptions(cors_origins=(origin,))) as cors:
        allowed = cors.get("/services", headers={"Origin": origin})
        assert allowed.headers["access-control-allow-origin"] == origin
        preflight = cors.options("/services", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 200 and "GET" in preflight.headers["access-control-allow-methods"]
        other = cors.get("/services", headers={"Origin": "https://elsewhere.example.com"})
        assert "access-control-allow-origin" not in other.headers


def test_on_postgresql_it_needs_no_more_than_select(pg_url):
    """The API only reads: a role that may only SELECT can serve everything (docs/api.md recommends one)."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.api.api_data import build_published
    from tests.backends import pg_admin_url

    build_published(pg_url)
    role = f"ketdir_ro_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    owner = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD 'read-only'")
        with owner.connect() as conn:
            conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        reader = make_url(pg_url).set(username=role, password="read-only").render_as_string(hide_password=False)
        with app_client(reader) as client:
            for path in ("/", "/services?search=ket%20bladder", "/services?full=true", "/service_at_locations?postcode=SE1",
                         "/organizations?full_service=true", "/taxonomies", "/taxonomy_terms"):
                assert client.get(path).status_code == 200, path
    finally:
        with owner.connect() as conn:  # its grants live in the directory's database
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
        owner.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()
