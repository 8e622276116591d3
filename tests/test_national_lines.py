"""The order and coverage rules of national lines (ketdir.search.national), on hand-made hits and lines."""
import datetime as dt

from ketdir.geo import Place
from ketdir.search.national import Line, left_out, nation_of, notes_for, order
from ketdir.search.types import Hit, OpenState

OPEN = OpenState(True, "Open 24 hours")
CLOSED = OpenState(False, "Closed · opens 09:00")


def line(name, needs, phone="0300 000 0000", state=OPEN) -> Hit:
    return Hit(service_id=name, name=name, organization="", needs=tuple(needs), is_national=True, is_demo=False,
               distance_miles=None, open_state=state, assured_date=dt.date(2026, 11, 1), is_stale=False,
               has_unverified_phone=False, phone=phone)


LINES = [
    line("Emergency services (999)", ["urgent-care", "sexual-violence"], phone="999"),
    line("Drugs line", ["drug-treatment", "harm-reduction"]),
    line("Night crisis line", ["mental-health"], state=CLOSED),
    line("NHS 111", ["urgent-care", "mental-health", "physical-health"], phone="111"),
    line("Listening line", ["mental-health"]),
]


def names(hits):
    return [h.name for h in hits]


def test_in_an_emergency_999_then_the_urgent_care_lines():
    ordered = names(order(LINES, {"urgent-care", "chemsex"}, emergency=True))
    assert ordered[:2] == ["Emergency services (999)", "NHS 111"]


def test_otherwise_999_goes_last_and_the_need_types_decide():
    ordered = names(order(LINES, {"mental-health"}, emergency=False))
    assert ordered[-1] == "Emergency services (999)"
    assert set(ordered[:3]) == {"Night crisis line", "NHS 111", "Listening line"}
    assert ordered.index("Drugs line") > 2


def test_lines_serving_more_of_the_needs_come_first():
    ordered = names(order(LINES, {"mental-health", "physical-health"}, emergency=False))
    assert ordered[0] == "NHS 111"


def test_an_urgent_need_puts_open_lines_before_closed_ones():
    ordered = names(order(LINES, {"mental-health", "urgent-care"}, emergency=False))
    assert ordered[0] == "NHS 111"  # urgent care first
    assert ordered.index("Listening line") < ordered.index("Night crisis line")  # open before closed


def test_search_order_stays_when_nothing_else_decides():
    assert names(order(LINES, set(), emergency=False)) == [n for n in names(LINES) if "999" not in n] + \
        ["Emergency services (999)"]


def test_coverage_by_nation():
    lines = {1: Line("NHS 111", frozenset({"England", "Wales", "Scotland"}), "111"),
             2: Line("Samaritans", frozenset(), "116123"),
             3: Line("NI abuse line", frozenset({"Northern Ireland"}), "08088021414")}
    assert left_out(lines, "Northern Ireland") == {1}
    assert left_out(lines, "Scotland") == {3}
    assert left_out(lines, None) == set()  # no place (or its nation unknown): every line
    note, = notes_for([lines[1]], "Northern Ireland")
    assert note.startswith("NHS 111 is not shown: it covers England, Wales, Scotland, not Northern Ireland.")
    assert "GP out of hours" in note
    assert notes_for([lines[3]], "Scotland") == []  # nothing useful to say: left out quietly


def test_nation_of_a_place():
    belfast = Place("Belfast", "place", 54.6, -5.93, "Belfast", nation="NIR")
    assert nation_of(belfast) == "Northern Ireland"
    assert nation_of(Place("51.5,-0.1", "latlon", 51.5, -0.1, "51.5,-0.1")) is None
    assert nation_of(None) is None
