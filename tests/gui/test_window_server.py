"""The window on a PostgreSQL server (team mode): while typing it says "at least" instead of counting, and when
typing pauses it shows the count, with need-type counts that say "at least" where the server read a sample."""
from ketdir.search.retrieve import postgres as pg_retrieve
from tests import backends
from tests.factories import build, record

from helpers import names, settle, type_into

CLINICS = [record(f"Bladder Clinic {i:03d}", needs=["bladder-urology"] + (["chemsex"] if i >= 117 else []),
                  lat=51.5 + 0.001 * i, lon=-0.1, description="Urology.") for i in range(120)]


def test_window_on_a_server_says_at_least_while_typing_and_counts_when_typing_pauses(qtbot, make_window,
                                                                                     monkeypatch):
    monkeypatch.setattr(pg_retrieve, "NEED_SAMPLE", 20)  # read 20 services for the need-type counts, not 400
    with backends.pg_database() as url:
        directory = build(url, CLINICS)
        try:
            window = make_window(directory)
            window.counts_pause_ms = 300
            model = window.need_list.model
            type_into(qtbot, window.search_edit, "bladder")
            qtbot.waitUntil(lambda: window.shown and window.model.results().query.text == "bladder", timeout=5000)
            typing = window.model.results()
            assert typing.query.with_total is False and typing.total_is_minimum
            assert window.count_label.text() == "100+ results"  # the 100 strongest read; nothing counted
            assert len(names(window)) == 50
            settle(qtbot, window)  # typing paused: the same search with the count and the need-type counts
            assert window.count_label.text() == "120 results"
            bladder = model.index(model.row_of("bladder-urology")).data()
            assert bladder == "Bladder & urology  (20+)"  # at least the 20 of the sample
            assert model.index(model.row_of("chemsex")).data().endswith("(3)")  # not in the sample: read again
            assert model.index(model.row_of("sexual-health")).data().endswith("(0)")
        finally:
            directory.close()
