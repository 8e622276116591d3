"""Read a published Open Referral UK 3.0 API (HSDS-UK 3.0) into a Dataset, as the other readers read files.

The services come fully nested from `/services?full=true`, page after page (or one by one from
`/services/{id}` when the server does not nest its lists), and are flattened by the HSDS JSON reader's own
`Flattener`. The import that follows is the usual one: validated, then one transaction.

A later read of the same API can be incremental: given when this source was last imported and which services
it gave then, it asks `/services?minimal=true` for every service still published and
`/services?full=true&modified_after=…` for those changed since; the rest are marked unchanged
(`Dataset.unchanged_ids`), so the import neither rewrites nor retires them, and retires only what the publisher
no longer lists. A server that ignores `modified_after` (it answers services older than asked for) is read in
full instead.

Anything that stops a complete read (no network, a timeout, a web page where JSON should be, a page cut off, pages
that disagree) raises FeedProblem with a message for people: the import never starts on half a feed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ketdir.interop.dataset import WARNING, Dataset, Problem, Where
from ketdir.interop.read_json import HSDS3, Flattener
from ketdir.problems import Unavailable

PER_PAGE = 100
MAX_PAGES = 100_000
MAX_BYTES = 64 * 1024 * 1024  # one answer larger than this is not a page of services
TIMEOUT_S = 30.0
SINCE_MARGIN = dt.timedelta(hours=1)  # re-read a little before the last import: clocks and slow publishers
ONE_BY_ONE_LIMIT = 50  # more new services than this in an incremental read: read everything instead
NESTED_KEYS = ("service_at_locations", "schedules", "contacts", "phones", "attributes", "service_areas",
               "languages", "cost_options")
USER_AGENT = "ketdir (Open Referral UK import)"


class FeedProblem(Unavailable):
    """The published API could not be read completely; nothing was changed."""

    title = "The directory could not be read"


class _Status(FeedProblem):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    url: str


Fetch = Callable[[str], Answer]


class Steps(Protocol):
    """What the reader reports to (ketdir.app.Progress fits): step() raises Cancelled when the person stopped."""

    def step(self, what: str, done: int = 0, total: int = 0) -> None: ...


class _Quiet:
    def step(self, what: str, done: int = 0, total: int = 0) -> None:
        return None


def base_url(url: str) -> str:
    """The API's base URL from what a person pasted: no query, no trailing /services, one trailing slash."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedProblem(f"“{url}” is not the address of an API. Give its base address, such as "
                          "https://directory.example.org/api.")
    path = parts.path.rstrip("/")
    for tail in ("/services", "/openapi.json"):
        if path.endswith(tail):
            path = path[: -len(tail)]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def looks_like_url(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://"))


def http_fetch(timeout_s: float = TIMEOUT_S) -> Fetch:
    """GET with a timeout, following redirects; every failure a FeedProblem that says what to do."""
    def fetch(url: str) -> Answer:
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        host = urllib.parse.urlsplit(url).netloc
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                body = response.read(MAX_BYTES + 1)
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and len(body) < int(length):
                    raise http.client.IncompleteRead(body, int(length) - len(body))
                return Answer(response.status, response.headers.get("Content-Type", ""), body, response.geturl())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.headers.get("Content-Type", "") if exc.headers else "",
                          exc.read(MAX_BYTES + 1), url)
        except (TimeoutError, socket.timeout):
            raise FeedProblem(f"{host} did not answer within {timeout_s:.0f} seconds. Try again later; nothing "
                              "was changed.") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise FeedProblem(f"{host} did not answer within {timeout_s:.0f} seconds. Try again later; "
                                  "nothing was changed.") from None
            if isinstance(reason, socket.gaierror):
                raise FeedProblem(f"{host} could not be found. Check the address and your internet connection; "
                                  "nothing was changed.") from None
            raise FeedProblem(f"Could not connect to {host} ({getattr(reason, 'strerror', None) or reason}). Check "
                              "the address and your internet connection; nothing was changed.") from None
        except (OSError, http.client.HTTPException) as exc:  # the connection dropped part way through an answer
            detail = getattr(exc, "strerror", None) or type(exc).__name__
            raise FeedProblem(f"The connection to {host} broke off part way through an answer ({detail}). Try "
                              "again; nothing was changed.") from None
    return fetch


