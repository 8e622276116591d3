"""One rule for CSV cells meant for spreadsheets: text a spreadsheet would run as a formula gets a leading ',
everything else is left as it is, and reading a cell back gives the text it was."""
from __future__ import annotations

import csv
import io

import pytest

from ketdir.csvsafe import neutralise, restore


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","x")', "+44 20 7946 0000", "-1", "@SUM(A1)",
                                  "\tindented", "\rreturn"])
def test_formula_like_text_becomes_text(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("value", ["", "Ketamine bladder clinic", "0300 123 4567", "a=b", "'quoted already", 7, None])
def test_anything_else_is_left_alone(value):
    assert neutralise(value) == value
    if isinstance(value, str):
        assert restore(value) == value  # a cell that merely starts with ' keeps it


def test_a_written_row_reads_back_as_text_a_spreadsheet_will_not_run():
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(c) for c in ["=1+1", "Drop-in", "-", 3]])
    cells = next(csv.reader(io.StringIO(out.getvalue())))
    assert cells == ["'=1+1", "Drop-in", "'-", "3"]
    assert [restore(c) for c in cells] == ["=1+1", "Drop-in", "-", "3"]
