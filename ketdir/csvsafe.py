"""Cells of CSV files meant for spreadsheets: text a spreadsheet would run as a formula is neutralised.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return) as a formula, so a service
name from an import such as `=HYPERLINK("http://…")` could become a live link or worse when a report is opened.
A leading apostrophe makes the cell text. The data health CSV, the referral stats CSV and the terms file to fill
in use this; HSDS exports do not (README, "Exports": they are data for other readers).
"""
from __future__ import annotations

from typing import TypeVar

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """Text a spreadsheet would run as a formula, with a leading ' (anything else, and other types, as given)."""
    if isinstance(value, str) and value[:1] in FORMULA_START and value:
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text `neutralise` was given, for a cell read back from a file it wrote (a spreadsheet that saved the
    file again drops the ' itself; an editor keeps it)."""
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_START:
        return text[1:]
    return text
