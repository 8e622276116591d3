"""Running `ketdir` as a person does, in a subprocess: a command to the end, or `serve` in the background."""
from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ketdir(*args: str) -> list[str]:
    return [sys.executable, "-c", "from ketdir.cli import entry_point; entry_point()", *args]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(ketdir(*args), capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10) -> dict:
    """The JSON at url, waiting up to `timeout` seconds for a server that is starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def serving(db: str, *args: str) -> Iterator[tuple[str, str]]:
    """`ketdir --db DB serve --port FREE ...` in the background: (its base URL, the line it printed first).
    Stopped with Ctrl+C (SIGINT) afterwards, and checked to have stopped cleanly."""
    port = free_port()
    process = subprocess.Popen(ketdir("--db", db, "serve", "--port", str(port), *args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = process.stdout.readline()
        url = f"http://127.0.0.1:{port}/"
        if process.poll() is None:
            get(url)
        yield url, line
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in err, err
