"""Issue 14's relevance targets on the bundled directory (SQLite), from the caller phrases in
tests/fixtures/caller_phrases.csv: an expected need type in the first five for at least 95 % of phrases, every
emergency flagged, no ordinary phrase flagged. bench/bench_relevance.py prints the same numbers."""
import pytest

from bench.relevance import evaluate, load_cases
from ketdir.paths import bundled_db
from ketdir.store.engine import open_directory


@pytest.fixture(scope="module")
def report():
    directory = open_directory(bundled_db())
    try:
        with directory.session() as session:
            yield evaluate(session, load_cases())
    finally:
        directory.close()


def test_the_phrase_set_is_big_and_varied():
    cases = load_cases()
    assert len(cases) >= 100
    assert sum(c.emergency for c in cases) >= 20 and sum(not c.emergency for c in cases) >= 80
    assert len({c.near for c in cases}) >= 15  # places all over the UK, and none
    assert len({need for c in cases for need in c.needs}) == 11  # every need type is asked for


def test_need_type_in_the_first_five(report):
    assert report.hit_rate >= 0.95, [(o.case.phrase, o.case.near, o.shown) for o in report.misses]


def test_every_emergency_is_flagged(report):
    assert report.emergency_recall == 1.0, [o.case.phrase for o in report.missed_emergencies]


def test_no_ordinary_phrase_is_flagged(report):
    assert report.false_alarm_rate == 0.0, [o.case.phrase for o in report.false_alarms]
