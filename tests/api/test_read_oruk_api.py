"""Reading a published Open Referral UK 3.0 API: canned pages (the profile's own examples), our own server, and
every way a read can fail (no network, a timeout, a web page, half a page, pages that disagree): a clear
FeedProblem, and no dataset to import."""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator

import pytest

from ketdir.interop.read_oruk_api import Answer, FeedProblem, base_url, http_fetch, read_oruk_api
from ketdir.interop.validate import validate
from ketdir.problems import Cancelled
from tests.api.api_data import ORUK, RECENT, sid

EXAMPLES = ORUK / "examples"
FULL = json.loads((EXAMPLES / "service_full.json").read_text())
DETAILS = json.loads((EXAMPLES / "api_details.json").read_text())


def page(contents: list, number: int, per_page: int, total: int) -> dict:
    pages = -(-total // per_page)
    return {"total_items": total, "total_pages": pages, "page_number": number, "size": len(contents),
            "first_page": number == 1, "last_page": number >= pages, "empty": not contents, "contents": contents}


def second_service() -> dict:
    """The example service again under new ids (a second service of the same publisher, at the same place, run by
    the same organisation, with the same taxonomy terms)."""
    shared = ("organization", "location", "taxonomy_term", "taxonomy_detail")
    renamed: dict[str, str] = {}

    def collect(node, key=""):
        if isinstance(node, dict):
            if "id" in node and key not in shared:
                renamed[node["id"]] = node["id"][:-4] + "beef"
            for k, v in node.items():
                collect(v, k)
        elif isinstance(node, list):
            for v in node:
                collect(v, key)

    collect(FULL)
    text = json.dumps(FULL)
    for old_id, new_id in renamed.items():
        text = text.replace(old_id, new_id)
    other = json.loads(text)
    other["name"] = "Community Counselling North"
    return other


class Canned:
    """A fetch that answers from a table of path?query -> (status, content type, body); counts its calls."""

    def __init__(self, answers: dict[str, tuple[int, str, bytes | dict | list]]):
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, url: str) -> Answer:
        parts = urllib.parse.urlsplit(url)
        query = "&".join(sorted(urllib.parse.unquote(q) for q in parts.query.split("&"))) if parts.query else ""
        key = parts.path.removeprefix("/api") + (f"?{query}" if query else "")
        self.asked.append(key)
        status, kind, body = self.answers.get(key, (404, "application/json", b'{"error": "no"}'))
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return Answer(status, kind, body, url)


def canned_feed(**extra) -> Canned:
    services = [FULL, second_service()]
    return Canned({
        "/": (200, "application/json", DETAILS),
        "/services?full=true&page=1&per_page=100": (200, "application/json", page(services[:1], 1, 1, 2)),
        "/services?full=true&page=2&per_page=100": (200, "application/json", page(services[1:], 2, 1, 2)),
        **extra,
    })


def test_the_profiles_example_pages_are_read_into_a_dataset():
    feed = canned_feed()
    dataset = read_oruk_api("https://council.example.org/api/services?x=1", fetch=feed)
    assert dataset.source == "https://council.example.org/api/" and dataset.format == "oruk-api"
    validate(dataset)
    assert not dataset.errors, [str(p) for p in dataset.errors]
    assert {r["name"] for r in dataset.rows("service")} == {"Community Counselling", "Community Counselling North"}
    assert dataset.rows("service")[0]["fees_description"] == "fees_description"  # ORUK's `fees`
    assert len(dataset.rows("service_at_location")) == 2 and dataset.rows("address")
    assert dataset.unchanged_ids == frozenset()


def test_a_server_that_does_not_nest_its_lists_is_read_one_service_at_a_time():
    listing = json.loads((EXAMPLES / "service_list.json").read_text())
    feed = Canned({"/": (200, "application/json", DETAILS),
                   "/services?full=true&page=1&per_page=100": (200, "application/json", listing),
                   f"/services/{FULL['id']}": (200, "application/json", FULL)})
    dataset = read_oruk_api("https://council.example.org/api", fetch=feed)
    assert f"/services/{FULL['id']}" in feed.asked
    assert dataset.rows("schedule") and dataset.rows("service")[0]["name"] == FULL["name"]


def test_a_server_that_refuses_our_page_size_is_read_at_its_own():
    feed = canned_feed(**{"/services?full=true&page=1&per_page=100": (400, "application/json", {"message": "max 20"}),
                          "/services?full=true&page=1": (200, "application/json", page([FULL], 1, 1, 2)),
                          "/services?full=true&page=2": (200, "application/json", page([second_service()], 2, 1, 2))})
    assert len(read_oruk_api("https://council.example.org/api", fetch=feed).rows("service")) == 2


