"""Field-by-field checks of a ServiceDraft, fast enough to run on every keystroke.

`validate_draft(draft)` returns every problem as a FieldError naming the draft field ("email",
"phones[0].number", "hours[1].opens" ...); an empty list means the draft can be saved.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ketdir import hours as hours_mod
from ketdir.geo import POSTCODE_RE, UK_BOX, Gazetteer, default_gazetteer
from ketdir.health.checks import LOOSE_POSTCODE  # also old districts the gazetteer still knows (W1M)
from ketdir.health.phones import DRAMA, INVALID, check_phone
from ketdir.editing.draft import BANK_HOLIDAYS, DAYS, PHONE_TYPES, STATUSES, ServiceDraft
from ketdir.needs import need_types

MAX_AGE = 120
MAX_NAME = 200
_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}|localhost|\d{1,3}(?:\.\d{1,3}){3}")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def errors_by_field(errors: list[FieldError]) -> dict[str, str]:
    """The first message for each field."""
    out: dict[str, str] = {}
    for error in errors:
        out.setdefault(error.field, error.message)
    return out


def check_email(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if not _EMAIL.fullmatch(text):
        return f"“{text}” is not an email address. It should look like clinic@example.org."
    return None


def check_url(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if not parts.scheme:
        if _HOST.fullmatch(text.split("/")[0]):
            return f"Start the website with https:// (https://{text})."
        return f"“{text}” is not a web address. It should look like https://example.org."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only web addresses starting http:// or https:// can be opened by everyone. Use the service's website."
    host = parts.hostname or ""
    if not _HOST.fullmatch(host) or " " in text:
        return f"“{text}” is not a web address. It should look like https://example.org."
    return None


def check_postcode(text: str, gazetteer: Gazetteer | None = None) -> str | None:
    """None when the postcode is a well-formed UK postcode in a district ketdir knows."""
    compact = "".join(text.split()).upper()
    if not compact:
        return None
    m = POSTCODE_RE.fullmatch(compact) or LOOSE_POSTCODE.fullmatch(compact)
    if m is None:
        return f"“{text.strip()}” is not a UK postcode. A postcode looks like SE1 7TP."
    gazetteer = gazetteer or default_gazetteer()
    if gazetteer.outcode_of(compact) is None:
        return (f"ketdir does not know the postcode district {m['outward']}. Check the postcode: it may be "
                "mistyped, or too new for ketdir's list.")
    return None


def _age_error(value, which: str) -> str | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"The {which} age must be a number of years."
    if not math.isfinite(number) or number < 0 or number > MAX_AGE:
        return f"The {which} age must be between 0 and {MAX_AGE}."
    if number != int(number):
        return f"The {which} age must be a whole number of years."
    return None


def validate_draft(draft: ServiceDraft, gazetteer: Gazetteer | None = None) -> list[FieldError]:
    errors: list[FieldError] = []

    def add(field: str, message: str | None) -> None:
        if message:
            errors.append(FieldError(field, message))

    name = draft.name.strip()
    if not name:
        add("name", "Enter the service's name.")
    elif len(name) > MAX_NAME:
        add("name", f"The name is too long ({len(name)} characters); keep it under {MAX_NAME}.")
    add("email", check_email(draft.email))
    add("url", check_url(draft.url))

    for i, phone in enumerate(draft.phones):
        number = phone.number.strip()
        if not number:
            add(f"phones[{i}].number", "Enter the phone number, or remove this phone.")
        else:
            result = check_phone(number)
            if result.kind == INVALID or (result.kind == DRAMA and not draft.is_demo):
                add(f"phones[{i}].number", result.message)
        if phone.type not in PHONE_TYPES:
            add(f"phones[{i}].type", f"Choose the kind of phone line ({', '.join(PHONE_TYPES)}).")

    if draft.has_address:
        if not draft.address_1.strip():
            add("address_1", "Enter the first line of the address (building and street).")
        if not draft.city.strip():
            add("city", "Enter the town or city.")
        if not draft.postal_code.strip():
            add("postal_code", "Enter the postcode, so people can find the service by place.")
        else:
            add("postal_code", check_postcode(draft.postal_code, gazetteer))
    if (draft.latitude is None) != (draft.longitude is None):
        add("latitude", "Give both latitude and longitude, or neither (the postcode district is then used).")
    elif draft.latitude is not None:
        lat, lon = draft.latitude, draft.longitude
        if not (math.isfinite(lat) and math.isfinite(lon)) or not (
            UK_BOX[0] <= lat <= UK_BOX[1] and UK_BOX[2] <= lon <= UK_BOX[3]
        ):
            add("latitude", f"{lat}, {lon} is outside the UK. Type latitude first (such as 51.5, -0.12), "
                "or clear both to use the postcode district.")
        elif not draft.has_address:
            add("latitude", "Coordinates need an address: add the address, or clear the coordinates.")

    add("minimum_age", _age_error(draft.minimum_age, "minimum"))
    add("maximum_age", _age_error(draft.maximum_age, "maximum"))
    if (
        not any(e.field in ("minimum_age", "maximum_age") for e in errors)
        and draft.minimum_age is not None
        and draft.maximum_age is not None
        and float(draft.minimum_age) > float(draft.maximum_age)
    ):
        add("maximum_age", f"The maximum age ({draft.maximum_age:g}) is below the minimum ({draft.minimum_age:g}).")

    known = set(need_types().codes)
    if not draft.needs:
        add("needs", "Choose at least one need type, so people can find the service.")
    else:
        unknown = [code for code in draft.needs if code not in known]
        if unknown:
            add("needs", f"Unknown need type: {', '.join(unknown)}.")

    for i, rule in enumerate(draft.hours):
        if not rule.days:
            add(f"hours[{i}].days", "Choose the days these hours apply to.")
        elif any(day not in DAYS for day in rule.days):
            add(f"hours[{i}].days", "Days must be MO, TU, WE, TH, FR, SA or SU.")
        for part in ("opens", "closes"):
            text = getattr(rule, part).strip()
            if not text:
                add(f"hours[{i}].{part}", f"Enter the {'opening' if part == 'opens' else 'closing'} time, e.g. "
                    f"{'09:00' if part == 'opens' else '17:00'}.")
                continue
            try:
                hours_mod.parse_time(text)
            except ValueError as exc:
                add(f"hours[{i}].{part}", str(exc))

    if draft.bank_holidays not in BANK_HOLIDAYS:
        add("bank_holidays", "Say whether the service is open or closed on bank holidays.")
    if draft.status not in STATUSES:
        add("status", f"Status must be one of: {', '.join(STATUSES)}.")
    if not (any(p.number.strip() for p in draft.phones) or draft.email.strip() or draft.url.strip()
            or draft.has_address):
        add("contact", "Give at least one way to reach the service: a phone number, email, website or address.")
    return errors
