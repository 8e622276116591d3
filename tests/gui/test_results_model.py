"""The results model and delegate without a database; live search's newest-answer rule and its two phases."""
from __future__ import annotations

import datetime as dt
import threading
import time

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QFont, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from ketdir.geo import Place
from ketdir.gui.results_delegate import ResultsDelegate
from ketdir.gui.results_model import HEADER, HIT, ResultsModel, Role, distance_text
from ketdir.search.types import Hit, OpenState, Query, Results


def hit(name, *, national=False, miles=None, is_open=True, assured=dt.date(2026, 11, 3), stale=False,
        unverified=False, demo=False, needs=("chemsex",)):
    return Hit(service_id=f"id-{name}", name=name, organization=f"{name} Org", needs=needs, is_national=national,
               is_demo=demo, distance_miles=miles,
               open_state=OpenState(is_open, "Open · closes 17:00" if is_open else "Closed · opens Wed 09:00"),
               assured_date=assured, is_stale=stale, has_unverified_phone=unverified, why=("name matches",))


def results():
    place = Place(name="SE1 7TP", kind="postcode", latitude=51.5, longitude=-0.1,
                  label="SE1 7TP (near SE1 district centre)")
    return Results(query=Query(text="chems"), place=place, total_local=2,
                   local=[hit("Near", miles=0.42), hit("Far", miles=12.3, is_open=False, stale=True,
                                                         assured=dt.date(2024, 1, 5), unverified=True, demo=True)],
                   national=[hit("Line", national=True)])


def test_rows_roles_and_groups(qapp):
    model = ResultsModel(lambda code: {"chemsex": "Chemsex support"}.get(code, code))
    model.set_results(results())
    kinds = [model.index(r, 0).data(Role.Kind) for r in range(model.rowCount())]
    assert kinds == [HEADER, HIT, HIT, HEADER, HIT]
    assert model.index(0, 0).data(Role.HeaderText) == "2 services near SE1 7TP"
    assert model.index(3, 0).data(Role.HeaderText) == "National and phone lines (1)"
    near, far = model.index(1, 0), model.index(2, 0)
    assert near.data(Role.Distance) == "0.4 miles"
    assert far.data(Role.Distance) == "12 miles"
    assert near.data(Role.OpenText) == "Open · closes 17:00" and near.data(Role.OpenState) == "open"
    assert far.data(Role.OpenState) == "closed"
    assert [b.text for b in near.data(Role.Badges)] == ["Verified 3 Nov 2026"]
    assert [b.text for b in far.data(Role.Badges)] == [
        "Demo — not a real service", "Unverified number"]  # a demo record never shows a check
    assert near.data(Role.NeedLabels) == ["Chemsex support"]
    assert "Closed · opens Wed 09:00" in far.data(0x0B)  # AccessibleTextRole: words, not colour
    assert not model.flags(model.index(0, 0))  # headers cannot be selected
    assert model.next_hit_row(2, 1) == 4 and model.next_hit_row(1, -1) == 1
    model.set_results(None)
    assert model.rowCount() == 0


def test_distance_text():
    assert distance_text(None) == ""
    assert distance_text(1.02) == "1 mile"
    assert distance_text(0.05) == "under 0.1 miles"
    assert distance_text(2.14) == "2.1 miles"


def _paint(model, font: QFont) -> QSize:
    delegate = ResultsDelegate()
    option = QStyleOptionViewItem()
    option.font = font
    option.rect = QRect(0, 0, 420, 200)
    size = delegate.sizeHint(option, model.index(1, 0))
    image = QImage(420, size.height(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    option.rect = QRect(0, 0, 420, size.height())
    delegate.paint(painter, option, model.index(1, 0))
    delegate.paint(painter, option, model.index(0, 0))
    painter.end()
    return size


def test_rows_grow_with_the_font_200_percent(qapp):
    model = ResultsModel(lambda c: c)
    model.set_results(results())
    font = QFont(qapp.font())
    normal = _paint(model, font)
    font.setPointSizeF(font.pointSizeF() * 2)
    double = _paint(model, font)
    assert double.height() > normal.height() * 1.7


class _Searcher:
    """Answers like app.search.Searcher, from a function of the query (on the worker's threads)."""

    def __init__(self, answer):
        self.answer = answer
        self.asked: list[Query] = []

    def search(self, query):
        from ketdir.app.search import Found

        self.asked.append(query)
        return Found(self.answer(query), 0.001)


def _live(qapp, answer):
    from ketdir.gui.live_search import LiveSearch
    from ketdir.gui.workers import Worker

    worker = Worker(threads=2)
    searcher = _Searcher(answer)
    live = LiveSearch(searcher, worker)
    live.pause_ms = 50
    return live, searcher, worker


def test_a_slow_old_search_never_replaces_a_newer_one(qtbot, qapp):
    release = threading.Event()

    def answer(query):
        if query.text == "slow":
            release.wait(5)
        return Results(query=query)

    live, searcher, worker = _live(qapp, answer)
    shown = []
    live.answered.connect(lambda a: shown.append((a.results.query.text, a.counted)))
    live.ask(Query(text="slow"))
    live.ask(Query(text="newer"))
    live.ask(Query(text="newest"))  # replaces "newer", which waited while "slow" ran
    time.sleep(0.05)
    release.set()
    qtbot.waitUntil(lambda: live.settled, timeout=5000)
    assert shown == [("newest", False), ("newest", True)]  # the results, then the counts after the pause
    assert [q.text for q in searcher.asked] == ["slow", "newest", "newest"]  # "newer" was never searched
    assert [q.with_counts for q in searcher.asked] == [False, False, True]
    worker.shutdown()


def test_counts_wait_for_a_pause_and_a_keystroke_cancels_them(qtbot, qapp):
    live, searcher, worker = _live(qapp, lambda query: Results(query=query))
    live.pause_ms = 300
    live.ask(Query(text="k"))
    qtbot.waitUntil(lambda: live.listed, timeout=5000)
    assert not live.settled  # the counts are still to come
    live.ask(Query(text="ke"))  # typing goes on before the pause ends
    qtbot.waitUntil(lambda: live.settled, timeout=5000)
    assert [(q.text, q.with_counts) for q in searcher.asked] == [("k", False), ("ke", False), ("ke", True)]
    worker.shutdown()


def test_a_search_the_database_refuses_is_a_message(qtbot, qapp):
    from ketdir.problems import Unavailable

    def answer(_query):
        raise Unavailable("The directory is busy (an import is running). Your search will work again in a moment.")

    live, _searcher, worker = _live(qapp, answer)
    with qtbot.waitSignal(live.failed, timeout=5000) as blocker:
        live.ask(Query(text="x"))
    assert isinstance(blocker.args[0], Unavailable) and "busy" in str(blocker.args[0])
    assert live.listed  # the window stops waiting for this query
    worker.shutdown()


def test_tel_links():
    from ketdir.gui.detail_html import tel_url

    assert tel_url("020 7946 0101") == "tel:+442079460101"
    assert tel_url("0300 123 6600") == "tel:+443001236600"
    assert tel_url("111") == "tel:111"
    assert tel_url("116 123") == "tel:116123"


def test_estimated_totals_say_about():
    from ketdir.gui.results_model import header_texts
    from ketdir.search.types import Query, Results

    results = Results(query=Query(text="ke"), total_local=6589, total_is_estimate=True)
    assert header_texts(results)[0] == "About 6,589 services · showing the best 0"
