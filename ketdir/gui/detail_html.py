"""The detail page of one service as safe HTML (see gui.html), and its stylesheet."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ketdir.gui.html import clean_data, clean_page, esc, inline_text, link, plain
from ketdir.needs import need_types
from ketdir.referral.text import UNVERIFIED, long_date
from ketdir.store.checked import DEMO, STALE, UNCHECKED, status_of

if TYPE_CHECKING:
    from ketdir.store.detail import ServiceDetail


def tel_url(number: str) -> str:
    """tel:+442071887188 for a UK number as people write it."""
    import phonenumbers

    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:  # not a number phonenumbers can read: digits only
        return f"tel:{digits}" if digits else ""
    if phonenumbers.is_valid_number(parsed):
        return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return f"tel:{digits}" if digits else ""  # short codes (999, 111, 116 123) are dialled as written


def stylesheet(c: dict[str, str]) -> str:
    """CSS for QTextDocument (Qt's rich-text subset); `c` maps theme colour names to #rrggbb."""
    return f"""
    h2 {{ margin: 0 0 2px 0; }}
    h3 {{ margin: 14px 0 4px 0; color: {c['accent']}; }}
    h4 {{ margin: 10px 0 2px 0; }}
    td.summary {{ background-color: {c['accent_soft']}; }}
    p {{ margin: 0 0 6px 0; }}
    .org {{ color: {c['muted']}; margin-bottom: 6px; }}
    .muted {{ color: {c['muted']}; }}
    .verified {{ color: {c['verified_fg']}; background-color: {c['verified_bg']}; }}
    .warn {{ color: {c['warn_fg']}; background-color: {c['warn_bg']}; }}
    .demo {{ color: {c['demo_fg']}; background-color: {c['demo_bg']}; }}
    .tag {{ color: {c['tag_fg']}; background-color: {c['tag_bg']}; }}
    .open {{ color: {c['open_fg']}; font-weight: 600; }}
    .closed {{ color: {c['closed_fg']}; font-weight: 600; }}
    td.banner-demo {{ color: {c['demo_fg']}; background-color: {c['demo_bg']}; }}
    td.banner-warn {{ color: {c['warn_fg']}; background-color: {c['warn_bg']}; }}
    td.banner-urgent {{ color: {c['urgent_fg']}; background-color: {c['urgent_bg']}; }}
    td.label {{ color: {c['muted']}; padding-right: 12px; }}
    td.today {{ background-color: {c['today_bg']}; font-weight: 600; }}
    td.holiday {{ color: {c['warn_fg']}; }}
    """


def _badge(kind: str, text: str) -> str:
    return f'<span class="{kind}">&nbsp;{esc(text)}&nbsp;</span>'


def _row(label: str, value_html: str) -> str:
    return f'<tr><td class="label" valign="top">{esc(label)}</td><td valign="top">{value_html}</td></tr>'


def _phones(detail: ServiceDetail) -> str:
    if not detail.phones:
        return '<span class="muted">No phone number listed</span>'
    lines = []
    for phone in detail.phones:
        url = tel_url(phone.number)
        text = link(url, phone.number) if url else esc(phone.number)
        extra = [w for w in (phone.description, phone.type if phone.type not in (None, "", "voice") else None) if w]
        if extra:
            text += f' <span class="muted">({esc(", ".join(extra))})</span>'
        if not phone.verified:
            text += " " + _badge("warn", f"⚠ {UNVERIFIED}")
        lines.append(text)
    return "<br>".join(lines)


def _hours(detail: ServiceDetail, today: dt.date, at: dt.datetime) -> str:
    from ketdir import hours as hours_mod

    hours = detail.hours
    if hours is None or not hours.known:
        return '<p class="muted">Opening hours are not known. Phone the service to check before sending someone.</p>'
    state = hours_mod.status(hours, at)
    state_html = f'<p><span class="{"open" if state.is_open else "closed"}">{"● " if state.is_open else "○ "}' \
                 f"{esc(state.text)}</span></p>"
    rows = []
    for day in hours_mod.week(hours, today):
        cls = ' class="today"' if day.is_today else ""
        label = f"{day.weekday_label} {day.day.day} {day.day:%b}"
        if day.is_today:
            label = f"▶ {label} (today)"
        note = ""
        if day.bank_holiday:
            note = f"Bank holiday: {day.note or day.bank_holiday}"
        elif day.note:
            note = day.note
        note_cls = ' class="today holiday"' if day.is_today and day.bank_holiday else (
            ' class="holiday"' if day.bank_holiday else cls)
        rows.append(
            f"<tr><td{cls}>{esc(label)}</td><td{cls}>{esc(day.text())}</td>"
            f"<td{note_cls}>{esc(note)}</td></tr>"
        )
    return state_html + '<table cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"


def service_html(detail: ServiceDetail, today: dt.date, at: dt.datetime) -> str:
    """The whole detail page, cleaned."""
    parts: list[str] = []
    if detail.is_demo:
        parts.append(
            '<table width="100%" cellpadding="6"><tr><td class="banner-demo"><b>DEMO — not a real service.</b> '
            "This is a training record: do not refer anyone here.</td></tr></table>"
        )
    if detail.alert:
        parts.append(
            f'<table width="100%" cellpadding="6"><tr><td class="banner-warn"><b>Please note:</b> '
            f"{inline_text(detail.alert)}</td></tr></table>"
        )
    parts.append(f"<h2>{esc(detail.name)}</h2>")
    if detail.organization:
        parts.append(f'<p class="org">{esc(detail.organization)}</p>')

    badges = []
    status = status_of(detail)  # a demo record is never shown as checked (ketdir/store/checked.py)
    if status.kind == UNCHECKED:
        badges.append(_badge("warn", "⚠ Not yet checked by a person"))
    elif status.kind == STALE:
        badges.append(_badge("warn", f"⚠ Stale — last checked {long_date(status.checked_on)}"))
    elif status.is_verified:
        badges.append(_badge("verified", f"✓ Verified {long_date(status.checked_on)}"))
    if detail.has_unverified_phone:
        badges.append(_badge("warn", "⚠ Unverified number"))
    if detail.is_national:
        badges.append(_badge("tag", f"National line · {detail.service_area or 'whole UK'}"))
    needs = need_types()
    for code in detail.needs:
        badges.append(_badge("tag", needs.label(code)))
    parts.append("<p>" + " ".join(badges) + "</p>")

    if detail.description:
        parts.append(clean_data(detail.description))

    contact = [_row("Phone", _phones(detail))]
    if detail.address:
        contact.append(_row("Address", esc(detail.address)))
    elif detail.is_national:
        contact.append(_row("Covers", esc(detail.service_area or "The whole UK") + " (phone or online)"))
    if detail.transportation:
        contact.append(_row("Getting there", esc(detail.transportation)))
    if detail.url:
        contact.append(_row("Website", link(detail.url)))
    if detail.email:
        contact.append(_row("Email", link(f"mailto:{detail.email}", detail.email)))
    parts.append("<h3>Contact</h3>" + '<table cellspacing="0" cellpadding="2">' + "".join(contact) + "</table>")

    parts.append("<h3>How to refer</h3>")
    parts.append(clean_data(detail.application_process)
                 or '<p class="muted">Not recorded. Phone the service to ask how to refer.</p>')

    who = []
    if detail.age_range:
        who.append(f"<p>{esc(detail.age_range)}</p>")
    if detail.eligibility:
        who.append(clean_data(detail.eligibility))
    parts.append("<h3>Who it is for</h3>" + ("".join(who) or '<p class="muted">Anyone — no limits recorded.</p>'))

    parts.append("<h3>Opening hours this week</h3>")
    parts.append(_hours(detail, today, at))

    cost = detail.fees
    if detail.is_free and "free" not in cost.lower():
        cost = f"Free — {cost}" if cost else "Free"
    parts.append("<h3>Cost</h3>" + (plain(cost) or '<p class="muted">Not recorded.</p>'))

    extra = []
    if detail.languages:
        extra.append(_row("Languages", esc(", ".join(detail.languages))))
    if detail.interpretation_services:
        extra.append(_row("Interpreters", esc(detail.interpretation_services)))
    if detail.accessibility:
        extra.append(_row("Access", "<br>".join(esc(a) for a in detail.accessibility)))
    if extra:
        parts.append("<h3>Languages and access</h3>" + '<table cellspacing="0" cellpadding="2">'
                     + "".join(extra) + "</table>")

    if status.kind == DEMO:
        checked = "Training record: never checked by a person"
    elif status.checked_on:
        checked = f"Last checked by a person: {long_date(status.checked_on)}"
    else:
        checked = "Not yet checked by a person"
    footer = esc(checked)
    if detail.source_url:
        footer += " · Source: " + link(detail.source_url)
    parts.append(f'<hr><p class="muted"><small>{footer}</small></p>')
    return clean_page("".join(parts))
