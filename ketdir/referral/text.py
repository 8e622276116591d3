"""A plain-text referral for one service: what a helpline worker reads out, pastes or texts."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ketdir.store.checked import DEMO, STALE, status_of

if TYPE_CHECKING:
    from ketdir.store.detail import ServiceDetail

DEMO_LINE = "DEMO — not a real service"
UNVERIFIED = "unverified — check before giving out"


def long_date(day: dt.date) -> str:
    """"3 November 2026" (no leading zero, British order)."""
    return f"{day.day} {day:%B %Y}"


def phone_line(phone) -> str:
    text = phone.number
    extra = [w for w in (phone.description, _type_word(phone.type)) if w]
    if extra:
        text += f" ({', '.join(extra)})"
    if not phone.verified:
        text += f" — {UNVERIFIED}"
    return text


def _type_word(kind: str | None) -> str:
    return {"text": "text", "sms": "text", "textphone": "textphone", "fax": "fax"}.get((kind or "").lower(), "")


def todays_hours(detail: ServiceDetail, today: dt.date, at: dt.datetime) -> str:
    """"Tuesday 4 November: 09:00–17:00 (open now, closes 17:00)", or why hours are unknown."""
    from ketdir import hours as hours_mod

    hours = detail.hours
    label = f"{today:%A} {today.day} {today:%B}"
    if hours is None or not getattr(hours, "known", True):
        return f"{label}: hours not known — phone to check"
    day_text = ""
    for day in hours_mod.week(hours, today):
        if day.is_today:
            day_text = day.text()
            break
    state = hours_mod.status(hours, at)
    state_text = state.text if state.known else ""
    if day_text and state_text and state_text.lower() != day_text.lower():
        return f"{label}: {day_text} ({state_text})"
    return f"{label}: {day_text or state_text or 'hours not known — phone to check'}"


def referral_text(detail: ServiceDetail, today: dt.date, at: dt.datetime) -> str:
    """Name, phone(s), address, today's hours, how to refer and website, as plain text."""
    lines: list[str] = []
    title = detail.name
    if detail.organization and detail.organization.lower() not in detail.name.lower():
        title += f" — {detail.organization}"
    lines.append(title)
    if detail.is_demo:
        lines.append(f"{DEMO_LINE} (training record: do not refer anyone here)")
    if detail.alert:
        lines.append(f"Please note: {detail.alert}")
    if detail.phones:
        for phone in detail.phones:
            lines.append(f"Phone: {phone_line(phone)}")
    else:
        lines.append("Phone: none listed")
    if detail.address:
        lines.append(f"Address: {detail.address}")
    elif detail.is_national:
        lines.append(f"Covers: {detail.service_area or 'the whole UK'} (phone or online)")
    lines.append(f"Today, {todays_hours(detail, today, at)}")
    if detail.application_process:
        lines.append(f"How to refer: {detail.application_process}")
    if detail.url:
        lines.append(f"Website: {detail.url}")
    if detail.email:
        lines.append(f"Email: {detail.email}")
    status = status_of(detail)  # a demo record is never shown as checked (ketdir/store/checked.py)
    if status.kind == DEMO:
        lines.append("Last checked: never (training record)")
    elif status.checked_on:
        checked = f"Last checked: {long_date(status.checked_on)}"
        if status.kind == STALE:
            checked += " (over a year ago — details may have changed)"
        lines.append(checked)
    else:
        lines.append("Last checked: not yet checked by a person — details may have changed")
    return "\n".join(lines) + "\n"
