"""Reading UK phone numbers: valid numbers, short codes (999, 111, 116 123, 85258 ...) and the Ofcom
ranges reserved for TV and radio drama (realistic, but they ring nowhere). No Qt.

Shared by the data-health checks and the service editor's validation.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException

REGION = "GB"

OK = "ok"
SHORT = "short"
DRAMA = "drama"
INVALID = "invalid"

# Ofcom's numbers for drama: (national prefix, digits that follow). 020 7946 0000 to 0999, and so on.
DRAMA_RANGES: tuple[tuple[str, int], ...] = (
    ("01134960", 3), ("01144960", 3), ("01154960", 3), ("01164960", 3), ("01174960", 3), ("01184960", 3),
    ("01214960", 3), ("01314960", 3), ("01414960", 3), ("01514960", 3), ("01614960", 3), ("01914980", 3),
    ("02079460", 3), ("02896496", 3), ("02920180", 3), ("01632960", 3), ("07700900", 3), ("08081570", 3),
    ("09098790", 3), ("03069990", 3),
)

_LETTERS = re.compile(r"[A-Za-z]")
_EXTENSION_WORDS = re.compile(r"\b(?:ext|extension|x)\b\.?", re.IGNORECASE)


@dataclass(frozen=True)
class PhoneCheck:
    kind: str  # OK, SHORT, DRAMA or INVALID
    key: str  # a normalised form for comparing numbers ("+442079460001", "short:116123"); "" when invalid
    message: str = ""  # why it is not usable (DRAMA, INVALID)

    @property
    def usable(self) -> bool:
        return self.kind in (OK, SHORT)


def _drama(digits: str) -> bool:
    return any(digits.startswith(prefix) and len(digits) == len(prefix) + rest for prefix, rest in DRAMA_RANGES)


@functools.lru_cache(maxsize=65536)
def check_phone(text: str | None) -> PhoneCheck:
    """Whether `text` is a number someone could ring or text from the UK."""
    raw = (text or "").strip()
    if not raw:
        return PhoneCheck(INVALID, "", "The phone number is empty.")
    shown = f"“{raw}”"
    try:
        number = phonenumbers.parse(raw, REGION)
    except NumberParseException:
        return PhoneCheck(INVALID, "", f"{shown} is not a phone number. Use digits, e.g. 020 7946 0000 or 116 123.")
    # Letters other than an extension marker ("020 7946 0000 ext 12") mean it isn't just a number.
    if _LETTERS.search(_EXTENSION_WORDS.sub("", raw)):
        return PhoneCheck(INVALID, "", f"{shown} has letters in it. Keep only the number (and an extension).")
    if number.country_code == 44:
        digits = "0" + str(number.national_number)
        if _drama(digits):
            return PhoneCheck(
                DRAMA,
                "+44" + str(number.national_number),
                f"{shown} is in a range Ofcom keeps for TV and radio drama: it rings nowhere. "
                "Find the service's real number.",
            )
    if phonenumbers.is_valid_number(number):
        return PhoneCheck(OK, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if number.country_code == 44 and phonenumbers.is_valid_short_number_for_region(number, REGION):
        return PhoneCheck(SHORT, "short:" + str(number.national_number))
    digits = re.sub(r"\D", "", raw)
    if number.country_code == 44 and raw.lstrip().startswith("0") and len(digits) < 10:
        hint = f"it has {len(digits)} digits; UK numbers starting with 0 have 10 or 11."
    elif number.country_code == 44 and len(digits) > 11 and not raw.lstrip().startswith("+"):
        hint = "it has too many digits for a UK number."
    else:
        hint = "no UK number or short code is like it."
    return PhoneCheck(INVALID, "", f"{shown} is not a valid phone number: {hint} Check the digits.")


@functools.lru_cache(maxsize=65536)
def format_phone(text: str) -> str:
    """The number in the usual UK layout ("020 7946 0000"); the text unchanged when it can't be read."""
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        return text
    if phonenumbers.is_valid_number(number):
        fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 44
               else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        return phonenumbers.format_number(number, fmt)
    return text.strip()
