"""The command line: readable output, JSON for scripts, one-line reasons and non-zero exits on bad input."""
import json

import pytest

from ketdir.cli import main
from tests.factories import ALWAYS, build, record

RECORDS = [
    record("Borough Ketamine Bladder Clinic", needs=["bladder-urology"], lat=51.501, lon=-0.094,
           description="Urology clinic for ketamine bladder damage."),
    record("Camden Bladder Clinic", needs=["bladder-urology"], lat=51.54, lon=-0.14,
           description="Urology for ketamine bladder."),
    record("Brighton Chemsex Clinic", needs=["chemsex", "sexual-health"], lat=50.824, lon=-0.137,
           description="Support with G, crystal meth and mephedrone; PEP and PrEP."),
    record("Brighton A&E", needs=["urgent-care", "sexual-health"], lat=50.819, lon=-0.118, hours=ALWAYS,
           description="Emergency department. PEP out of hours; chems-related emergencies."),
    record("Demo Helpline", needs=["drug-treatment"], national=True, demo=True, hours=ALWAYS,
           description="Training record: advice line on ketamine and the bladder."),
]


@pytest.fixture(scope="module")
def db(directory_url):  # once on SQLite, once on the PostgreSQL test server
    build(directory_url, RECORDS).close()
    return directory_url


def test_search_nearest_first_with_readings_and_national_apart(db, capsys):
    assert main(["--db", db, "search", "ket bladder", "--near", "se1 7tp"]) == 0
    out = capsys.readouterr().out
    assert "“ket” → ketamine" in out and "“bladder” → Bladder & urology" in out
    assert "near SE1" in out
    assert out.index("Borough Ketamine Bladder Clinic") < out.index("Camden Bladder Clinic")
    national = out.index("National and regional lines")
    assert out.index("[DEMO] Demo Helpline") > national
    assert "DEMO — not a real service" in out


def test_christmas_day_is_a_bank_holiday(db, capsys):
    code = main(["--db", db, "search", "chems", "--need", "sexual-health", "--near", "Brighton", "--open-now",
                 "--at", "2026-12-25 10:00", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    names = [h["name"] for h in data["local"]]
    assert "Brighton Chemsex Clinic" not in names  # Mon–Fri hours do not apply on Christmas Day
    assert names == ["Brighton A&E"]
    same_time_normal_day = main(["--db", db, "search", "chems", "--need", "sexual-health", "--near", "Brighton",
                                 "--open-now", "--at", "2026-12-18 10:00", "--json"])
    assert same_time_normal_day == 0
    normal = [h["name"] for h in json.loads(capsys.readouterr().out)["local"]]
    assert "Brighton Chemsex Clinic" in normal


def test_hostile_query_with_ambiguous_place_gives_choices(db, capsys):
    code = main(["--db", db, "search", '"unbalanced NEAR(', "--near", "Bangor"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Bangor, Wales" in captured.out and "Bangor, Northern Ireland" in captured.out
    assert "Traceback" not in captured.err


def test_json_names_close_places_when_a_place_is_not_found(db, capsys):
    assert main(["--db", db, "search", "ket", "--near", "Brigton", "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["place"] is None and data["local"] == []
    assert "Brigton" in data["place_message"]
    assert data["place_suggestions"][0] == "Brighton"


def test_json_marks_demo_records(db, capsys):
    assert main(["--db", db, "search", "ketamine", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    demo = next(h for h in data["national"] if h["name"] == "Demo Helpline")
    assert demo["status"] == "demo" and "DEMO — not a real service" in demo["badges"]
    real = next(h for h in data["local"] if h["name"] == "Borough Ketamine Bladder Clinic")
    assert real["status"] == "real"


@pytest.mark.parametrize("args,message", [
    (["search", "x", "--need", "nonsense"], "unknown need type"),
    (["search", "x", "--at", "next tuesday"], "is not a date and time"),
    (["search", "x", "--radius", "-3"], "--radius"),
])
def test_bad_input_exits_2_with_one_line_reason(db, capsys, args, message):
    assert main(["--db", db, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_unknown_place_exits_2(db, capsys):
    assert main(["--db", db, "search", "bladder", "--near", "Brigton"]) == 2
    assert "Brighton" in capsys.readouterr().out


def test_bad_database_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.db"
    bad.write_text("not a database")
    assert main(["--db", str(bad), "search", "x"]) == 1
    assert "not a ketdir database" in capsys.readouterr().err


def test_build_db(tmp_path, capsys):
    out = tmp_path / "built.db"
    assert main(["build-db", "--output", str(out)]) == 0
    assert "Built" in capsys.readouterr().out and out.exists()
    assert main(["--db", str(out), "search", "frank"]) == 0
    assert "FRANK" in capsys.readouterr().out


def test_harm_lists_topics(capsys):
    assert main(["harm"]) == 0
    out = capsys.readouterr().out
    assert "ketamine-bladder" in out and "ghb-gbl" in out


def test_harm_by_words_and_by_need(capsys):
    assert main(["harm", "ket cramps"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("K-cramps") and "Sources" in out
    assert main(["harm", "--need", "chemsex"]) == 0
    out = capsys.readouterr().out
    assert "consent" in out.lower() and "999" in out


def test_harm_unknown_topic_exits_2(capsys):
    assert main(["harm", "zzzzqqq"]) == 2
    assert "no harm topic matches" in capsys.readouterr().err


def test_import_refuses_to_write_into_the_bundled_directory(capsys, monkeypatch, tmp_path):
    from ketdir.paths import bundled_db

    monkeypatch.delenv("KETDIR_DB", raising=False)
    before = bundled_db().read_bytes()
    assert main(["import", str(tmp_path / "anything.json")]) == 2
    assert "bundled training directory" in capsys.readouterr().err
    assert bundled_db().read_bytes() == before
