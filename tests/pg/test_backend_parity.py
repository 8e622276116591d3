"""One query set on SQLite and on PostgreSQL, same data: the same services, readings, corrections and counts.

Orders are compared where they are defined by distance or name (no text, or only filters). Where the text
rank decides the order (FTS5 bm25 on SQLite, ts_rank on PostgreSQL: different formulas), hits are compared as
sets — and with a place, the "strong matches first" split depends on the rank's scale, so those are sets too.
"""
import datetime as dt

import pytest

from ketdir.search import Query, search
from tests import backends
from tests.test_search import RECORDS, TUESDAY_2PM, TUESDAY_9PM, CHRISTMAS_10AM

QUERIES = [
    Query(text="bladder", at=TUESDAY_2PM),
    Query(text="bla", at=TUESDAY_2PM),
    Query(text="ket bladder", at=TUESDAY_2PM),
    Query(text="wee", at=TUESDAY_2PM),
    Query(text="wee", at=TUESDAY_2PM, ignore_readings=frozenset({"wee"})),
    Query(text="chems", at=TUESDAY_2PM),
    Query(text="pep", at=TUESDAY_2PM),
    Query(text="PEP out of hours", at=TUESDAY_2PM),
    Query(text="bladdr", at=TUESDAY_2PM),
    Query(text="urolgy clinic", at=TUESDAY_2PM),
    Query(text="contnence", at=TUESDAY_2PM),
    Query(text="mephedrone crystal", at=TUESDAY_2PM),
    Query(text="crystal meth", at=TUESDAY_2PM),
    Query(text="A&E", at=TUESDAY_2PM),
    Query(text="café ürology", at=TUESDAY_2PM),
    Query(text="\"; DROP TABLE service; --", at=TUESDAY_2PM),
    Query(text="ketamine zebra", at=TUESDAY_2PM),
    Query(text="", at=TUESDAY_2PM),
    Query(text="", needs=frozenset({"sexual-health"}), at=TUESDAY_2PM),
    Query(text="", near="Brighton", at=TUESDAY_2PM),
    Query(text="", near="SE1", radius_miles=5, at=TUESDAY_2PM),
    Query(text="", near="SE1", open_now=True, at=TUESDAY_9PM),
    Query(text="", open_now=True, at=CHRISTMAS_10AM),
    Query(text="", age=15, at=TUESDAY_2PM),
    Query(text="", free_only=True, at=TUESDAY_2PM),
    Query(text="", language="en", at=TUESDAY_2PM),
    Query(text="bladder", near="SE1", at=TUESDAY_2PM),
    Query(text="sexual health", near="Brighton", radius_miles=3, at=TUESDAY_2PM, with_counts=True),
    Query(text="drug", with_counts=True, at=TUESDAY_2PM),
    Query(text="", limit=3, with_counts=True, at=TUESDAY_2PM),
]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    with backends.sessions_on_both(tmp_path_factory.mktemp("parity"), RECORDS) as sessions:
        yield sessions


def _view(res, ordered: bool):
    hits = lambda hs: [(h.name, h.distance_miles and round(h.distance_miles, 6), h.open_state.is_open, h.why)
                       for h in hs]
    local, national = hits(res.local), hits(res.national)
    if ordered and res.place is not None:  # nearest first; services at the same distance in either order
        assert [h[1] for h in local] == sorted(h[1] for h in local)
        local.sort(key=lambda h: (h[1], h[0]))
    if not ordered:
        local, national = sorted(local), sorted(national)
    return dict(local=local, national=national, total=res.total_local, readings=res.readings,
                fuzzy=res.used_fuzzy, message=res.message, counts=res.need_counts, place=res.place_message)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr((q.text, q.near))[:40])
def test_same_results_on_both_backends(both, query):
    lite, pg = both
    ordered = not query.text.strip() or query.text.startswith('"')  # no usable text: distance or name order
    assert _view(search(pg, query), ordered) == _view(search(lite, query), ordered)
