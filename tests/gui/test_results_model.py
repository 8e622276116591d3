"""The results model and delegate without a database; the search worker's stale-result rule."""
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
from ketdir.gui.search_worker import SearchController
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


class _FakeSession:
    def in_transaction(self):
        return False

    def rollback(self):
        pass

    def close(self):
        pass


def test_a_slow_old_search_never_replaces_a_newer_one(qtbot, qapp):
    release = threading.Event()

    def search(_session, query):
        if query.text == "slow":
            release.wait(5)
        return Results(query=query)

    controller = SearchController(_FakeSession, search)
    shown = []
    controller.results.connect(lambda seq, res, _s: shown.append(res.query.text))
    controller.submit(Query(text="slow"))
    controller.submit(Query(text="newer"))
    controller.submit(Query(text="newest"))  # replaces "newer" while "slow" runs
    time.sleep(0.05)
    release.set()
    qtbot.waitUntil(lambda: controller.idle, timeout=5000)
    assert shown == ["newest"]
    controller.close()


def test_a_failing_search_is_a_message(qtbot, qapp):
    def search(_session, query):
        raise RuntimeError("database disk image is malformed")

    controller = SearchController(_FakeSession, search)
    with qtbot.waitSignal(controller.failed, timeout=5000) as blocker:
        controller.submit(Query(text="x"))
    assert blocker.args[0].startswith("Search did not work")
    controller.close()


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