class _Client:
    def __init__(self, base: str, fetch: Fetch):
        self.base = base
        self.fetch = fetch

    def url(self, path: str, **params: Any) -> str:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return urllib.parse.urljoin(self.base, path.lstrip("/")) + (f"?{query}" if query else "")

    def get(self, path: str, **params: Any) -> Any:
        """The JSON at path (a dict or list), or FeedProblem."""
        url = self.url(path, **params)
        answer = self.fetch(url)
        shown = url if len(url) <= 120 else url[:117] + "…"
        if answer.status >= 400:
            raise _Status(_refusal(shown, answer.status), answer.status)
        if len(answer.body) > MAX_BYTES:
            raise FeedProblem(f"{shown} answered with more than {MAX_BYTES // 2**20} MB at once; that is not a page "
                              "of an Open Referral API. Nothing was changed.")
        text = answer.body.decode("utf-8-sig", errors="replace")
        start = text.lstrip()[:1]
        if "html" in answer.content_type.lower() or start == "<":
            raise FeedProblem(f"{shown} answered with a web page, not the API's JSON. Check the address: it should "
                              "be the API's own base address (its / answers with version, profile and "
                              "openapi_url), not a website. Nothing was changed.")
        try:
            return json.loads(text)
        except RecursionError:
            raise FeedProblem(f"The answer from {shown} is nested too deeply to be a page of services. Nothing was "
                              "changed.") from None
        except json.JSONDecodeError as exc:
            cut = exc.msg.startswith("Unterminated") or exc.pos >= len(text.rstrip()) - 1  # ends too early
            raise FeedProblem(f"The answer from {shown} " + ("was cut off part way" if cut else
                              f"is not valid JSON ({exc.msg} at character {exc.pos:,})")
                              + ". Try again later; nothing was changed.") from None


def _refusal(shown: str, status: int) -> str:
    if status == 404:
        return (f"{shown} was not found (404). Check that the address is the API's base address, such as "
                "https://directory.example.org/api; nothing was changed.")
    if status in (401, 403):
        return (f"{shown} refused to answer ({status}): this API needs permission or a key that ketdir does not "
                "have. Ask its publisher; nothing was changed.")
    if status == 429:
        return f"{shown} asked us to slow down (429). Try again later; nothing was changed."
    if status >= 500:
        return f"The server at {shown} had an error ({status}). Try again later; nothing was changed."
    return f"{shown} refused the request ({status}). Nothing was changed."


def _field(page: dict, *names: str) -> Any:
    for name in names:
        if name in page:
            return page[name]
    return None


def _pages(client: _Client, what: str, steps: Steps, **params: Any) -> Iterator[tuple[int, list[dict]]]:
    """(page number, items) of every page of a list, checking the pages agree; FeedProblem when they do not."""
    number, seen, total = 1, 0, None
    while number <= MAX_PAGES:
        try:
            page = client.get("/services", page=number, **params)
        except _Status as exc:
            if exc.status != 400 or number != 1 or "per_page" not in params:
                raise
            params = {k: v for k, v in params.items() if k != "per_page"}  # its pages are smaller: its own size
            continue
        if not isinstance(page, dict) or not isinstance(_field(page, "contents", "content"), list):
            raise FeedProblem(f"Page {number} of {client.url('/services')} is not a page of services (it has no "
                              "“contents” list). Is this an Open Referral UK 3.0 API? Nothing was changed.")
        items = _field(page, "contents", "content")
        page_total = _field(page, "total_items", "totalElements")
        pages = _field(page, "total_pages", "totalPages")
        if not isinstance(page_total, int) or not isinstance(pages, int):
            raise FeedProblem(f"Page {number} of {client.url('/services')} does not say how many services there "
                              "are (total_items, total_pages). Nothing was changed.")
        if total is None:
            total = page_total
        elif page_total != total:
            raise FeedProblem(f"The list of services changed while it was being read (page 1 said {total:,}, page "
                              f"{number} says {page_total:,}). Try again; nothing was changed.")
        if any(not isinstance(i, dict) for i in items):
            raise FeedProblem(f"Page {number} of {client.url('/services')} has entries that are not services. "
                              "Nothing was changed.")
        seen += len(items)
        steps.step(f"Reading {what}: {seen:,} of {total:,}", seen, total)
        yield number, items
        if number >= pages or not items:
            break
        number += 1
    if total is not None and seen < total:
        raise FeedProblem(f"{client.url('/services')} said it has {total:,} services but its pages gave {seen:,}. "
                          "Nothing was changed: an import of half a directory would retire the rest.")


def _is_nested(items: list[dict]) -> bool:
    return any(any(key in item for key in NESTED_KEYS) for item in items)


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def _modified(item: dict) -> dt.datetime | None:
    value = item.get("last_modified") or item.get("modified_date")
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None) if when.tzinfo else when


