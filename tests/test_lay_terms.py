"""The lay and symptom vocabulary (data/lay_terms.csv), tested from the table: every phrase is read as its need
types, and searching it puts services of each of those need types in the first five."""
import csv

import pytest

from ketdir.needs import need_types
from ketdir.paths import data_dir
from ketdir.search import Query, search
from ketdir.search.relaxed import filler_words
from ketdir.search.synonyms import VocabularyError, load_synonyms, synonyms
from ketdir.search.text_query import plan_text
from tests.factories import build, record


def _rows() -> list[dict]:
    with (data_dir() / "lay_terms.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()


def test_the_table_is_big_enough_and_well_formed():
    assert len(ROWS) >= 200
    codes = set(need_types().codes)
    for row in ROWS:
        needs = row["needs"].split()
        assert needs and set(needs) <= codes, row
        assert row["phrase"].strip() == row["phrase"] and row["phrase"], row
    phrases = [row["phrase"] for row in ROWS]
    assert len(phrases) == len(set(phrases))


def test_issue_vocabulary_is_there():
    phrases = {row["phrase"] for row in ROWS} | {" ".join(t) for t in synonyms().by_term}
    for wanted in ("peeing blood", "pissing blood", "weeing blood", "burning when i wee", "cant pee",
                   "sore bladder", "painful bladder", "belly pain", "stomach pain", "k pains", "gum", "clap", "drip",
                   "discharge", "sores", "hiv exposure", "condom split", "condom broke", "pep", "spiked", "blackout",
                   "woke up somewhere", "comedown", "cant stop", "craving", "detox", "rehab", "meeting", "sponsor",
                   "needle", "pin", "clean works", "slamming", "tina", "meow meow", "mcat", "g", "ghb", "gbl",
                   "chems", "pnp"):
        assert wanted in phrases, wanted


def test_a_phrase_listed_twice_is_refused(tmp_path):
    lay = tmp_path / "lay.csv"
    lay.write_text("phrase,needs,expands_to\nket,drug-treatment,\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="“ket” is listed twice"):
        load_synonyms(data_dir() / "synonyms.csv", lay)


@pytest.mark.parametrize("row", ROWS, ids=[r["phrase"] for r in ROWS])
def test_each_phrase_is_read_as_its_need_types(row):
    plan = plan_text(row["phrase"], synonyms(), need_types())
    read = {code for reading in plan.readings for code in reading.needs}
    assert set(row["needs"].split()) <= read, (row["phrase"], plan.understood_as if hasattr(plan, "understood_as")
                                               else [r.describe() for r in plan.readings])


@pytest.fixture(scope="module")
def one_service_per_need(tmp_path_factory):
    """One plain service of each need type, and nothing in their text that any phrase could match."""
    records = [record(f"Service {i}", needs=[need.code], lat=51.5 + i / 100, lon=-0.1,
                      description="Open to anyone.", org=f"Provider {i}")
               for i, need in enumerate(need_types().all)]
    directory = build(tmp_path_factory.mktemp("lay") / "needs.db", records)
    with directory.session() as session:
        yield session
    directory.close()


@pytest.mark.parametrize("row", ROWS, ids=[r["phrase"] for r in ROWS])
def test_searching_each_phrase_finds_its_need_types_in_the_first_five(one_service_per_need, row):
    res = search(one_service_per_need, Query(text=row["phrase"], include_national=False))
    found = {code for hit in res.local[:5] for code in hit.needs}
    assert set(row["needs"].split()) <= found, (row["phrase"], [h.needs for h in res.local[:5]])


def test_filler_words_are_not_lay_terms():
    assert not filler_words() & {row["phrase"] for row in ROWS}
