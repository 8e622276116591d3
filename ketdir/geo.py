"""Offline place resolution: UK postcode districts, GB place names and ``lat,lon``; distances.

No Qt and no work at import time: :func:`default_gazetteer` loads the bundled tables on first use.

The data (``data/gazetteer/``) are two small CSV tables:

- ``uk_outcodes.csv``: postcode districts (outcodes) and the coordinates of their centre. Offline, a
  full postcode can only be placed at its district centre, and every label built from one says so.
- ``gb_places.csv``: GeoNames towns and districts with nation and population. Names repeat (Bangor,
  Brixton, Newport...), so a bare repeated name gives choices, largest first, never a silent guess.
"""
from __future__ import annotations

import csv
import functools
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from ketdir.paths import data_dir

NATION_NAMES = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
CROWN_DEPENDENCIES = {"GY": "Guernsey", "JE": "Jersey", "IM": "the Isle of Man"}

# A rough box around the UK, Channel Islands and Isle of Man: (min_lat, max_lat, min_lon, max_lon).
UK_BOX = (49.0, 61.0, -9.0, 2.5)
# A point further than this from every postcode district centre is not in the UK (the sea, Ireland).
MAX_MILES_FROM_DISTRICT = 30.0

EARTH_RADIUS_MILES = 3958.7613
KM_PER_MILE = 1.609344
MAX_INPUT = 200  # characters; anything longer is not a place

FULL_POSTCODE_NOTE = "Full postcodes resolve to the district centre (offline)."
PARTIAL_POSTCODE_NOTE = "Part of a postcode resolves to the district centre (offline)."
DISTRICT_NOTE = "Postcode districts resolve to the district centre (offline)."
HOW_TO = (
    "Try a town or city, a postcode (such as SE1 7TP), a postcode district (such as SE1) "
    "or coordinates (such as 51.5,-0.12)."
)

# Outward code shapes: A9, A99, AA9, AA99, A9A, AA9A. The loose one recognises what *looks* like a
# district (so "ZZ9" gets "not a known district" rather than "not found"); the strict one is the
# Royal Mail format, letters restricted by position.
OUTCODE_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?", re.ASCII)
STRICT_OUTCODE = re.compile(
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRV-Y])",
    re.ASCII,
)
INWARD = re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}", re.ASCII)
# A full UK postcode (outward + inward), spaces removed and upper-cased. GIR 0AA is not included.
POSTCODE_RE = re.compile(rf"(?P<outward>{STRICT_OUTCODE.pattern})(?P<inward>{INWARD.pattern})", re.ASCII)
# With no space, a string is a full postcode only if it ends in digit + two letters ("SE17TP"),
# so "SE17" stays the district SE17.
_FULL_SHAPE = re.compile(r"(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<inward>[0-9][A-Z]{2})", re.ASCII)
_PARTIAL_INWARD = re.compile(r"[0-9][A-Z]?", re.ASCII)

_NUM = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_LATLON = re.compile(
    rf"\(?\s*(?P<a>{_NUM})\s*°?\s*(?P<ha>[NSEW])?\s*(?:[,;/]\s*|\s+)"
    rf"(?P<b>{_NUM})\s*°?\s*(?P<hb>[NSEW])?\s*\)?",
    re.ASCII | re.IGNORECASE,
)
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_TRAILING_DISTRICT = re.compile(r"\s+district(?:\s+centre)?$", re.IGNORECASE)

# Words after a name that pick a nation: "Bangor, Wales", "Bangor NI", "Bangor (Northern Ireland)".
_NATION_WORDS = {
    "england": "ENG",
    "eng": "ENG",
    "wales": "WLS",
    "cymru": "WLS",
    "scotland": "SCT",
    "alba": "SCT",
    "northern ireland": "NIR",
    "n ireland": "NIR",
    "ni": "NIR",
    "nir": "NIR",
    "ulster": "NIR",
}
_ANY_NATION = {"uk", "gb", "united kingdom", "great britain", "britain"}
_LINK_WORDS = {"near", "in", "nr", "around", "by"}
# Everyday names that are not GeoNames names (only used when the name itself is not in the table).
_COMMON_NAMES = {"hull": "kingston upon hull"}

# Labels: a place smaller than this gets "(near X)", X being a larger town ("Vauxhall, England (near
# Liverpool)"); an anchor town must be at least this big and twice the place's size.
SMALL_PLACE = 20_000
ANCHOR_MIN = 20_000
ANCHOR_CLOSE_MILES = 15.0
ANCHOR_FAR_MILES = 30.0
# "Newcastle" is a village in Co. Down, but someone typing it may mean Newcastle upon Tyne: names that
# start with the typed name join the choices when much larger (5x, and at least this many people).
EXTENSION_MIN = 50_000
EXTENSION_FACTOR = 5

