"""QR codes a phone camera reads offline: a contact card (vCard 3.0, or the shorter MECARD) per service.

The card holds the service's name, phone numbers, address and website (the email is on the slip, not in
the code: a shorter code has bigger squares, easier to read from paper), and for a demo record a note
saying it is not a real service. Scanning it offers "add contact" / "call" with no network. MECARD is
the default: the same facts in about two thirds of the bytes of a vCard.
`make_qr` returns a `QrCode` with the module matrix (the Qt layer paints it crisply at any size), PNG
bytes and SVG. No Qt here.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

import segno

from ketdir.store.detail import ServiceDetail

VCARD = "vcard"
MECARD = "mecard"
ERROR_LEVEL = "m"  # 15% of the code can be damaged (a crease in a printed slip) and it still reads
QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def _vcard_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _mecard_escape(text: str) -> str:
    """Only the characters that would end a field: readers differ on unescaping ":" and "," (a URL
    would come out as "https\\://..."), and leaving them is what common generators do."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace("\n", " ")


def _tel(number: str) -> str:
    """Digits and a leading + only: what dialers expect in a card."""
    number = number.strip()
    digits = "".join(c for c in number if c.isdigit())
    return ("+" + digits) if number.startswith("+") else digits


def _note(detail: ServiceDetail) -> str:
    notes = []
    if detail.is_demo:
        notes.append("DEMO - not a real service")
    unverified = [p.number for p in detail.phones if not p.verified]
    if unverified:
        notes.append(f"Unverified number{'s' if len(unverified) > 1 else ''}: {', '.join(unverified)} - check first")
    return ". ".join(notes)


def vcard(detail: ServiceDetail) -> str:
    """A vCard 3.0 for the service (CRLF line ends, as the standard says)."""
    name = detail.name
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{_vcard_escape(name)};;;;", f"FN:{_vcard_escape(name)}"]
    if detail.organization and detail.organization.lower() not in name.lower():
        lines.append(f"ORG:{_vcard_escape(detail.organization)}")
    for phone in detail.phones:
        kind = (phone.type or "voice").lower()
        types = {"text": "WORK,MSG", "sms": "WORK,MSG", "fax": "WORK,FAX", "textphone": "WORK,TEXTPHONE"}
        lines.append(f"TEL;TYPE={types.get(kind, 'WORK,VOICE')}:{_tel(phone.number)}")
    if detail.address_lines or detail.postcode:
        street = ", ".join(detail.address_lines[:-1]) if len(detail.address_lines) > 1 else ""
        city = detail.address_lines[-1] if detail.address_lines else ""
        parts = ["", "", street, city, "", detail.postcode, "United Kingdom"]
        lines.append("ADR;TYPE=WORK:" + ";".join(_vcard_escape(p) for p in parts))
    if detail.url:
        lines.append(f"URL:{detail.url}")
    note = _note(detail)
    if note:
        lines.append(f"NOTE:{_vcard_escape(note)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def mecard(detail: ServiceDetail) -> str:
    """The same as a MECARD (shorter, so a smaller code; read by Android and iOS cameras)."""
    parts = [f"N:{_mecard_escape(detail.name)}"]
    for phone in detail.phones:
        parts.append(f"TEL:{_tel(phone.number)}")
    if detail.address:
        parts.append(f"ADR:{_mecard_escape(detail.address)}")
    if detail.url:
        parts.append(f"URL:{_mecard_escape(detail.url)}")
    note = _note(detail)
    if note:
        parts.append(f"NOTE:{_mecard_escape(note)}")
    return "MECARD:" + ";".join(parts) + ";;"


def contact_payload(detail: ServiceDetail, kind: str = MECARD) -> str:
    if kind == VCARD:
        return vcard(detail)
    if kind == MECARD:
        return mecard(detail)
    raise ValueError(f"unknown QR contact format {kind!r}; use {VCARD!r} or {MECARD!r}")


@dataclass(frozen=True)
class QrCode:
    payload: str
    _qr: segno.QRCode

    @cached_property
    def matrix(self) -> tuple[tuple[bool, ...], ...]:
        """Dark (True) and light modules, without the quiet zone."""
        return tuple(tuple(bool(v) for v in row) for row in self._qr.matrix)

    @property
    def size(self) -> int:
        """Modules per side, without the quiet zone."""
        return len(self._qr.matrix)

    @property
    def version(self) -> str:
        return str(self._qr.version)

    def png(self, scale: int = 8, border: int = QUIET_ZONE) -> bytes:
        buffer = io.BytesIO()
        self._qr.save(buffer, kind="png", scale=scale, border=border)
        return buffer.getvalue()

    def svg(self, scale: int = 4, border: int = QUIET_ZONE) -> bytes:
        buffer = io.BytesIO()
        self._qr.save(buffer, kind="svg", scale=scale, border=border, xmldecl=False, svgns=True)
        return buffer.getvalue()


def make_qr(payload: str) -> QrCode:
    """A QR code for the text (UTF-8, byte mode where needed)."""
    return QrCode(payload, segno.make(payload, error=ERROR_LEVEL, micro=False, encoding="utf-8"))


def service_qr(detail: ServiceDetail, kind: str = MECARD) -> QrCode:
    return make_qr(contact_payload(detail, kind))
