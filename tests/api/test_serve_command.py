"""`ketdir serve` as a person runs it: it says what it publishes and where, answers, stops on Ctrl+C; a port in
use or a directory that cannot be used is a clear message before anything listens; CORS when asked for."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ketdir.api.server import bind
from ketdir.api.web import ServeOptions
from tests.api.conftest import app_client

ROOT = Path(__file__).resolve().parents[2]


def ketdir(*args: str) -> list[str]:
    return [sys.executable, "-c", "from ketdir.cli import entry_point; entry_point()", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: str, *args: str) -> tuple[subprocess.Popen, str]:
    """`ketdir --db DB serve ...` in the background; returns the process and the line it printed first."""
    process = subprocess.Popen(ketdir("--db", db, "serve", *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT)
    line = process.stdout.readline()
    return process, line


def get(url: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_serve_publishes_says_where_and_stops_on_ctrl_c(published_url):
    port = free_port()
    process, line = start(published_url, "--port", str(port))
    try:
        assert f"http://127.0.0.1:{port}/" in line and "read-only" in line and "Demo services are left out" in line
        about = get(f"http://127.0.0.1:{port}/")
        assert about["version"] == "HSDS-UK-3.0"
        assert get(about["openapi_url"])["info"]["version"] == "HSDS-UK-3.0"
        assert get(f"http://127.0.0.1:{port}/services")["total_items"] > 0
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_a_port_in_use_and_a_missing_directory_are_clear_messages(published_url, tmp_path):
    taken = bind("127.0.0.1", 0)
    try:
        port = str(taken.getsockname()[1])
        result = subprocess.run(ketdir("--db", published_url, "serve", "--port", port), capture_output=True,
                                text=True, timeout=60, cwd=ROOT)
    finally:
        taken.close()
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr and "Traceback" not in result.stderr
    missing = subprocess.run(ketdir("--db", str(tmp_path / "nothing.db"), "serve"), capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
    assert missing.returncode == 1 and "There is no database at" in missing.stderr
    bad = subprocess.run(ketdir("--db", published_url, "serve", "--public-url", "directory.example.org"),
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
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
