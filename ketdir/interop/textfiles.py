"""Bytes to text to CSV rows, with messages people can act on.

HSDS files should be UTF-8, but exports and spreadsheets saved by hand are often Windows-1252 or Latin-1:
`detect_encoding` reads those and says so. `decode_utf8` is for JSON, which must be UTF-8.
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from typing import BinaryIO

from ketdir.interop.dataset import ERROR, WARNING, Problem

BOM = b"\xef\xbb\xbf"
DELIMITERS = ",;\t|"  # the usual ones, preferred when another character splits the lines as well
SNIFF_LINES = 50
PIECE = 1 << 20  # read large files a megabyte at a time
# Bytes that are undefined in Windows-1252: a file containing them is Latin-1 (ISO 8859-1) at best.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


class TextProblem(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def guess_legacy_encoding(data: bytes) -> str:
    high = {b for b in data if b >= 0x80}
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    if high & _CP1252_UNDEFINED:
        return "Latin-1 (ISO 8859-1)"
    return "Windows-1252 (Western European)"


def decode_utf8(data: bytes, file: str) -> str:
    """Decode strict UTF-8 (a BOM is fine); otherwise raise TextProblem naming the byte offset."""
    start = 3 if data.startswith(BOM) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        bad = data[offset : offset + 1].hex().upper()
        guess = guess_legacy_encoding(data)
        raise TextProblem(
            Problem(
                ERROR,
                file,
                _line_of(data, offset),
                None,
                f"the file is not UTF-8: byte {offset} (0x{bad}) is not valid UTF-8; it looks like it was saved "
                f"as {guess}. Open it and save it again as UTF-8 (in Excel: “CSV UTF-8 (comma delimited)”), "
                "then import it again.",
                code="encoding",
            )
        ) from None


@dataclass
class Decoded:
    text: str
    encoding: str
    note: Problem | None = None


def detect_encoding(data: bytes, file: str, forced: str | None = None) -> Decoded:
    """Read text in the likeliest encoding: UTF-8 (with or without BOM), UTF-16, Windows-1252, Latin-1."""
    if forced:
        try:
            return Decoded(data.decode(forced), forced)
        except (UnicodeDecodeError, LookupError) as exc:
            raise TextProblem(
                Problem(ERROR, file, None, None,
                        f"cannot be read as {forced} ({exc}). Choose another encoding, or leave it to ketdir to detect.",
                        code="encoding")
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16"), "utf-16")
    if data.startswith(BOM):
        try:
            return Decoded(data[3:].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    legacy = _legacy({b for b in data if b >= 0x80}, file)
    return Decoded(data.decode(legacy.encoding), legacy.encoding, legacy.note)


def _legacy(high: set[int], file: str) -> Decoded:
    """Not UTF-8: Windows-1252, unless it has bytes Windows-1252 leaves undefined (then Latin-1); with a note."""
    encoding, label = ("latin-1", "Latin-1 (ISO 8859-1)") if high & _CP1252_UNDEFINED else ("cp1252", "Windows-1252")
    note = Problem(
        WARNING, file, None, None,
        f"the file is not UTF-8, so it was read as {label}. Check that characters such as £, é and ’ look right; "
        "if not, say which encoding it is (ketdir import --encoding, or Encoding in the window's column mapping).",
        code="encoding-guess",
    )
    return Decoded("", encoding, note)


def scan_encoding(stream: BinaryIO, file: str, forced: str | None = None) -> Decoded:
    """The encoding of a file read a piece at a time (a large import never holds a whole file): the same
    choice and note as detect_encoding; `text` is left empty."""
    if forced:
        return Decoded("", forced)
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = stream.read(PIECE)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded("", "utf-16")
    utf8, high, piece = True, set(), first
    while piece:
        if utf8:
            try:
                decoder.decode(piece)
            except UnicodeDecodeError:
                utf8 = False
        if not utf8:
            high.update(b for b in piece if b >= 0x80)
        piece = stream.read(PIECE)
    if utf8:
        return Decoded("", "utf-8-sig")  # a BOM, if any, is not part of the text
    return _legacy(high, file)


def sniff_delimiter(text: str) -> str:
    """The single character that splits the header and the first rows into the same number of cells (more than
    one): any character, so exports using ¬ or ^ are read too. Common delimiters win a tie."""
    lines = [line for line in text[:65536].splitlines()[:SNIFF_LINES] if line.strip()]
    if not lines:
        return ","
    if len(lines) > 1 and not text[:65536].endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end half way through a line
    header = lines[0]
    candidates = {c for c in header if not (c.isalnum() or c in " \"'")}
    best, best_score = ",", (0.0, 0, 0)
    for c in candidates:
        try:
            widths = [len(cells) for cells in csv.reader(lines, delimiter=c)]
        except csv.Error:
            continue
        if widths[0] < 2:
            continue
        agree = sum(1 for w in widths if w == widths[0]) / len(widths)
        preference = len(DELIMITERS) - DELIMITERS.index(c) if c in DELIMITERS else 0
        score = (agree, preference, widths[0])
        if score > best_score:
            best, best_score = c, score
    return best


class _RecordLines:
    """The lines of the CSV record being read: enough to tell where a quote that never closes opened."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self.record: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line

    def take(self) -> list[str]:
        lines, self.record = self.record, []
        return lines


def _quote_never_closes(lines: list[str], delimiter: str) -> bool:
    """Lenient reading takes everything after an unclosed quote as one cell; strict reading of the last record
    alone says so."""
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def read_csv_text(text: str, file: str, delimiter: str = ",") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells) of CSV text; the header is row 1, as in a spreadsheet.

    Cells may hold line breaks and very long text; blank lines are skipped. A quote that opens a cell and never
    closes is an error (read leniently, it would swallow every row after it into one cell, silently).
    """
    csv.field_size_limit(64 * 1024 * 1024)
    lines = _RecordLines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return [], []
        last, last_number = lines.take(), 1
        rows = []
        for number, cells in enumerate(reader, start=2):
            last, last_number = lines.take(), number
            if cells and (cells[0] or any(cells)):
                rows.append((number, cells))
    except csv.Error as exc:
        raise TextProblem(
            Problem(ERROR, file, reader.line_num, None,
                    f"the file cannot be read as CSV ({exc}). Check the file is a CSV export and not damaged.",
                    code="csv")
        ) from None
    if _quote_never_closes(last, delimiter):
        raise TextProblem(
            Problem(ERROR, file, last_number, None,
                    f"a quote mark (\") opens a cell in row {last_number} and never closes, so everything after "
                    "it to the end of the file would be read as one cell. Close the quote or remove it, save the "
                    "file and import it again.",
                    code="csv")
        )
    return header, rows


def normalise_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")