class _Reading:
    """One read of an API into a dataset."""

    def __init__(self, client: _Client, dataset: Dataset, steps: Steps):
        self.client = client
        self.dataset = dataset
        self.steps = steps
        self.flattener = Flattener(dataset, HSDS3, client.base)
        self.digest = hashlib.sha256()
        self.ids: list[str] = []

    def add(self, item: dict, where: str) -> None:
        item = dict(item)
        if "fees" in item:  # the Open Referral UK name of HSDS's fees_description
            fees = item.pop("fees")
            item.setdefault("fees_description", fees)
        item.pop("modified_date", None)
        self.ids.append(str(item.get("id")))
        self.digest.update(json.dumps(item, sort_keys=True, default=str).encode() + b"\n")
        self.flattener.add("service", item, Where(where, len(self.ids)))

    def everything(self) -> None:
        """Every service, fully nested: from the list when the server nests it, else one by one."""
        flat: list[str] = []
        for number, items in _pages(self.client, "services", self.steps, full="true", per_page=PER_PAGE):
            if _is_nested(items):
                for item in items:
                    self.add(item, f"services page {number}")
            else:
                flat += [str(i.get("id")) for i in items if i.get("id") is not None]
        if flat:
            self.one_by_one(flat)

    def one_by_one(self, ids: list[str]) -> None:
        for n, service_id in enumerate(ids, start=1):
            self.steps.step(f"Reading service {n:,} of {len(ids):,}", n, len(ids))
            item = self.client.get(f"/services/{urllib.parse.quote(service_id, safe='')}")
            if not isinstance(item, dict):
                raise FeedProblem(f"{self.client.url('/services/' + service_id)} is not a service. Nothing was "
                                  "changed.")
            self.add(item, f"services/{service_id}")

    def changes_since(self, since: dt.datetime, known: frozenset[str]) -> bool:
        """Only what changed since `since`: False (and nothing read) when the server cannot say what changed."""
        published: list[str] = []
        for _number, items in _pages(self.client, "the list of services", self.steps, minimal="true"):
            published += [str(i["id"]) for i in items if i.get("id") is not None]
        cutoff = since - SINCE_MARGIN
        changed: list[dict] = []
        for _number, items in _pages(self.client, "changed services", self.steps, full="true", per_page=PER_PAGE,
                                     modified_after=_iso(cutoff)):
            if items and (not _is_nested(items) or any((_modified(i) or dt.datetime.min) < cutoff for i in items)):
                return False  # modified_after or full not honoured: read everything
            changed += items
        changed_ids = {str(i.get("id")) for i in changed}
        new = [sid for sid in published if sid not in known and sid not in changed_ids]
        if len(new) > ONE_BY_ONE_LIMIT:
            return False
        for item in changed:
            self.add(item, "changed services")
        self.one_by_one(new)
        self.dataset.unchanged_ids = frozenset(published) - set(self.ids)
        self.dataset.problems.append(Problem(
            WARNING, self.client.base, None, None,
            f"only the services changed since {_iso(cutoff)} were read ({len(self.ids):,}); "
            f"{len(self.dataset.unchanged_ids):,} more are unchanged.", code="incremental"))
        return True


def _incremental(reading: _Reading, since: dt.datetime, known: frozenset[str]) -> bool:
    """Read only what changed, if the server can say: False when it cannot (then everything is read)."""
    try:
        return reading.changes_since(since, known)
    except _Status as exc:  # a server that refuses `minimal` or `modified_after` is read whole
        if exc.status in (400, 404, 422, 501):
            return False
        raise


def read_oruk_api(url: str, *, source: str | None = None, since: dt.datetime | None = None,
                  known: frozenset[str] = frozenset(), steps: Steps | None = None,
                  fetch: Fetch | None = None) -> Dataset:
    """Read the API at `url` (its base address). With `since` (the last import of this source, naive UTC) and
    `known` (the service ids it gave then), read only what changed where the server can say so."""
    base = base_url(url)
    client = _Client(base, fetch or http_fetch())
    steps = steps or _Quiet()
    steps.step(f"Asking {base}", 0, 0)
    dataset = Dataset(source=source or base, path=base, format="oruk-api")
    try:
        details = client.get("/")
    except _Status as exc:
        if exc.status != 404:
            raise
        details = None  # some publishers have no / : their services are what matters
        dataset.problems.append(Problem(WARNING, base, None, None, "this API does not describe itself at / (the "
                                        "Open Referral UK profile asks for version, profile and openapi_url there).",
                                        code="api-details"))
    version = details.get("version") if isinstance(details, dict) else None
    if details is not None and (not isinstance(version, str) or "3." not in version):
        dataset.problems.append(Problem(WARNING, base, None, "version",
                                        f"this API says it is “{version}”, not Open Referral UK 3.0 (HSDS-UK-3.0); "
                                        "it is read as 3.0.", code="api-version"))
    reading = _Reading(client, dataset, steps)
    if since is None or not known or not _incremental(reading, since, known):
        reading = _Reading(client, Dataset(source=dataset.source, path=base, format="oruk-api",
                                           problems=list(dataset.problems)), steps)
        reading.everything()
    reading.dataset.content_hash = reading.digest.hexdigest()
    return reading.dataset