@pytest.mark.parametrize("answers,says", [
    ({"/": (200, "text/html", b"<!doctype html><title>Council</title>")}, "answered with a web page"),
    ({"/": (200, "application/json", b"<html>oops</html>")}, "answered with a web page"),
    ({"/": (500, "application/json", b"{}")}, "had an error (500)"),
    ({"/": (403, "application/json", b"{}")}, "needs permission or a key"),
    ({"/services?full=true&page=2&per_page=100": (200, "application/json",
                                                   json.dumps(page([FULL], 2, 1, 2)).encode()[:-40])},
     "was cut off part way"),
    ({"/services?full=true&page=2&per_page=100": (200, "application/json", page([FULL], 2, 1, 3))},
     "changed while it was being read"),
    ({"/services?full=true&page=2&per_page=100": (200, "application/json", page([], 2, 1, 2))},
     "said it has 2 services but its pages gave 1"),
    ({"/services?full=true&page=1&per_page=100": (200, "application/json", {"services": []})},
     "is not a page of services"),
    ({"/services?full=true&page=1&per_page=100": (200, "application/json", {"contents": []})},
     "does not say how many services"),
    ({"/services?full=true&page=1&per_page=100": (404, "application/json", {})}, "was not found (404)"),
])
def test_a_feed_that_cannot_be_read_whole_is_a_clear_problem(answers, says):
    with pytest.raises(FeedProblem, match=r"(?s).*") as raised:
        read_oruk_api("https://council.example.org/api", fetch=canned_feed(**answers))
    assert says in str(raised.value) and ("Nothing was changed" in str(raised.value)
                                          or "nothing was changed" in str(raised.value))


def test_not_an_address_and_an_api_without_details_at_its_base():
    with pytest.raises(FeedProblem, match="is not the address of an API"):
        base_url("ftp://example.org/")
    feed = canned_feed()
    del feed.answers["/"]
    dataset = read_oruk_api("https://council.example.org/api", fetch=feed)
    assert [p.code for p in dataset.problems] == ["api-details"] and len(dataset.rows("service")) == 2


def test_stopping_the_read_stops_it():
    class StopAfterFirstPage:
        def step(self, what, done=0, total=0):
            if done >= 1:
                raise Cancelled("Stopped. Nothing was changed.")

    feed = canned_feed()
    with pytest.raises(Cancelled):
        read_oruk_api("https://council.example.org/api", fetch=feed, steps=StopAfterFirstPage())
    assert not any("page=2" in asked for asked in feed.asked)


# ------------------------------------------------------------------------------------------ our own server


def test_our_own_server_is_read_whole_then_only_what_changed(server_url, client):
    whole = read_oruk_api(server_url)
    validate(whole)
    assert not whole.errors
    published = {s["id"] for s in client.get("/services", params={"per_page": 500}).json()["contents"]}
    assert {r["id"] for r in whole.rows("service")} == published
    since = RECENT - dt.timedelta(minutes=10)  # the two services changed at RECENT (tests/api/api_data.py)
    later = read_oruk_api(server_url, since=since + dt.timedelta(hours=1), known=frozenset(published))
    assert {r["name"] for r in later.rows("service")} == {"Brighton Chemsex Support", "National Ketamine Line"}
    assert later.unchanged_ids == published - {sid("Brighton Chemsex Support"), sid("National Ketamine Line")}
    newer = read_oruk_api(server_url, since=since + dt.timedelta(hours=1),
                          known=frozenset(published - {sid("Leeds Counselling")}))
    assert "Leeds Counselling" in {r["name"] for r in newer.rows("service")}  # new to us, though not changed


def test_a_server_that_ignores_modified_after_is_read_whole():
    feed = canned_feed(**{
        "/services?minimal=true&page=1": (200, "application/json", page([{"id": FULL["id"]}], 1, 1, 1)),
        "/services?full=true&modified_after=2026-01-01T00:00:00Z&page=1&per_page=100":
            (200, "application/json", page([FULL], 1, 1, 1))})  # last_modified 2023: not what was asked
    dataset = read_oruk_api("https://council.example.org/api", since=dt.datetime(2026, 1, 1, 1),
                            known=frozenset({FULL["id"]}), fetch=feed)
    assert len(dataset.rows("service")) == 2 and dataset.unchanged_ids == frozenset()


# ------------------------------------------------------------------------------------------ the network


@contextlib.contextmanager
def raw_server(reply: bytes | None) -> Iterator[str]:
    """A loopback server answering every connection with `reply` as it is (None: never answering)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    held = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.recv(65536)
            if reply is None:
                held.append(conn)
                continue
            conn.sendall(reply)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def test_network_failures_are_clear_problems():
    with raw_server(None) as silent:
        with pytest.raises(FeedProblem, match="did not answer within 1 seconds"):
            read_oruk_api(silent, fetch=http_fetch(timeout_s=1))
    with raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20\r\n\r\n<html>hello</html>\r\n") as html:
        with pytest.raises(FeedProblem, match="answered with a web page"):
            read_oruk_api(html)
    body = json.dumps(DETAILS).encode()
    half = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:30]
    with raw_server(half) as cut:
        with pytest.raises(FeedProblem, match="broke off part way"):
            read_oruk_api(cut)
    with raw_server(b"") as closed:
        port = int(urllib.parse.urlsplit(closed).port)
    with pytest.raises(FeedProblem, match="Could not connect to 127.0.0.1"):
        read_oruk_api(f"http://127.0.0.1:{port}/api")
    with pytest.raises(FeedProblem, match="could not be found"):
        read_oruk_api("http://no-such-host.invalid/api")


def test_a_server_that_refuses_minimal_or_modified_after_is_read_whole():
    feed = canned_feed(**{"/services?minimal=true&page=1": (400, "application/json", {"message": "unknown minimal"})})
    dataset = read_oruk_api("https://council.example.org/api", since=dt.datetime(2026, 1, 1),
                            known=frozenset({FULL["id"]}), fetch=feed)
    assert len(dataset.rows("service")) == 2 and dataset.unchanged_ids == frozenset()
