"""The window on a PostgreSQL server (team mode): while typing it says "at least" instead of counting, and when
typing pauses it shows the count, with need-type counts that say "at least" where the server read a sample."""
from ketdir.search.retrieve import postgres as pg_retrieve
from tests import backends
from tests.factories import build, record

from helpers import names, settle, type_into
from ketdir.gui.results_model import Role

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


def test_another_desks_edit_on_the_server_appears_within_seconds(qtbot, make_window):
    """Two desks on one PostgreSQL directory: one renames a service; the other's open window shows the new name
    within a few seconds, says so, and keeps the person's selection."""
    from helpers import choose_result
    from ketdir.app import open_directory, writing
    from ketdir.store.index import refresh
    from ketdir.store.models import Service

    with backends.pg_database() as url:
        directory = build(url, CLINICS[:3])
        other_desk = open_directory(url)
        try:
            window = make_window(directory)
            window.watch.start(200)  # the window looks every 3 s; sooner here
            type_into(qtbot, window.search_edit, "bladder")
            settle(qtbot, window)
            chosen = choose_result(qtbot, window, steps=2)
            with writing(other_desk) as session:
                first = session.get(Service, window.model.index(window.model.first_hit_row(), 0).data(Role.ServiceId))
                first.name = "Bladder Clinic Renamed Elsewhere"
                session.flush()
                refresh(session, [first.id])
            with qtbot.waitSignal(window.refreshed, timeout=10000):
                pass
            settle(qtbot, window)
            assert "Bladder Clinic Renamed Elsewhere" in names(window)
            assert window.current_detail().id == chosen.id
            assert "directory was updated" in window.status_notice.text()
        finally:
            other_desk.close()
            directory.close()