_NATION_CENTRES = {  # rough centres for "(north-west England)"-style regions, and the "central" radius
    "ENG": (52.8, -1.5, 50.0),
    "WLS": (52.35, -3.75, 20.0),
    "SCT": (56.8, -4.2, 50.0),
    "NIR": (54.65, -6.7, 15.0),
}
_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


@dataclass(frozen=True)
class Place:
    name: str  # "SE1", "Bangor", "51.5,-0.12"
    kind: str  # "postcode" | "district" | "place" | "latlon"
    latitude: float
    longitude: float
    label: str  # for people: "SE1 7TP (near SE1 district centre)", "Bangor, Wales", "SE1 district"
    nation: str | None = None  # "ENG" | "SCT" | "WLS" | "NIR" (for bank holidays)
    outcode: str | None = None  # postcode district when known, e.g. "SE1"
    population: int | None = None
    precision_note: str | None = None  # e.g. "Full postcodes resolve to the district centre (offline)."


@dataclass(frozen=True)
class Resolution:
    place: Place | None  # set when unambiguous
    choices: tuple[Place, ...] = ()  # ambiguous name: the candidates, largest population first
    message: str | None = None  # nothing matched or invalid input: what happened + what to do
    suggestions: tuple[str, ...] = ()  # close matches for unknown input; each one resolves


class GazetteerError(RuntimeError):
    """The gazetteer files are missing or unreadable (a broken installation, not a user mistake)."""


@dataclass(frozen=True, slots=True)
class _Row:
    name: str
    key: str
    nation: str
    latitude: float
    longitude: float
    population: int


# ---------------------------------------------------------------------------------------------- distances


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def miles_to_km(miles: float) -> float:
    return miles * KM_PER_MILE


def bounding_box(lat: float, lon: float, radius_miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within radius_miles (SQL prefilter)."""
    radius_miles = max(0.0, radius_miles)
    angular = radius_miles / EARTH_RADIUS_MILES
    dlat = math.degrees(angular)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90 or angular >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    # The widest longitude of a circle on the sphere (not at its centre's latitude).
    dlon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat)))))
    eps = 1e-9
    return min_lat - eps, max_lat + eps, lon - dlon - eps, lon + dlon + eps


def format_distance(miles: float) -> str:
    """ "0.4 miles (0.6 km)", "12 miles (19 km)"; one decimal under 10."""
    if miles is None or not math.isfinite(miles):
        return "distance unknown"
    if miles < 0:
        raise ValueError(f"a distance cannot be negative: {miles}")
    if miles < 0.05:
        return "less than 0.1 miles (less than 0.2 km)"

    def fmt(value: float) -> str:
        one = round(value, 1)
        return f"{one:.1f}" if one < 10 else f"{round(value):d}"

    return f"{fmt(miles)} miles ({fmt(miles_to_km(miles))} km)"


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def _compass(bearing: float) -> str:
    return _COMPASS[int((bearing + 22.5) // 45) % 8]


# ------------------------------------------------------------------------------------------ text helpers


_PLAIN = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*", re.ASCII)


def _key(text: str) -> str:
    """Comparison key for names: lower case, no accents or punctuation, "saint" -> "st"."""
    if _PLAIN.fullmatch(text) and "saint" not in text.lower():
        return text.lower()  # fast path: most names are plain words
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['’‘`´]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    if "saint" in text:
        text = re.sub(r"\bsaint\b", "st", text)
    return text


def _quote(text: str) -> str:
    """The user's text, safe and short, for a message."""
    text = "".join(c if c.isprintable() else " " for c in text).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) > 40:
        text = text[:39].rstrip() + "…"
    return f"“{text}”"


def _or_list(items: list[str]) -> str:
    """ "A, B or C"; "A; B, Wales; or C" when the items have commas of their own."""
    if len(items) <= 1:
        return "".join(items)
    if any("," in item for item in items):
        return "; ".join(items[:-1]) + ("; or " if len(items) > 2 else " or ") + items[-1]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _fmt_coord(value: float) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _outcode_sort_key(outcode: str) -> tuple:
    m = re.match(r"([A-Z]+)([0-9]+)(.*)", outcode)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else (outcode, 0, "")


# -------------------------------------------------------------------------------------- spatial index


