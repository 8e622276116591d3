"""Imported places with a postcode but no map coordinates are put at the centre of their postcode district.

Spreadsheets and many published directories give an address without latitude and longitude; without them a
service is invisible to every search near a place, the way outreach workers search. The service editor does
the same on save, and data health names what is still missing. Both ways of importing use this: a file read
whole (`place_by_postcode`, from validate) and a large package staged on disk (interop.stage).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ketdir.interop.dataset import WARNING, Dataset, Problem, Where

if TYPE_CHECKING:
    from ketdir.geo import Gazetteer

CODE = "coordinates-from-postcode"


COLUMNS = ("latitude", "longitude")


def postcodes_by_location(addresses: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each location's first physical (or untyped) address's postcode."""
    found: dict[str, str] = {}
    for row in addresses:
        kind = (row.get("address_type") or "").strip().lower()
        location, postcode = (row.get("location_id") or "").strip(), (row.get("postal_code") or "").strip()
        if location and postcode and kind in ("", "physical"):
            found.setdefault(location, postcode)
    return found


def place_rows(rows: list[dict[str, Any]], where: list[Where], columns: set[str], postcodes: Mapping[str, str],
               gazetteer: Gazetteer | None = None) -> list[Problem]:
    """Fill in the coordinates of the location rows that have none (a warning for each says so). `postcodes`:
    those of the locations without coordinates; when there are any, the coordinates are among the columns an
    import writes. The same rule for a file read whole and a package staged a piece at a time, so both
    fingerprint the same rows."""
    if not postcodes:
        return []
    if gazetteer is None:  # only now: the place names (and rapidfuzz) take memory a located import spares
        from ketdir.geo import default_gazetteer

        gazetteer = default_gazetteer()
    columns.update(COLUMNS)
    for row in rows:
        row.setdefault("latitude", None)
        row.setdefault("longitude", None)
    problems = []
    for row, at in zip(rows, where):
        district = _district_for(row, postcodes, gazetteer)
        if district is not None:
            outcode, row["latitude"], row["longitude"] = district
            problems.append(Problem(
                WARNING, at.file, at.row, at.field("latitude"),
                f"no map coordinates: placed at the centre of postcode district {outcode} (within a mile or two) so "
                "searches near a place find it. Add latitude and longitude for exact distances.", CODE))
    return problems


def place_by_postcode(dataset: Dataset, gazetteer: Gazetteer | None = None) -> None:
    """place_rows over a dataset read whole."""
    locations = dataset.tables.get("location")
    addresses = dataset.tables.get("address")
    if not locations or not addresses:
        return
    unplaced = {row.get("id") for row in locations.rows if row.get("latitude") is None or row.get("longitude") is None}
    if unplaced:  # as a staged package reads them: only the addresses of locations without coordinates
        postcodes = postcodes_by_location(row for row in addresses.rows if row.get("location_id") in unplaced)
        dataset.problems.extend(place_rows(locations.rows, locations.where, locations.columns, postcodes, gazetteer))


def _district_for(location: Mapping[str, Any], postcodes: Mapping[str, str],
                  gazetteer: Gazetteer) -> tuple[str, float, float] | None:
    """Only a location with no coordinates, not virtual, whose address has a postcode ketdir knows."""
    if location.get("latitude") is not None or location.get("longitude") is not None:
        return None
    if location.get("location_type") == "virtual" or location.get("id") not in postcodes:
        return None
    found = gazetteer.district_centre(postcodes[location["id"]])
    return (found[0], round(found[1], 6), round(found[2], 6)) if found else None
