"""Search results as plain text (for the terminal) and as JSON-ready dicts (for scripts)."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from ketdir.geo import format_distance
from ketdir.needs import need_types
from ketdir.search.emergency import Emergency
from ketdir.search.types import Hit, Results
from ketdir.store.checked import STALE, UNCHECKED, status_of

DEMO_LABEL = "DEMO — not a real service"
UNVERIFIED_LABEL = "unverified number — check before giving out"


def _date(d: dt.date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else "never"


def badges(hit: Hit) -> list[str]:
    """The flags a referrer must see, in words (never colour alone)."""
    out = []
    if hit.is_demo:
        out.append(DEMO_LABEL)
    if hit.has_unverified_phone:
        out.append(UNVERIFIED_LABEL)
    status = status_of(hit)  # a demo record is never shown as checked (ketdir/store/checked.py)
    if status.kind == UNCHECKED:
        out.append("not yet checked by a person")
    elif status.kind == STALE:
        out.append(f"stale — last checked {_date(status.checked_on)}")
    elif status.is_verified:
        out.append(f"verified {_date(status.checked_on)}")
    return out


def emergency_lines(emergency: Emergency) -> list[str]:
    """The emergency block that heads the text: the call, then what to do, numbered."""
    lines = [f"!! EMERGENCY — call {emergency.call} now: {'; '.join(emergency.labels)}"]
    lines += [f"   {i}. {step}" for i, step in enumerate(emergency.what_to_do, 1)]
    return lines


def emergency_dict(emergency: Emergency | None) -> dict | None:
    if emergency is None:
        return None
    return {
        "call": emergency.call,
        "headline": emergency.headline,
        "situations": [{"id": s.id, "label": s.label} for s in emergency.situations],
        "what_to_do": list(emergency.what_to_do),
        "taken": list(emergency.taken),
    }


def urgent_footer(results: Results) -> str:
    """The last line: 999, and the urgent-advice line for the place's nation (all of them without a place)."""
    nation = results.place.nation if results.place is not None else None
    advice = {
        "ENG": "For urgent medical advice call NHS 111.",
        "WLS": "For urgent medical advice call NHS 111 Wales.",
        "SCT": "For urgent medical advice call NHS 24 on 111.",
        "NIR": "For urgent medical advice call your GP, or GP out of hours when the surgery is closed"
               " (there is no NHS 111 in Northern Ireland).",
    }.get(nation or "", "For urgent medical advice call NHS 111 (NHS 24 on 111 in Scotland; in Northern Ireland,"
                        " your GP or GP out of hours).")
    return f"In an emergency call 999. {advice}"


def _hit_lines(number: str, hit: Hit) -> list[str]:
    needs = need_types()
    head = f"{number} {hit.name}"
    if hit.is_demo:
        head = f"{number} [DEMO] {hit.name}"
    lines = [head]
    facts = []
    if hit.distance_miles is not None:
        facts.append(format_distance(hit.distance_miles))
    facts.append(hit.open_state.text)
    if hit.phone:
        facts.append(hit.phone)
    lines.append("     " + " · ".join(facts))
    detail = [hit.organization] if hit.organization and hit.organization != hit.name else []
    detail.append(", ".join(needs.label(c) for c in hit.needs))
    lines.append("     " + " · ".join(d for d in detail if d))
    lines.append("     " + "; ".join(badges(hit)))
    if hit.matched:
        lines.append("     matched: " + ", ".join(hit.matched))
    return lines


def results_as_text(results: Results) -> str:
    out: list[str] = []
    if results.place_choices:
        out.append(results.place_message or "That place name is ambiguous.")
        for place in results.place_choices:
            out.append(f"  - {place.label}    (use --near \"{place.label}\")")
        return "\n".join(out)
    if results.place_message:
        return results.place_message
    if results.emergency is not None:  # before anything else: what to do now
        out += emergency_lines(results.emergency)
        out.append("")
    if results.readings:
        out.append(results.understood_as)
    if results.message:
        out.append(results.message)
    q = results.query
    if results.place is not None:
        radius = f"within {q.radius_miles:g} miles of " if q.radius_miles else "nearest to "
        out.append(f"Services {radius}{results.place.label}, nearest first")
    if q.open_now:
        when = f"at {q.at:%a %d %b %H:%M}" if q.at else "now"
        out.append(f"Open {when} only")
    out += results.coverage_notes
    shown = len(results.local)
    out.append(f"{results.amount()} service{'s' if results.total_local != 1 else ''} found"
               + (f" (showing {shown})" if shown < results.total_local else ""))
    out.append("")
    for i, hit in enumerate(results.local, 1):
        out += _hit_lines(f"{i:>2}.", hit)
    if not results.local:
        out.append("  No local services match. Try a wider radius, fewer need types, or turn off open-now.")
    if q.include_national:
        out.append("")
        out.append("National and regional lines (phone and online, for anywhere)")
        for hit in results.national:
            out += _hit_lines("  -", hit)
        if not results.national:
            out.append("  None match this search.")
    out.append("")
    out.append(urgent_footer(results))
    return "\n".join(out)


def _hit_dict(hit: Hit) -> dict:
    data = asdict(hit)
    status = status_of(hit)
    # A demo record was never checked, so it carries no check date and is never "verified".
    data["assured_date"] = status.checked_on.isoformat() if status.checked_on else None
    data["check"] = status.kind
    data["verified"] = status.is_verified
    data["status"] = "demo" if hit.is_demo else "real"
    data["badges"] = badges(hit)
    return data


def results_as_dict(results: Results) -> dict:
    place = results.place
    return {
        "emergency": emergency_dict(results.emergency),
        "understood_as": [asdict(r) for r in results.readings],
        "place": asdict(place) if place else None,
        "place_choices": [asdict(p) for p in results.place_choices],
        "place_message": results.place_message,
        "place_suggestions": list(results.place_suggestions),
        "message": results.message,
        "total_local": results.total_local,
        "total_is_minimum": results.total_is_minimum,
        "used_spelling_fallback": results.used_fuzzy,
        "matched_some_words": results.relaxed,
        "harm_topics": list(results.harm_topics),
        "coverage_notes": list(results.coverage_notes),
        "local": [_hit_dict(h) for h in results.local],
        "national": [_hit_dict(h) for h in results.national],
    }