class _PointIndex:
    """Nearest point among a fixed set, via a 0.2-degree grid (equirectangular, fine at UK scale)."""

    CELL = 0.2

    def __init__(self, points: list[tuple[float, float]]):
        self._points = points
        self._grid: dict[tuple[int, int], list[int]] = {}
        for i, (lat, lon) in enumerate(points):
            self._grid.setdefault(self._cell(lat, lon), []).append(i)
        cells = list(self._grid) or [(0, 0)]
        self._bounds = (min(c[0] for c in cells), max(c[0] for c in cells), min(c[1] for c in cells), max(c[1] for c in cells))

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self.CELL), math.floor(lon / self.CELL)

    def nearest(self, lat: float, lon: float) -> int | None:
        if not self._points:
            return None
        ci, cj = self._cell(lat, lon)
        coslat = max(0.01, math.cos(math.radians(lat)))
        min_i, max_i, min_j, max_j = self._bounds
        if not (min_i <= ci <= max_i and min_j <= cj <= max_j):  # far outside the data: just scan
            return min(range(len(self._points)), key=lambda k: distance_miles(lat, lon, *self._points[k]))
        best, best_d2 = None, math.inf
        for r in range(max(max_i - min_i, max_j - min_j) + 1):
            for i in range(ci - r, ci + r + 1):
                edge = i in (ci - r, ci + r)
                js = range(cj - r, cj + r + 1) if edge else (cj - r, cj + r)
                for j in js:
                    for idx in self._grid.get((i, j), ()):
                        plat, plon = self._points[idx]
                        d2 = (plat - lat) ** 2 + ((plon - lon) * coslat) ** 2
                        if d2 < best_d2:
                            best, best_d2 = idx, d2
            # Anything outside ring r is at least r cells away in both directions.
            if best is not None and math.sqrt(best_d2) <= r * self.CELL * coslat:
                break
        return best


# ------------------------------------------------------------------------------------------- gazetteer


