"""The printable slip, as content: HTML blocks and QR codes that the Qt layer lays out on A4 or A6 pages.

One block per service (name, DEMO banner, phones with unverified ones marked, address, hours this week,
how to refer, website, email, last checked) with its contact QR code; then, if asked, the summaries of the
harm topics for the services' need types; then the urgent-help block (999 / NHS 111). Every page also
carries a one-line urgent-help footer, so it is one glance away on each sheet.

A4 fits several services on a page; A6 puts each service on its own page. The HTML uses only what
QTextDocument renders (tables, inline styles). No Qt here: `ketdir.gui.slip_dialog` paints it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from typing import Iterable, Sequence

from ketdir import hours as hours_mod
from ketdir.referral.qr import MECARD, QrCode, service_qr
from ketdir.referral.text import long_date
from ketdir.store.checked import DEMO, STALE, status_of
from ketdir.store.detail import ServiceDetail

A4 = "A4"
A6 = "A6"
PAGE_SIZES = (A4, A6)
MAX_HARM_TOPICS = 3

TITLE = "Services that can help"
CHANGE_WARNING = "Details can change: phone before you go."
URGENT_FOOTER = "Emergency: call 999  ·  Urgent medical help that is not an emergency: NHS 111 (free, 24 hours)"
URGENT_FOOTER_SHORT = "Emergency: 999  ·  Urgent medical help: NHS 111 (free, 24 hours)"
URGENT_TEXT = (
    "Call <b>999</b> if someone can't be woken, is struggling to breathe, or is having a seizure. If someone "
    "is not breathing, call 999: the call handler will talk you through CPR. Stay with them and tell the "
    "ambulance crew what they have taken. For urgent medical help that is not an emergency, call "
    "<b>NHS 111</b> (free, 24 hours; NHS 24 on 111 in Scotland) or use 111.nhs.uk. In Northern Ireland, "
    "call your GP or GP out of hours."
)
DEMO_BANNER = "DEMO — NOT A REAL SERVICE. Training record: do not send anyone here."
UNVERIFIED_MARK = "unverified: check before giving out"

INK = "#111111"
MUTED = "#444444"
DEMO_BG = "#b00020"
RULE = "#999999"


@dataclass(frozen=True)
class SlipOptions:
    page: str = A4  # "A4" (several services a page) or "A6" (one service a page)
    include_harm: bool = False  # summaries of the harm topics for the services' need types
    include_urgent: bool = True  # the urgent-help block at the end (the footer line is always there)
    qr_kind: str = MECARD  # or qr.VCARD

    def __post_init__(self) -> None:
        if self.page not in PAGE_SIZES:
            raise ValueError(f"page must be one of {', '.join(PAGE_SIZES)}, not {self.page!r}")


@dataclass(frozen=True)
class SlipBlock:
    kind: str  # "service", "harm" or "urgent"
    html: str  # beside the QR code
    more_html: str = ""  # under the text and the QR code, full width (A6 cards)
    qr: QrCode | None = None
    qr_caption: str = ""
    service_id: str | None = None
    new_page: bool = False  # start a new page before this block (A6: each service)
    is_demo: bool = False


@dataclass(frozen=True)
class Slip:
    options: SlipOptions
    printed_on: dt.date
    blocks: tuple[SlipBlock, ...]
    has_demo: bool
    title: str = TITLE
    service_names: tuple[str, ...] = field(default=())

    @property
    def header_html(self) -> str:
        if self.options.page == A6:  # one line on a card; the demo banner is in the block itself
            return (
                f'<p style="margin:0"><span style="font-size:10pt; font-weight:bold; color:{INK}">'
                f"{escape(self.title)}</span>"
                f'<span style="color:{MUTED}">  ·  printed {escape(short_date(self.printed_on))}</span></p>'
            )
        head = (
            f'<p style="margin:0"><span style="font-size:15pt; font-weight:bold; color:{INK}">'
            f"{escape(self.title)}</span></p>"
            f'<p style="margin:0; color:{MUTED}">Printed {escape(long_date(self.printed_on))}. '
            f"{escape(CHANGE_WARNING)}</p>"
        )
        if self.has_demo:
            head += (
                f'<p style="margin-top:2px"><span style="color:{DEMO_BG}; font-weight:bold">'
                "Training slip: it lists demo records, which are not real services.</span></p>"
            )
        return head

    @property
    def footer(self) -> str:
        return URGENT_FOOTER if self.options.page == A4 else URGENT_FOOTER_SHORT

    @property
    def text_font_pt(self) -> float:
        return 9.5 if self.options.page == A4 else 8.5


def short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _p(text: str, style: str = "") -> str:
    return f'<p style="margin-top:3px; margin-bottom:0; {style}">{text}</p>'


def _label(text: str) -> str:
    return f'<span style="color:{MUTED}">{escape(text)}</span> '


def hours_table(detail: ServiceDetail, today: dt.date, columns: int = 1) -> str:
    """Monday to Sunday of this week, today in bold; in `columns` side-by-side columns of days."""
    hours = detail.hours
    if hours is None or not hours.known:
        return _p(_label("Opening hours:") + "not known — phone to check.")
    cells = []
    for day in hours_mod.week(hours, today):
        label = f"{day.day:%a} {day.day.day} {day.day:%b}"
        text = escape(day.text())
        if day.note:
            text += f' <span style="color:{MUTED}">({escape(day.note)})</span>'
        elif day.bank_holiday:
            text += f' <span style="color:{MUTED}">({escape(day.bank_holiday)})</span>'
        if day.is_today:
            label, text = f"<b>{escape(label)}</b>", f"<b>{text}</b>"
        else:
            label = escape(label)
        cells.append((label, text))
    days = hours_mod.week(hours, today)
    if len({d.text() for d in days}) == 1 and not any(d.note or d.bank_holiday for d in days):
        return _p(_label("Hours this week:") + f"{escape(days[0].text())}, every day")
    per_column = -(-len(cells) // columns)
    rows = []
    for r in range(per_column):
        row = []
        for c in range(columns):
            i = c * per_column + r
            label, text = cells[i] if i < len(cells) else ("", "")
            row.append(f'<td style="padding-right:6px">{label}</td><td style="padding-right:14px">{text}</td>')
        rows.append("<tr>" + "".join(row) + "</tr>")
    return (
        _p(_label("Hours this week:"))
        + '<table cellspacing="0" cellpadding="0" style="margin-top:1px; margin-bottom:2px">' + "".join(rows) + "</table>"
    )


def service_html(detail: ServiceDetail, today: dt.date, page: str = A4) -> str:
    """The whole service block as one piece of HTML."""
    return "".join(service_parts(detail, today, page))


def service_parts(detail: ServiceDetail, today: dt.date, page: str = A4) -> tuple[str, str]:
    """The block in two parts: who and how to reach them (beside the QR code), then hours, how to
    refer, website and checks (under it, full width, on the narrow A6 card)."""
    name_pt = 12.5 if page == A4 else 11
    phone_pt = 12.5 if page == A4 else 11
    parts = [f'<p style="margin:0"><span style="font-size:{name_pt}pt; font-weight:bold">{escape(detail.name)}'
             "</span></p>"]
    if detail.organization and detail.organization.lower() not in detail.name.lower():
        parts.append(f'<p style="margin:0; color:{MUTED}">{escape(detail.organization)}</p>')
    if detail.is_demo:
        parts.append(
            f'<table width="100%" cellspacing="0" cellpadding="3" style="margin-top:3px; background-color:{DEMO_BG}">'
            f'<tr><td><span style="color:#ffffff; font-weight:bold">{escape(DEMO_BANNER)}</span></td></tr></table>'
        )
    if detail.alert:
        parts.append(_p(f"<b>Please note:</b> {escape(detail.alert)}"))
    if detail.phones:
        for phone in detail.phones:
            number = f'<span style="font-size:{phone_pt}pt; font-weight:bold">{escape(phone.number)}</span>'
            extra = [w for w in (phone.description, _type_word(phone.type)) if w]
            if extra:
                number += f" ({escape(', '.join(extra))})"
            if not phone.verified:
                number += f' <i>— {escape(UNVERIFIED_MARK)}</i>'
            parts.append(_p(_label("Phone:") + number))
    else:
        parts.append(_p(_label("Phone:") + "none listed"))
    if detail.address:
        parts.append(_p(_label("Address:") + escape(detail.address)))
    elif detail.is_national:
        parts.append(_p(_label("Covers:") + escape(detail.service_area or "the whole UK") + " (phone or online)"))
    head, parts = "".join(parts), []
    parts.append(hours_table(detail, today, columns=2 if page == A4 else 1))
    if detail.application_process:
        parts.append(_p(_label("How to refer:") + escape(detail.application_process)))
    if detail.url:
        parts.append(_p(_label("Website:") + escape(detail.url)))
    if detail.email:
        parts.append(_p(_label("Email:") + escape(detail.email)))
    status = status_of(detail)  # a demo record is never shown as checked (ketdir/store/checked.py)
    if status.kind == DEMO:
        checked = "Training record: never checked by a person"
    elif status.checked_on:
        checked = f"Details last checked {long_date(status.checked_on)}"
        if status.kind == STALE:
            checked += " (over a year ago)"
    else:
        checked = "Details not yet checked by a person"
    parts.append(_p(escape(checked) + ".", f"color:{MUTED}; font-size:small"))
    return head, "".join(parts)


def _type_word(kind: str | None) -> str:
    return {"text": "text", "sms": "text", "textphone": "textphone", "fax": "fax"}.get((kind or "").lower(), "")


def harm_html(topics: Sequence) -> str:
    parts = ['<p style="margin:0"><span style="font-size:12pt; font-weight:bold">Looking after yourself</span></p>']
    for topic in topics:
        summary = " ".join(topic.summary.split())
        parts.append(_p(f"<b>{escape(topic.title)}.</b> {escape(summary)}"))
    return "".join(parts)


def urgent_html() -> str:
    return (
        '<table width="100%" cellspacing="0" cellpadding="4" border="1" style="border-color:#000000; '
        'border-style:solid"><tr><td>'
        f'<span style="font-weight:bold">Urgent help</span><br>{URGENT_TEXT}</td></tr></table>'
    )


def pick_topics(library, details: Sequence[ServiceDetail], needs: Iterable[str] | None = None,
                limit: int = MAX_HARM_TOPICS) -> list:
    """The harm topics for the slip: the best topic for the chosen needs (the search's need filters) if
    any, then the best for each service's own need types in turn, then the next best overall."""
    chosen: list = []

    def take(candidates) -> None:
        for topic in candidates:
            if len(chosen) < limit and topic not in chosen:
                chosen.append(topic)
                return

    wanted = [n for n in (needs or ()) if n]
    if wanted:
        take(library.for_needs(wanted))
    for detail in details:
        take(library.for_needs(detail.needs))
    for topic in library.for_needs(wanted + [n for d in details for n in d.needs]):
        if len(chosen) >= limit:
            break
        if topic not in chosen:
            chosen.append(topic)
    return chosen


def build_slip(details: Sequence[ServiceDetail], today: dt.date, options: SlipOptions | None = None,
               needs: Iterable[str] | None = None, library=None) -> Slip:
    """The slip's blocks for these services, in order. `needs` picks the harm topics (default: the
    services' own need types); `library` is a ketdir.harm Library (default: the bundled one)."""
    options = options or SlipOptions()
    blocks: list[SlipBlock] = []
    for i, detail in enumerate(details):
        qr = service_qr(detail, options.qr_kind) if (detail.phones or detail.url or detail.address) else None
        head, rest = service_parts(detail, today, options.page)
        if options.page == A4:
            head, rest = head + rest, ""
        caption = ("Scan with your phone camera to save this contact" if options.page == A4
                   else "Scan to save this contact") if qr else ""
        blocks.append(SlipBlock(
            kind="service",
            html=head,
            more_html=rest,
            qr=qr,
            qr_caption=caption,
            service_id=detail.id,
            new_page=options.page == A6 and i > 0,
            is_demo=detail.is_demo,
        ))
    if options.include_harm:
        if library is None:
            from ketdir.harm.library import load_library

            library = load_library()
        topics = pick_topics(library, details, needs)
        if topics:
            blocks.append(SlipBlock(kind="harm", html=harm_html(topics), new_page=options.page == A6 and bool(details)))
    if options.include_urgent and options.page == A4:  # an A6 card has the urgent line in its footer
        blocks.append(SlipBlock(kind="urgent", html=urgent_html()))
    return Slip(
        options=options,
        printed_on=today,
        blocks=tuple(blocks),
        has_demo=any(d.is_demo for d in details),
        service_names=tuple(d.name for d in details),
    )
