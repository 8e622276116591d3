"""Every input of issue 16, through `ketdir import` as a coordinator runs it: files as published (HSDS 1.x
tables, every HSDS 3.0 JSON shape the API defines, a Latin-1 package, an NHS-style clinics list) are read into
the right tables, and broken ones are refused with a message naming what is wrong — exit 1, nothing changed,
never a traceback. The fixtures are in tests/fixtures/realworld (README there lists their defects)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from interop_helpers import rows
from sqlalchemy import create_engine, inspect

from ketdir.cli import main

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
JSON = REAL / "hsds3_json"
NHS = REAL / "nhs_clinics_latin1_notsign.csv"
NEEDS = ("SELECT t.code FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
         "WHERE t.taxonomy = 'ketdir-need' ORDER BY t.code")


@dataclass
class Case:
    path: Path
    args: tuple[str, ...] = ()
    code: int = 0
    says: tuple[str, ...] = ()  # in the output
    holds: dict[str, list[tuple]] = field(default_factory=dict)  # query -> rows after the import


def names(table: str) -> str:
    return f"SELECT name FROM {table} ORDER BY name"


CASES = {
    # HSDS 3.0 JSON: every shape of the API (one object, a list, a page, a "full" object)
    "service": Case(JSON / "service.json", says=("1 new", "was matched by its name to Drug treatment & recovery",
                                                 "the term “Gardening club” (Local categories) is kept"),
                    holds={names("service"): [("Harbour Drug Service",)], NEEDS: [("advice",), ("drug-treatment",)],
                           names("location"): [("Harbour",)]}),
    "services list": Case(JSON / "services_list.json",
                          holds={names("service"): [("Aire Recovery Hub",), ("Beck Advice Point",)]}),
    "services page": Case(JSON / "services_page.json",
                          holds={names("service"): [("Calder Harm Reduction",), ("Dales Drug Line",)]}),
    "service at location": Case(JSON / "service_at_location.json",
                                holds={names("service"): [("Eccup Outreach",)], names("location"): [("Eccup Centre",)],
                                       "SELECT count(*) FROM service_at_location": [(1,)],
                                       "SELECT number FROM phone ORDER BY number": [("0113 496 0101",),
                                                                                   ("0113 496 0199",)]}),
    "services at locations list": Case(JSON / "service_at_locations_list.json",
                                       holds={names("service"): [("Farsley Clinic",), ("Garforth Clinic",)],
                                              "SELECT count(*) FROM service_at_location": [(2,)]}),
    "services at locations page": Case(JSON / "service_at_locations_page.json",
                                       holds={names("service"): [("Horsforth Clinic",)]}),
    "organisation": Case(JSON / "organization.json",
                         holds={names("organization"): [("Ilkley Health",)],
                                names("service"): [("Ilkley Health Support Service",)],
                                names("location"): [("Ilkley",), ("Ilkley Health Office",)]}),
    "organisations page": Case(JSON / "organizations_page.json",
                               holds={names("organization"): [("Jarrow Care",), ("Keighley Aid",)]}),
    "location": Case(JSON / "location.json", holds={names("location"): [("Leeds Central Library",)],
                                                    "SELECT count(*) FROM service": [(0,)],
                                                    "SELECT postal_code FROM address": [("LS1 3AB",)]}),
    "locations list": Case(JSON / "locations_list.json",
                           holds={names("location"): [("Meanwood Hall",), ("Normanton Hub",)]}),
    "taxonomy": Case(JSON / "taxonomy.json", holds={"SELECT name FROM taxonomy WHERE name = 'Local categories'":
                                                    [("Local categories",)]}),
    "taxonomies page": Case(JSON / "taxonomies_page.json",
                            holds={"SELECT count(*) FROM taxonomy WHERE name = 'Local categories'": [(1,)]}),
    "taxonomy term": Case(JSON / "taxonomy_term.json",
                          holds={"SELECT name FROM taxonomy_term WHERE taxonomy = 'Local categories'": [("Advice",)]}),
    "taxonomy terms page": Case(JSON / "taxonomy_terms_page.json",
                                holds={"SELECT count(*) FROM taxonomy_term WHERE taxonomy = 'Local categories'":
                                       [(3,)]}),
    # refused, naming the shape or the defect
    "a phone on its own": Case(JSON / "phone_alone.json", code=1, says=("this item is a phone number on its own",)),
    "an API's front page": Case(JSON / "api_root.json", code=1, says=("this is an HSDS API's front page",)),
    "an empty page": Case(JSON / "empty_page.json", code=1, says=("there is nothing to import",)),
    "deeply nested JSON": Case(JSON / "deeply_nested.json", code=1, says=("nested too deeply",)),
    "an empty services.csv": Case(REAL / "empty_services_package", code=1,
                                  says=("services.csv: this file has no rows (only its header), but contacts.csv",)),
    "a datapackage.json that is not JSON": Case(REAL / "broken_descriptor_package", code=1,
                                                says=("datapackage.json is not valid JSON",)),
    # HSDS 1.x and a hand-saved package
    "HSDS 1.x ids unique per table": Case(REAL / "hsds1_ids_per_table", holds={
        "SELECT count(*) FROM schedule": [(6,)], "SELECT count(*) FROM service": [(2,)]}),
    "a Latin-1 package": Case(REAL / "latin1_package", says=("services.csv: the file is not UTF-8, so it was read as",),
                              holds={names("service"): [("Community Counselling Café",)]}),
    # the NHS clinics list: Latin-1, ¬ between cells, a repeated id, a row without a name, a date that is not one
    "NHS list: the failing rows are listed, all at once": Case(NHS, code=1, says=(
        "nhs_clinics_latin1_notsign.csv:4: OrganisationID: this row describes the same service as row 3",
        "nhs_clinics_latin1_notsign.csv:5: OrganisationName: this row has no service name",
        "nhs_clinics_latin1_notsign.csv:6: assured_date: “31/02/2014” is not a date",
        "--rows skip or --rows keep-first")),
    "NHS list, keeping the first": Case(NHS, ("--rows", "keep-first"), says=(
        "nhs_clinics_latin1_notsign.csv:4: left out: the same service (same id) as row 3, which was kept",
        "3 row(s) of the sheet are left out"), holds={
        "SELECT name, assured_date FROM service ORDER BY name": [
            ("Café Santé Clinic", "2013-11-15"), ("Huddersfield Clinic", None),
            ("Riverside Sexual Health Clinic", "2014-04-01")],
        NEEDS: [("sexual-health",)] * 3}),
    "NHS list, skipping the repeats, checked on a date": Case(NHS, ("--rows", "skip", "--checked-on", "2014-01-01"),
                                                              holds={"SELECT name, assured_date FROM service ORDER BY name":
                                                                     [("Huddersfield Clinic", "2014-01-01"),
                                                                      ("Riverside Sexual Health Clinic", "2014-04-01")]}),
    "NHS list, delimiter and encoding given": Case(NHS, ("--rows", "keep-first", "--delimiter", "¬", "--encoding",
                                                         "latin-1"),
                                                   holds={"SELECT count(*) FROM service": [(3,)]}),
}


def left_untouched(db) -> bool:
    """A new directory a refused import did not make: no SQLite file; no tables on the server."""
    if not (isinstance(db, str) and db.startswith("postgresql")):
        return not Path(str(db).removeprefix("sqlite:///")).exists()
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_real_world_input(case: Case, db, capsys):
    code = main(["--db", str(db), "import", str(case.path), *case.args])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == case.code, output
    assert "Traceback" not in output
    for text in case.says:
        assert text in output, f"expected {text!r} in:\n{output}"
    if case.code:
        assert "Nothing was changed." in output
        assert left_untouched(db)
    for query, expected in case.holds.items():
        assert rows(db, query) == expected, query


def test_old_data_shows_as_stale_after_import(tmp_path, capsys):
    db = tmp_path / "clinics.db"
    assert main(["--db", str(db), "import", str(NHS), "--rows", "keep-first", "--checked-on", "2014-01-01"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "search", "clinic"]) == 0
    out = capsys.readouterr().out
    assert "stale — last checked 15 Nov 2013" in out and "stale — last checked 1 Jan 2014" in out


def test_a_starter_mapping_from_the_header_reads_the_list(tmp_path, capsys):
    sheet = tmp_path / NHS.name
    sheet.write_bytes(NHS.read_bytes())
    assert main(["mapping", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert "delimiter '¬', encoding cp1252" in out and "name                 ← OrganisationName" in out
    mapping = tmp_path / "nhs_clinics_latin1_notsign.mapping.json"
    assert mapping.exists()
    db = tmp_path / "d.db"
    assert main(["--db", str(db), "import", str(sheet), "--mapping", str(mapping), "--rows", "keep-first"]) == 0
    assert rows(db, "SELECT count(*) FROM service") == [(3,)]


def test_unmapped_terms_are_written_out_and_read_back(tmp_path, capsys):
    db, terms = tmp_path / "d.db", tmp_path / "terms.csv"
    assert main(["--db", str(db), "import", str(JSON / "service.json"), "--dry-run", "--unmapped-terms",
                 str(terms)]) == 0
    assert "Wrote 1 term(s) without a need type" in capsys.readouterr().out
    lines = terms.read_text(encoding="utf-8").splitlines()
    assert lines == ["taxonomy,code_or_term,need,name,services", "Local categories,LC-900,,Gardening club,1"]
    terms.write_text("\n".join([lines[0], "Local categories,LC-900,peer-support,Gardening club,1"]) + "\n",
                     encoding="utf-8")
    assert main(["--db", str(db), "import", str(JSON / "service.json"), "--terms", str(terms)]) == 0
    assert "Gardening club" not in capsys.readouterr().out  # mapped now: no warning about it
    assert rows(db, NEEDS) == [("advice",), ("drug-treatment",), ("peer-support",)]


def test_the_terms_file_is_safe_to_open_in_a_spreadsheet_and_still_reads_back(tmp_path, capsys):
    """A term whose code or name a spreadsheet would run as a formula is written neutralised (csvsafe), and the
    file read back (as an editor leaves it, apostrophes kept) still maps that term."""
    source = (JSON / "service.json").read_text(encoding="utf-8")
    source = source.replace('"LC-900"', '"-900"').replace('"Gardening club"', '"=HYPERLINK(\\"http://x.example\\")"')
    feed, db, terms = tmp_path / "service.json", tmp_path / "d.db", tmp_path / "terms.csv"
    feed.write_text(source, encoding="utf-8")
    assert main(["--db", str(db), "import", str(feed), "--dry-run", "--unmapped-terms", str(terms)]) == 0
    lines = terms.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "Local categories,'-900,,\"'=HYPERLINK(\"\"http://x.example\"\")\",1"
    filled_in = lines[1].replace(",,", ",peer-support,", 1)
    terms.write_text(f"{lines[0]}\n{filled_in}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(feed), "--terms", str(terms)]) == 0
    assert "HYPERLINK" not in capsys.readouterr().out  # mapped: no warning about it
    assert rows(db, NEEDS) == [("advice",), ("drug-treatment",), ("peer-support",)]