class Gazetteer:
    """Postcode districts and GB places, loaded once; resolution is pure and never raises."""

    def __init__(self, places: list[_Row], outcodes: dict[str, tuple[float, float]]):
        self._rows = places
        self._outcodes = outcodes
        by_key: dict[str, list[int]] = {}
        for i, row in enumerate(places):
            by_key.setdefault(row.key, []).append(i)
        for ids in by_key.values():
            ids.sort(key=lambda i: -places[i].population)
        self._by_key = by_key
        # Aliases: "City of Westminster" -> "westminster", "Londonderry County Borough" -> "londonderry",
        # "Basford, Stoke-on-Trent" -> "basford"; only where the short name is not a place itself.
        aliases: dict[str, str] = {}
        for row in places:
            if "," not in row.name and "City of" not in row.name and "County Borough" not in row.name:
                continue
            short = row.name.split(",")[0]
            short = re.sub(r"^City of\s+|\s+County Borough$", "", short)
            short_key = _key(short)
            if short_key and short_key != row.key and short_key not in by_key:
                aliases.setdefault(short_key, row.key)
        for short_key, full_key in _COMMON_NAMES.items():
            if short_key not in by_key and full_key in by_key:
                aliases[short_key] = full_key
        self._aliases = aliases
        # Completion and suggestion order: one entry per name key, largest place first.
        self._keys = sorted(by_key, key=lambda k: -places[by_key[k][0]].population)
        self._outcode_list = sorted(outcodes, key=_outcode_sort_key)
        self._anchors = [i for i, row in enumerate(places) if row.population >= ANCHOR_MIN]
        # Built on first use.
        self._place_index: _PointIndex | None = None
        self._outcode_index: _PointIndex | None = None
        self._outcode_nations: dict[str, str | None] = {}
        self._place_cache: dict[int, Place] = {}
        self._labels: dict[str, dict[int, str]] = {}

    # ---------------------------------------------------------------------------------------- loading

    @classmethod
    def load(cls, directory: Path | None = None) -> "Gazetteer":
        directory = Path(directory) if directory is not None else data_dir() / "gazetteer"
        try:
            places = cls._read_places(directory / "gb_places.csv")
            extra = directory / "extra_places.csv"
            if extra.exists():
                places += cls._read_places(extra)
            outcodes = cls._read_outcodes(directory / "uk_outcodes.csv")
        except (OSError, csv.Error, UnicodeDecodeError, KeyError) as exc:
            raise GazetteerError(
                f"The place-name data in {directory} could not be read ({exc}). "
                "Reinstall ketdir or restore the data/gazetteer folder."
            ) from exc
        return cls(places, outcodes)

    @staticmethod
    def _in_uk_box(lat: float, lon: float) -> bool:
        return UK_BOX[0] <= lat <= UK_BOX[1] and UK_BOX[2] <= lon <= UK_BOX[3]

    @classmethod
    def _read_places(cls, path: Path) -> list[_Row]:
        rows = []
        with open(path, newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                try:
                    name = rec["name"].strip()
                    nation = rec["nation"].strip()
                    lat, lon = float(rec["latitude"]), float(rec["longitude"])
                    population = int(rec["population"] or 0)
                except (TypeError, ValueError, AttributeError):
                    continue
                # Skips rows outside the UK (the table has one for Dhekelia, Cyprus, with no nation).
                if not name or nation not in NATION_NAMES or not cls._in_uk_box(lat, lon):
                    continue
                rows.append(_Row(name, _key(name), nation, lat, lon, max(0, population)))
        return rows

    @classmethod
    def _read_outcodes(cls, path: Path) -> dict[str, tuple[float, float]]:
        outcodes = {}
        with open(path, newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                try:
                    code = rec["outcode"].strip().upper()
                    lat, lon = float(rec["latitude"]), float(rec["longitude"])
                except (TypeError, ValueError, AttributeError):
                    continue
                if OUTCODE_SHAPE.fullmatch(code) and cls._in_uk_box(lat, lon):
                    outcodes[code] = (lat, lon)
        return outcodes

    # ------------------------------------------------------------------------------------- public API

    def resolve(self, text: str) -> Resolution:
        """A postcode, district, place name or "lat,lon" -> a place, choices, or a message. Never raises."""
        try:
            return self._resolve(text)
        except Exception:  # a safety net for people: a bug here must not lose the user's search
            logging.getLogger(__name__).exception("resolving %r failed", text)
            return Resolution(None, message=f"Something went wrong reading {_quote(str(text))}. {HOW_TO}")

    def complete(self, prefix: str, limit: int = 10) -> list[str]:
        """Place names and districts for a completer, best first: prefix matches, then by population.

        A repeated name completes to its disambiguated labels ("Bangor, Northern Ireland", "Bangor,
        Wales"), each of which :meth:`resolve` resolves directly.
        """
        if not isinstance(prefix, str) or limit <= 0:
            return []
        key = _key(prefix[:MAX_INPUT])
        compact = re.sub(r"\s+", "", prefix).upper()
        districts: list[str] = []
        if compact and re.fullmatch(r"[A-Z]{1,2}(?:[0-9][A-Z0-9]?)?", compact, re.ASCII):
            districts = [o for o in self._outcode_list if o.startswith(compact)]
            districts.sort(key=lambda o: o != compact)  # stable: the exact district first
        places: list[str] = []
        if key:
            starts = [k for k in self._keys if k.startswith(key)]
            inside = [k for k in self._keys if not k.startswith(key) and f" {key}" in f" {k}"]
            for k in starts + inside:
                if len(places) >= limit:
                    break
                ids = self._by_key[k]
                if len(ids) == 1:
                    places.append(self._rows[ids[0]].name)
                else:
                    labels = self._group_labels(k)
                    places.extend(labels[i] for i in ids)
        ordered = districts + places if any(c.isdigit() for c in compact) else places + districts
        seen: set[str] = set()
        out = []
        for item in ordered:
            if item not in seen:
                seen.add(item)
                out.append(item)
        return out[:limit]

    def outcode_of(self, text: str) -> str | None:
        """The known district of a full postcode or district ("se1 7tp" -> "SE1"), else None."""
        if not isinstance(text, str):
            return None
        parsed = self._parse_postcode(text)
        if parsed is None:
            return None
        kind, outward, _inward = parsed
        return outward if kind != "bad-inward" and outward in self._outcodes else None

    def district_centre(self, postcode: str) -> tuple[str, float, float] | None:
        """The known district of a postcode or district and the district's centre ("LS2 8JE" -> LS2), else None."""
        outcode = self.outcode_of(postcode)
        return (outcode, *self._outcodes[outcode]) if outcode else None

    def nation_at(self, latitude: float, longitude: float) -> str:
        """The nation ("ENG", "SCT", "WLS", "NIR") of the nearest GB place."""
        if self._place_index is None:
            self._place_index = _PointIndex([(r.latitude, r.longitude) for r in self._rows])
        idx = self._place_index.nearest(latitude, longitude)
        return self._rows[idx].nation if idx is not None else "ENG"

    def districts(self) -> list[tuple[str, float, float]]:
        """Every postcode district with its centre, in postcode order."""
        return [(o, *self._outcodes[o]) for o in self._outcode_list]

    # ---------------------------------------------------------------------------------------- resolving

    def _resolve(self, text: str) -> Resolution:
        if not isinstance(text, str):
            return Resolution(None, message=f"Type where the person is. {HOW_TO}")
        text = unicodedata.normalize("NFKC", text)
        text = re.sub(r"\s+", " ", "".join(c if c.isprintable() else " " for c in text)).strip()
        if not text:
            return Resolution(None, message=f"Type where the person is. {HOW_TO}")
        if len(text) > MAX_INPUT:
            return Resolution(None, message=f"That is too long to be a place. {HOW_TO}")
        # Labels we produced ("SE1 district", "51.5, -0.12 (near London)") resolve too.
        bare = _TRAILING_DISTRICT.sub("", _TRAILING_NOTE.sub("", text)) or text
        for candidate in dict.fromkeys((text, bare)):
            found = self._resolve_latlon(candidate)
            if found is not None:
                return found
            found = self._resolve_postcode(candidate)
            if found is not None:
                return found
        return self._resolve_name(text)

    # lat,lon

    def _resolve_latlon(self, text: str) -> Resolution | None:
        m = _LATLON.fullmatch(text)
        if m is None:
            return None
        a, b = float(m["a"]), float(m["b"])
        ha, hb = (m["ha"] or "").upper(), (m["hb"] or "").upper()
        if ha in "EW" and ha and hb in "NS":  # "0.12W 51.5N": longitude first, said so
            a, b, ha, hb = b, a, hb, ha
        if ha == "S":
            a = -a
        if hb == "W":
            b = -b
        if (ha and ha not in "NS") or (hb and hb not in "EW"):
            return Resolution(None, message=f"{_quote(text)} doesn't look like coordinates. {HOW_TO}")
        lat, lon = a, b
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return Resolution(
                None,
                message=(
                    f"{_quote(text)} aren't valid coordinates: latitude must be between -90 and 90 and "
                    "longitude between -180 and 180. Type latitude first, such as 51.5,-0.12."
                ),
            )
        if not self._in_uk_box(lat, lon):
            if not ha and not hb and self._in_uk_box(lon, lat):
                swapped = f"{_fmt_coord(lon)},{_fmt_coord(lat)}"
                return Resolution(
                    None,
                    message=(
                        f"{_quote(text)} is outside the UK. Did you mean {swapped}? "
                        "Type latitude (north) first, then longitude."
                    ),
                    suggestions=(swapped,),
                )
            return Resolution(
                None,
                message=(
                    f"{_quote(text)} is outside the UK. This directory only covers the UK: "
                    "check the coordinates (latitude first, such as 51.5,-0.12) or type a town or postcode."
                ),
            )
        oc = self._nearest_outcode(lat, lon)
        if oc is None or distance_miles(lat, lon, *self._outcodes[oc]) > MAX_MILES_FROM_DISTRICT:
            return Resolution(
                None,
                message=(
                    f"{_quote(text)} is not in the UK (it is more than {MAX_MILES_FROM_DISTRICT:.0f} miles "
                    "from any UK postcode district). Check the coordinates or type a town or postcode."
                ),
            )
        name = f"{_fmt_coord(lat)},{_fmt_coord(lon)}"
        crown = CROWN_DEPENDENCIES.get(oc[:2])
        near = f"in {crown}" if crown else self._near_hint_for_point(lat, lon)
        label = f"{_fmt_coord(lat)}, {_fmt_coord(lon)}" + (f" ({near})" if near else "")
        nation = None if crown else self.nation_at(lat, lon)
        note = _crown_note(crown) if crown else None
        return Resolution(Place(name, "latlon", lat, lon, label, nation, None, None, note))

    # postcodes

    def _parse_postcode(self, text: str) -> tuple[str, str, str] | None:
        """("full"|"partial"|"district"|"bad-inward", outward, inward) for postcode-shaped text, else None."""
        upper = text.strip().upper()
        if not upper.isascii() or not any(c.isdigit() for c in upper):
            return None
        parts = upper.split()
        compact = "".join(parts)
        m = _FULL_SHAPE.fullmatch(compact)
        if m and len(parts) <= 2:
            if len(parts) == 2 and parts[0] != m["outward"]:
                # "SE17 TP": the space is in the wrong place; read it as written only if that is a district.
                if not OUTCODE_SHAPE.fullmatch(parts[0]):
                    return None
            kind = "full" if INWARD.fullmatch(m["inward"]) else "bad-inward"
            return kind, m["outward"], m["inward"]
        if len(parts) == 1 and OUTCODE_SHAPE.fullmatch(compact):
            return "district", compact, ""
        if len(parts) == 2 and OUTCODE_SHAPE.fullmatch(parts[0]) and _PARTIAL_INWARD.fullmatch(parts[1]):
            return "partial", parts[0], parts[1]
        return None

    def _resolve_postcode(self, text: str) -> Resolution | None:
        parsed = self._parse_postcode(text)
        if parsed is None:
            return None
        kind, outward, inward = parsed
        shown = f"{outward} {inward}".strip()
        if outward not in self._outcodes:
            what = "postcode" if kind in ("full", "bad-inward") else "postcode district"
            suggestions = self._outcode_suggestions(outward)
            valid = kind == "full" and POSTCODE_RE.fullmatch(outward + inward)
            message = (
                f"{_quote(shown)} looks like a postcode, but {outward} is not a postcode district we have "
                "a location for. It may be a non-geographic postcode (such as a PO box) or a new one."
                if valid
                else f"We couldn't find the {what} {_quote(shown)}: {outward} is not a known UK postcode district."
            )
            message += f" Did you mean {_or_list(list(suggestions[:3]))}?" if suggestions else ""
            message += " You can also type the town instead."
            return Resolution(None, message=message, suggestions=suggestions)
        if kind == "bad-inward":
            return Resolution(
                None,
                message=(
                    f"{_quote(text)} isn't a valid UK postcode: check the last three characters "
                    f"(a number and two letters). You can search the district {outward} instead."
                ),
                suggestions=(outward,),
            )
        lat, lon = self._outcodes[outward]
        nation, crown = self._outcode_nation(outward), CROWN_DEPENDENCIES.get(outward[:2])
        if kind == "district":
            note = DISTRICT_NOTE
            place = Place(outward, "district", lat, lon, f"{outward} district", nation, outward, None, note)
        else:
            note = FULL_POSTCODE_NOTE if kind == "full" else PARTIAL_POSTCODE_NOTE
            label = f"{shown} (near {outward} district centre)"
            place = Place(shown, "postcode", lat, lon, label, nation, outward, None, note)
        if crown:
            place = _with_note(place, _crown_note(crown))
        return Resolution(place)

    def _outcode_nation(self, outcode: str) -> str | None:
        if outcode not in self._outcode_nations:
            if outcode.startswith("BT"):
                nation = "NIR"
            elif outcode[:2] in CROWN_DEPENDENCIES:
                nation = None  # not part of any UK nation; bank holidays differ
            else:
                nation = self.nation_at(*self._outcodes[outcode])
            self._outcode_nations[outcode] = nation
        return self._outcode_nations[outcode]

    def _nearest_outcode(self, lat: float, lon: float) -> str | None:
        if self._outcode_index is None:
            self._outcode_index = _PointIndex([self._outcodes[o] for o in self._outcode_list])
        idx = self._outcode_index.nearest(lat, lon)
        return self._outcode_list[idx] if idx is not None else None

    def _outcode_suggestions(self, outward: str) -> tuple[str, ...]:
        area = re.match(r"[A-Z]*", outward).group()
        pool = [o for o in self._outcode_list if re.match(r"[A-Z]*", o).group() == area] or self._outcode_list
        found = process.extract(outward, pool, scorer=fuzz.ratio, limit=5, score_cutoff=50)
        return tuple(o for o, _score, _i in found)

    # place names

    def _resolve_name(self, text: str) -> Resolution:
        key = _key(text)
        tokens = key.split()
        if tokens and tokens[0] in _LINK_WORDS and len(tokens) > 1:  # "near Brighton"
            tokens = tokens[1:]
            key = " ".join(tokens)
        if not key:
            return Resolution(None, message=f"We couldn't find {_quote(text)}. {HOW_TO}")
        ids = self._ids_for(key)
        if ids:
            return self._from_group(key, ids)
        # "Bangor, Wales", "Brixton London", or one of our own labels: a name, then a qualifier.
        heads: list[str] = []
        for split in range(len(tokens) - 1, 0, -1):
            name_key, rest = " ".join(tokens[:split]), tokens[split:]
            ids = self._ids_for(name_key)
            if not ids:
                continue
            found = self._qualified(text, key, name_key, ids, rest)
            if found is not None:
                return found
            heads.extend(self._place(i).label for i in ids)
        # An unknown qualifier ("Brixton Devon") is not a reason to guess: offer the places of that name.
        return self._not_found(text, key, heads)

    def _ids_for(self, key: str) -> list[int]:
        return self._by_key.get(key) or self._by_key.get(self._aliases.get(key, ""), [])

    def _extensions(self, key: str, ids: list[int]) -> list[int]:
        """Much larger places whose name starts with this one ("Newcastle" -> Newcastle upon Tyne)."""
        biggest = max(self._rows[i].population for i in ids)
        floor = max(EXTENSION_MIN, biggest * EXTENSION_FACTOR)
        prefix = key + " "
        return [
            i
            for i in self._anchors
            if self._rows[i].population >= floor and self._rows[i].key.startswith(prefix)
        ]

    def _from_group(self, key: str, ids: list[int]) -> Resolution:
        group = ids + [i for i in self._extensions(key, ids) if i not in ids]
        if len(group) == 1:
            return Resolution(self._place(group[0]))
        group.sort(key=lambda i: -self._rows[i].population)
        return Resolution(None, choices=tuple(self._place(i) for i in group))

    def _qualified(self, text: str, key: str, name_key: str, ids: list[int], rest: list[str]) -> Resolution | None:
        # One of our labels, e.g. "Newport, Wales (near Cardiff)".
        for i in ids:
            if _key(self._place(i).label) == key:
                return Resolution(self._place(i))
        name = self._rows[ids[0]].name
        if rest and rest[0] in _LINK_WORDS and len(rest) > 1:
            rest = rest[1:]
        qualifier = " ".join(rest)
        if qualifier in _ANY_NATION:
            return self._from_group(name_key, ids)
        if qualifier in _NATION_WORDS:
            nation = _NATION_WORDS[qualifier]
            group = ids + self._extensions(name_key, ids)
            matching = [i for i in group if self._rows[i].nation == nation]
            if len(matching) == 1:
                return Resolution(self._place(matching[0]))
            if matching:
                matching.sort(key=lambda i: -self._rows[i].population)
                return Resolution(None, choices=tuple(self._place(i) for i in matching))
            labels = tuple(self._place(i).label for i in ids)
            return Resolution(
                None,
                message=(
                    f"We couldn't find a {name} in {NATION_NAMES[nation]}. "
                    f"Did you mean {_or_list(list(labels[:3]))}?"
                ),
                suggestions=labels,
            )
        anchors = self._ids_for(qualifier)
        if not anchors:
            return None
        # "Brixton, London": the candidate nearest to the named place, if it is reasonably close.
        best, best_d = None, math.inf
        for i in ids:
            for a in anchors:
                if a == i:
                    continue
                d = distance_miles(self._rows[i].latitude, self._rows[i].longitude, self._rows[a].latitude, self._rows[a].longitude)
                if d < best_d:
                    best, best_d = i, d
        if best is not None and best_d <= ANCHOR_CLOSE_MILES:
            return Resolution(self._place(best))
        place_name = self._rows[anchors[0]].name
        labels = tuple(self._place(i).label for i in ids)
        known = "The only one we know is" if len(labels) == 1 else "We know"
        return Resolution(
            None,
            message=(
                f"We couldn't find a {name} near {place_name}. {known} {_or_list(list(labels[:3]))}. "
                f"Try a postcode near the person instead."
            ),
            suggestions=labels,
        )

    def _not_found(self, text: str, key: str, heads: list[str] = ()) -> Resolution:
        close = self._name_suggestions(key)
        suggestions = tuple(dict.fromkeys([*close[:2], *heads, *close[2:]]))[:6]
        if suggestions:
            message = f"We couldn't find {_quote(text)}. Did you mean {_or_list(list(suggestions[:3]))}?"
        else:
            message = f"We couldn't find {_quote(text)}. {HOW_TO}"
        return Resolution(None, message=message, suggestions=suggestions)

    def _name_suggestions(self, key: str, limit: int = 5) -> tuple[str, ...]:
        out: list[str] = []
        if any(c.isdigit() for c in key):
            compact = key.replace(" ", "").upper()
            found = process.extract(compact, self._outcode_list, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
            out.extend(o for o, _s, _i in found)
        if len(key) >= 3:
            # Names that start with what was typed ("Kingston" -> Kingston upon Hull), largest first.
            out.extend([self._display(k) for k in self._keys if k.startswith(key + " ")][:3])
        found = process.extract(key, self._keys, scorer=fuzz.ratio, limit=10, score_cutoff=75)
        pop = {k: self._rows[self._by_key[k][0]].population for k, _s, _i in found}
        found.sort(key=lambda f: (-round(f[1] / 4), -pop[f[0]]))
        out.extend(self._display(k) for k, _s, _i in found)
        for alias, full in self._aliases.items():
            if fuzz.ratio(key, alias) >= 85:
                out.append(self._display(full))
        return tuple(dict.fromkeys(out))[:limit]

    def _display(self, key: str) -> str:
        return self._rows[self._by_key[key][0]].name

    # places and labels

    def _place(self, i: int) -> Place:
        place = self._place_cache.get(i)
        if place is None:
            row = self._rows[i]
            label = self._group_labels(row.key)[i]
            place = Place(row.name, "place", row.latitude, row.longitude, label, row.nation, None, row.population)
            self._place_cache[i] = place
        return place

    def _group_labels(self, key: str) -> dict[int, str]:
        """Labels for every place sharing a name key, unique within the group.

        "Bangor, Wales" / "Bangor, Northern Ireland"; same nation: "Newport, Wales (near Cardiff)", then
        "Sutton, England (3 miles north of Bedford)", and coordinates as a last resort. A place alone
        under its name gets "(near X)" only when small: "Vauxhall, England (near Liverpool)".
        """
        if key in self._labels:
            return self._labels[key]
        ids = self._by_key[key]
        labels = {i: f"{self._rows[i].name}, {NATION_NAMES[self._rows[i].nation]}" for i in ids}
        if len(ids) == 1:
            i = ids[0]
            if self._rows[i].population < SMALL_PLACE:
                hint = self._near_hint(i)
                if hint:
                    labels[i] += f" ({hint})"
        else:
            steps = (self._near_hint, self._offset_hint, self._coord_hint)
            for step in steps:
                clashing = _clashes(labels)
                if not clashing:
                    break
                base = {i: f"{self._rows[i].name}, {NATION_NAMES[self._rows[i].nation]}" for i in clashing}
                for i in clashing:
                    hint = step(i)
                    labels[i] = f"{base[i]} ({hint})" if hint else base[i]
        self._labels[key] = labels
        return labels

    def _anchor(self, i: int) -> tuple[int, float] | None:
        """A larger town to name a place by: the largest within 15 miles, else the nearest within 30."""
        row = self._rows[i]
        floor = max(ANCHOR_MIN, 2 * row.population)
        close: list[tuple[int, float]] = []
        for a in self._anchors:
            other = self._rows[a]
            if other.population < floor or other.key == row.key:
                continue
            if abs(other.latitude - row.latitude) > 0.5 or abs(other.longitude - row.longitude) > 0.8:
                continue
            d = distance_miles(row.latitude, row.longitude, other.latitude, other.longitude)
            if d <= ANCHOR_FAR_MILES:
                close.append((a, d))
        if not close:
            return None
        near = [c for c in close if c[1] <= ANCHOR_CLOSE_MILES]
        if near:
            return max(near, key=lambda c: self._rows[c[0]].population)
        return min(close, key=lambda c: c[1])

    def _near_hint(self, i: int) -> str:
        anchor = self._anchor(i)
        if anchor is not None:
            return f"near {self._rows[anchor[0]].name}"
        row = self._rows[i]
        return _region(row.latitude, row.longitude, row.nation)

    def _offset_hint(self, i: int) -> str:
        anchor = self._anchor(i)
        row = self._rows[i]
        if anchor is None:
            return _region(row.latitude, row.longitude, row.nation)
        a, miles = anchor
        other = self._rows[a]
        if miles < 1:
            return f"in {other.name}"
        direction = _compass(_bearing(other.latitude, other.longitude, row.latitude, row.longitude))
        unit = "mile" if round(miles) == 1 else "miles"
        return f"{round(miles)} {unit} {direction} of {other.name}"

    def _coord_hint(self, i: int) -> str:
        row = self._rows[i]
        return f"{row.latitude:.3f}, {row.longitude:.3f}"

    def _near_hint_for_point(self, lat: float, lon: float) -> str | None:
        """ "near Lambeth" within 3 miles of a place, else "7 miles north-west of Lairg"."""
        if self._place_index is None:
            self.nation_at(lat, lon)  # builds the index
        idx = self._place_index.nearest(lat, lon) if self._place_index else None
        if idx is None:
            return None
        row = self._rows[idx]
        miles = distance_miles(row.latitude, row.longitude, lat, lon)
        if miles <= 3:
            return f"near {row.name}"
        direction = _compass(_bearing(row.latitude, row.longitude, lat, lon))
        return f"{round(miles)} miles {direction} of {row.name}"


def _clashes(labels: dict[int, str]) -> list[int]:
    seen: dict[str, list[int]] = {}
    for i, label in labels.items():
        seen.setdefault(_key(label), []).append(i)
    return [i for ids in seen.values() if len(ids) > 1 for i in ids]


def _region(lat: float, lon: float, nation: str) -> str:
    """A coarse region: "west Wales", "north-east England", "central Scotland"."""
    clat, clon, central = _NATION_CENTRES[nation]
    wales = nation == "WLS"  # "mid Wales", "north Wales"; elsewhere "central England", "northern England"
    if distance_miles(clat, clon, lat, lon) <= central:
        return f"{'mid' if wales else 'central'} {NATION_NAMES[nation]}"
    direction = _compass(_bearing(clat, clon, lat, lon))
    if "-" not in direction and not wales:
        direction += "ern"
    return f"{direction} {NATION_NAMES[nation]}"


def _crown_note(name: str) -> str:
    return f"This is in {name}, a Crown Dependency: its bank holidays differ from the UK's."


def _with_note(place: Place, note: str) -> Place:
    combined = f"{place.precision_note} {note}" if place.precision_note else note
    return Place(
        place.name, place.kind, place.latitude, place.longitude, place.label,
        place.nation, place.outcode, place.population, combined,
    )


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The bundled gazetteer, loaded on first use and shared."""
    return Gazetteer.load()
