"""What a client asked for, read from the query string into plain values, or BadInput (400) saying what is wrong.

Nothing here reaches SQL as text: values become bound parameters, numbers, dates or booleans; text is
length-limited and refused when it holds control characters (PostgreSQL cannot even compare a NUL).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ketdir.api.pages import PageRequest
from ketdir.geo import Place, default_gazetteer
from ketdir.problems import BadInput

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500  # fully nested services are a few kB each: 500 is a page of about a megabyte
MINIMAL_MAX_PER_PAGE = 10_000  # `minimal` answers id and date only, "all services within one call" if it can
MAX_PAGE = 1_000_000
MAX_TEXT = 200
MAX_ID = 64  # the directory's ids are at most this long: anything longer cannot be one
MAX_PROXIMITY_M = 1_000_000.0  # further than the length of the UK is no filter at all
TRUE = ("true", "1", "yes")
FALSE = ("false", "0", "no")
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}")


@dataclass(frozen=True)
class Near:
    """A place to measure from, and how far from it (metres; None: any distance, nearest first)."""

    place: Place
    within_m: float | None


@dataclass(frozen=True)
class ListQuery:
    page: PageRequest
    search: str = ""
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    parent_id: str | None = None
    modified_after: dt.datetime | None = None  # naive UTC, as the directory keeps times
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    top_only: bool = False
    near: Near | None = None


def list_query(params: Mapping[str, str]) -> ListQuery:
    """Every parameter the Open Referral UK profile lists, for any list endpoint (each uses those it has)."""
    _format(params)
    minimal = flag(params, "minimal")
    return ListQuery(
        page=page_request(params, minimal=minimal),
        search=text(params, "search") or "",
        taxonomy_term_id=identifier(params, "taxonomy_term_id"),
        taxonomy_id=identifier(params, "taxonomy_id"),
        organization_id=identifier(params, "organization_id"),
        parent_id=identifier(params, "parent_id"),
        modified_after=moment(params, "modified_after"),
        minimal=minimal,
        full=flag(params, "full"),
        full_service=flag(params, "full_service"),
        top_only=flag(params, "top_only"),
        near=near(params),
    )


def page_request(params: Mapping[str, str], *, minimal: bool = False) -> PageRequest:
    ceiling = MINIMAL_MAX_PER_PAGE if minimal else MAX_PER_PAGE
    page = whole_number(params, "page", 1, 1, MAX_PAGE)
    per_page = whole_number(params, "per_page", ceiling if minimal else DEFAULT_PER_PAGE, 1, ceiling)
    return PageRequest(page, per_page)


def whole_number(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if not WHOLE_NUMBER.fullmatch(value):
        raise BadInput(f"{name} must be a whole number from {low:,} to {high:,} (it was “{_shown(raw)}”).")
    number = int(value)
    if not low <= number <= high:
        raise BadInput(f"{name} must be from {low:,} to {high:,} (it was {number:,}).")
    return number


def flag(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadInput(f"{name} must be true or false (it was “{_shown(raw)}”).")


def text(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    if len(raw) > MAX_TEXT:
        raise BadInput(f"{name} is too long: at most {MAX_TEXT} characters.")
    if any(ord(c) < 32 or c == "\x7f" for c in raw):
        raise BadInput(f"{name} has control characters in it; send plain text.")
    return raw.strip()


def identifier(params: Mapping[str, str], name: str) -> str | None:
    value = text(params, name)
    if not value:
        return None
    if len(value) > MAX_ID:
        raise BadInput(f"{name} is not an id of this directory: ids are at most {MAX_ID} characters.")
    return value


def is_possible_id(value: str) -> bool:
    """Could this be an id of the directory? (Anything else is simply not found, without asking the database.)"""
    return 0 < len(value) <= MAX_ID and not any(ord(c) < 32 or c == "\x7f" for c in value)


def moment(params: Mapping[str, str], name: str) -> dt.datetime | None:
    """An ISO 8601 date or date and time (with or without a zone; none means UTC), as naive UTC."""
    value = text(params, name)
    if not value:
        return None
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        when = dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name} must be a date or a date and time, such as 2026-11-30 or 2026-11-30T09:00:00Z "
                       f"(it was “{_shown(value)}”).") from None
    if when.tzinfo is not None:
        try:
            when = when.astimezone(dt.timezone.utc)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC moment there is
            raise BadInput(f"{name} is out of range (it was “{_shown(value)}”).") from None
    return when.replace(tzinfo=None)


def near(params: Mapping[str, str]) -> Near | None:
    """`postcode` (a postcode, district, town or "lat,lon", found offline) and `proximity` in metres."""
    where = text(params, "postcode")
    raw = params.get("proximity")
    within = None
    if raw not in (None, ""):
        try:
            within = float(raw)
        except ValueError:
            within = math.nan
        if not (math.isfinite(within) and 0 < within <= MAX_PROXIMITY_M):
            raise BadInput(f"proximity must be a distance in metres, more than 0 and at most {MAX_PROXIMITY_M:,.0f} "
                           f"(it was “{_shown(raw)}”).")
    if not where:
        if within is not None:
            raise BadInput("proximity needs a postcode to measure from: add postcode=…")
        return None
    resolution = default_gazetteer().resolve(where)
    if resolution.place is None:
        if resolution.choices:
            names = "; ".join(p.label for p in resolution.choices[:5])
            raise BadInput(f"“{_shown(where)}” could be more than one place ({names}). Send a postcode, a district "
                           "such as SE1, or lat,lon.")
        raise BadInput(resolution.message or f"“{_shown(where)}” was not found. Send a UK postcode, a district "
                       "such as SE1, or lat,lon.")
    return Near(resolution.place, within)


def _format(params: Mapping[str, str]) -> None:
    value = (params.get("format") or "json").strip().lower()
    if value != "json":
        raise BadInput(f"format “{_shown(value)}” is not offered here: this API answers in json only.")


def _shown(value: str) -> str:
    cleaned = "".join(c if c.isprintable() else "?" for c in value)
    return cleaned if len(cleaned) <= 40 else cleaned[:37] + "…"
