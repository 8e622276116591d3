"""A spreadsheet gives addresses, rarely map coordinates: its services must still turn up near a place (the way
outreach workers search), put at the centre of their postcode district, with a warning saying so."""
from __future__ import annotations

import json
from pathlib import Path

from interop_helpers import rows

from ketdir.cli import main
from ketdir.geo import default_gazetteer

SHEET = (
    "Service name,Organisation,Address,Postcode,Latitude,Longitude,Telephone,Category,Description\n"
    "Leeds Ketamine Clinic,Forward Leeds,1 Park Row,LS1 5HD,,,0113 496 0100,Drug and alcohol support,"
    "Help with ketamine and the bladder\n"
    "Merrion Sexual Health,LSH,2 Merrion Street,LS2 8JE,53.8,-1.54,0113 496 0200,Sexual health,GUM walk-in\n"
    "PO Box line,LSH,PO Box 99,XX9 9XX,,,0113 496 0300,Sexual health,Sexual health advice by post\n"
)


def test_a_sheet_without_coordinates_is_found_near_its_postcode(db, tmp_path, capsys):
    sheet = tmp_path / "leeds services.csv"
    sheet.write_text(SHEET, encoding="utf-8")

    assert main(["--db", db, "import", str(sheet)]) == 0
    said = capsys.readouterr().out
    assert "no map coordinates: placed at the centre of postcode district LS1" in said
    assert said.count("no map coordinates") == 1  # given coordinates are kept; an unknown postcode stays unplaced

    _, lat, lon = default_gazetteer().district_centre("LS1 5HD")
    placed = dict((name, (la, lo)) for name, la, lo in rows(
        db, "SELECT l.name, l.latitude, l.longitude FROM location l ORDER BY l.name"))
    assert placed["Leeds Ketamine Clinic"] == (round(lat, 6), round(lon, 6))
    assert placed["Merrion Sexual Health"] == (53.8, -1.54)
    assert placed["PO Box line"] == (None, None)

    assert main(["--db", db, "search", "ket bladder", "--near", "LS1", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [hit["name"] for hit in found["local"]] == ["Leeds Ketamine Clinic"]

    assert main(["--db", db, "import", str(sheet)]) == 0  # the same sheet again changes nothing
    assert "Nothing to change: the directory already matches the source." in capsys.readouterr().out
    assert rows(db, "SELECT count(*) FROM location") == [(3,)]
