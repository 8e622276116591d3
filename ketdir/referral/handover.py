"""Plain text to hand over one service or a shortlist: short enough for one or two text messages.

An SMS holds 160 GSM-7 characters (153 a part when split); one character outside GSM-7 (an en dash, a
curly quote) turns the whole message into UCS-2 at 70 (67) characters. So the compact form is written in
GSM-7 only, and lines are dropped, least important first, until it fits `max_segments`:

    name, DEMO flag, first phone      never dropped
    address                           dropped last
    today's hours
    other phones
    how to refer (first sentence)
    website                           dropped first

`case_note_text` is the long form (ketdir.referral.text.referral_text for each service) for a case note.
No Qt here.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from ketdir import hours as hours_mod
from ketdir.referral.text import referral_text
from ketdir.store.detail import ServiceDetail

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"  # each takes two characters (escape + char)
_GSM_BASIC = frozenset(GSM7_BASIC)
_GSM_EXT = frozenset(GSM7_EXTENSION)

_REPLACEMENTS = {
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2015": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2026": "...", "\u00b7": "-", "\u2022": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2192": "->",
    "\t": " ",
}

DEMO_SMS = "DEMO - not a real service"
UNVERIFIED_SMS = "(unverified - check)"
SMS_SINGLE = {"GSM-7": 160, "UCS-2": 70}
SMS_PART = {"GSM-7": 153, "UCS-2": 67}
REFER_MAX = 90


@dataclass(frozen=True)
class SmsCount:
    characters: int  # in the encoding's units (GSM-7 extension characters count twice)
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"

    def describe(self) -> str:
        texts = "1 text" if self.segments == 1 else f"{self.segments} texts"
        return f"{self.characters} characters, {texts}"


def is_gsm7(text: str) -> bool:
    return all(c in _GSM_BASIC or c in _GSM_EXT for c in text)


def sms_count(text: str) -> SmsCount:
    """How many SMS parts `text` takes (GSM-7 if every character is in it, else UCS-2)."""
    if is_gsm7(text):
        n = sum(2 if c in _GSM_EXT else 1 for c in text)
        encoding = "GSM-7"
    else:
        n = len(text.encode("utf-16-le")) // 2
        encoding = "UCS-2"
    if n == 0:
        return SmsCount(0, 0, encoding)
    segments = 1 if n <= SMS_SINGLE[encoding] else math.ceil(n / SMS_PART[encoding])
    return SmsCount(n, segments, encoding)


def to_gsm(text: str) -> str:
    """The text in GSM-7 characters: dashes, quotes and spaces made plain, accents dropped where needed."""
    out: list[str] = []
    for c in text:
        c = _REPLACEMENTS.get(c, c)
        if all(ch in _GSM_BASIC or ch in _GSM_EXT for ch in c):
            out.append(c)
            continue
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
        plain = "".join(ch for ch in plain if ch in _GSM_BASIC or ch in _GSM_EXT)
        out.append(plain if plain else "?")
    return "".join(out)


def short_url(url: str) -> str:
    """"https://www.example.org/x/" -> "example.org/x" (phones still make it a link)."""
    text = re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)
    text = re.sub(r"^www\.", "", text, flags=re.IGNORECASE)
    return text.rstrip("/")


def first_sentence(text: str, limit: int = REFER_MAX) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > limit:
        sentence = sentence[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."
    return sentence


def today_hours(detail: ServiceDetail, today: dt.date) -> str:
    """"Today 09:00-17:00", "Today closed (Christmas Day)", "Hours: phone to check"."""
    hours = detail.hours
    if hours is None or not hours.known:
        return "Hours: phone to check"
    day = next((d for d in hours_mod.week(hours, today) if d.is_today), None)
    if day is None or not day.known:
        return "Hours: phone to check"
    text = f"Today {day.text().lower() if not day.intervals else day.text()}"
    if day.bank_holiday:
        text += f" ({day.bank_holiday})"
    return text


def _phone(phone) -> str:
    text = phone.number
    if (phone.type or "").lower() in ("text", "sms"):
        text += " (text)"
    if not phone.verified:
        text += f" {UNVERIFIED_SMS}"
    return text


# priorities: 0 never dropped; higher numbers are dropped first
_DROP_ORDER = (5, 4, 3, 2, 1)
_PRIORITY_NAMES = {5: "website", 4: "how to refer", 3: "other phones", 2: "today's hours", 1: "address"}


def _service_lines(detail: ServiceDetail, today: dt.date, number: int | None) -> list[tuple[int, str]]:
    name = detail.name if number is None else f"{number}) {detail.name}"
    lines: list[tuple[int, str]] = [(0, name)]
    if detail.is_demo:
        lines.append((0, DEMO_SMS))
    if detail.phones:
        lines.append((0, f"Tel {_phone(detail.phones[0])}"))
        for phone in detail.phones[1:]:
            lines.append((3, f"or {_phone(phone)}"))
    else:
        lines.append((0, "No phone listed"))
    if detail.address:
        lines.append((1, detail.address))
    lines.append((2, today_hours(detail, today)))
    if detail.application_process:
        lines.append((4, f"Refer: {first_sentence(detail.application_process)}"))
    if detail.url:
        lines.append((5, short_url(detail.url)))
    return lines


@dataclass(frozen=True)
class HandoverText:
    text: str
    sms: SmsCount
    dropped: tuple[str, ...]  # what was left out to fit, e.g. ("website", "how to refer")
    fits: bool  # within max_segments

    def describe(self) -> str:
        words = self.sms.describe()
        if self.dropped:
            words += f" (left out: {', '.join(self.dropped)})"
        return words


def compact_text(details: Sequence[ServiceDetail] | ServiceDetail, today: dt.date,
                 max_segments: int = 2) -> HandoverText:
    """The services in GSM-7 plain text, shortened to fit `max_segments` SMS where it can be."""
    if isinstance(details, ServiceDetail):
        details = [details]
    details = list(details)
    if not details:
        return HandoverText("", sms_count(""), (), True)
    numbered = len(details) > 1
    blocks = [_service_lines(d, today, i + 1 if numbered else None) for i, d in enumerate(details)]

    def render(drop: set[int]) -> str:
        parts = ["\n".join(to_gsm(text) for prio, text in block if prio not in drop) for block in blocks]
        return "\n".join(parts)

    drop: set[int] = set()
    text = render(drop)
    for prio in _DROP_ORDER:
        if sms_count(text).segments <= max_segments:
            break
        if not any(p == prio for block in blocks for p, _ in block):
            continue
        drop.add(prio)
        text = render(drop)
    count = sms_count(text)
    dropped = tuple(_PRIORITY_NAMES[p] for p in _DROP_ORDER if p in drop
                    and any(q == p for block in blocks for q, _ in block))
    return HandoverText(text, count, dropped, count.segments <= max_segments)


def case_note_text(details: Sequence[ServiceDetail] | ServiceDetail, today: dt.date, at: dt.datetime) -> str:
    """The full referral of each service (for a case note or an email), separated by a blank line."""
    if isinstance(details, ServiceDetail):
        details = [details]
    return "\n".join(referral_text(d, today, at) for d in details)
