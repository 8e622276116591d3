"""`ketdir search` with a caller's words: the emergency first in the text and in the JSON, matched words on
results that match part of them, and the urgent-advice line for the place's nation."""
import json

import pytest

from ketdir.cli import main
from tests.caller_directory import CALLER_RECORDS
from tests.factories import build


@pytest.fixture(scope="module")
def db(directory_url):  # once on SQLite, once on the PostgreSQL test server
    build(directory_url, CALLER_RECORDS).close()
    return directory_url


def test_emergency_heads_the_text_and_999_is_the_first_line(db, capsys):
    assert main(["--db", db, "search", "friend wont wake up after g and k", "--near", "Manchester"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "!! EMERGENCY — call 999 now: can't be woken"
    assert lines[1] == "   1. Call 999 now and ask for an ambulance."
    assert "recovery position" in lines[2] and "CPR" in lines[3] and "(you typed: G, ketamine)" in lines[4]
    national = out[out.index("National and regional lines"):]
    assert national.splitlines()[1] == "  - Emergency services (999)"
    assert out.index("!! EMERGENCY") < out.index("services found")


def test_emergency_in_the_json(db, capsys):
    assert main(["--db", db, "search", "my mate has collapsed", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    emergency = data["emergency"]
    assert emergency["call"] == "999"
    assert [s["id"] for s in emergency["situations"]] == ["collapsed"]
    assert emergency["what_to_do"][0] == "Call 999 now and ask for an ambulance."
    assert data["national"][0]["phone"] == "999"
    assert data["harm_topics"][0] == "mixing-overdose-k-hole"


def test_no_emergency_in_ordinary_words(db, capsys):
    assert main(["--db", db, "search", "wake up early clinic", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["emergency"] is None
    assert main(["--db", db, "search", "wont stop using ket"]) == 0
    assert "EMERGENCY" not in capsys.readouterr().out


def test_matched_words_on_results_that_match_part_of_them(db, capsys):
    assert main(["--db", db, "search", "ket daily blood peeing belly pain", "--near", "LS6"]) == 0
    out = capsys.readouterr().out
    assert "No service matched every word" in out
    first = out[out.index(" 1. "):out.index(" 2. ")]
    assert "Leeds Urology Department" in first and "matched: ket, blood, peeing" in first
    assert main(["--db", db, "search", "ket daily blood peeing belly pain", "--near", "LS6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matched_some_words"] is True
    assert data["local"][0]["matched"][:3] == ["ket", "blood", "peeing"]


def test_northern_ireland_has_no_111_and_says_what_to_call(db, capsys):
    assert main(["--db", db, "search", "urgent advice", "--near", "Belfast"]) == 0
    out = capsys.readouterr().out
    assert "  - NHS 111" not in out
    assert "There is no NHS 111 in Northern Ireland" in out
    assert out.rstrip().endswith("(there is no NHS 111 in Northern Ireland).")
