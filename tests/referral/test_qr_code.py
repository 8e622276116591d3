"""The contact QR code: vCard 3.0 or MECARD, and it decodes back to the phone number."""
from __future__ import annotations

from PySide6.QtGui import QImage

from referral_helpers import digits, qr_texts
from ketdir.referral.qr import MECARD, VCARD, make_qr, mecard, service_qr, vcard
from ketdir.store.detail import PhoneLine, ServiceDetail


def detail(**changes) -> ServiceDetail:
    values = dict(id="s1", name="Riverside Bladder Clinic; Ward 4", organization="Riverside NHS Trust",
                  phones=[PhoneLine("020 7946 0101", "voice", None, True), PhoneLine("07700 900123", "text", None, False)],
                  address_lines=["1 Example Street", "London"], postcode="SE1 7EH", url="https://example.org/bladder",
                  email="clinic@example.org")
    values.update(changes)
    return ServiceDetail(**values)


def test_vcard_has_name_phones_address_and_url():
    card = vcard(detail())
    lines = card.split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:3.0"] and lines[-2:] == ["END:VCARD", ""]
    assert "FN:Riverside Bladder Clinic\\; Ward 4" in lines
    assert "ORG:Riverside NHS Trust" in lines
    assert "TEL;TYPE=WORK,VOICE:02079460101" in lines
    assert "TEL;TYPE=WORK,MSG:07700900123" in lines
    assert "ADR;TYPE=WORK:;;1 Example Street;London;;SE1 7EH;United Kingdom" in lines
    assert "URL:https://example.org/bladder" in lines
    assert any(line.startswith("NOTE:Unverified number: 07700 900123") for line in lines)


def test_mecard_is_shorter_and_marks_demo_records():
    card = mecard(detail(is_demo=True))
    assert card.startswith("MECARD:N:Riverside Bladder Clinic\\; Ward 4;TEL:02079460101;TEL:07700900123;")
    assert "ADR:1 Example Street, London SE1 7EH;" in card and "URL:https://example.org/bladder;" in card
    assert "NOTE:DEMO - not a real service" in card and card.endswith(";;")
    assert len(card) < len(vcard(detail(is_demo=True)))


def test_generated_codes_decode_back_to_the_phone_number(qapp):
    for kind in (MECARD, VCARD):
        qr = service_qr(detail(), kind)
        image = QImage.fromData(qr.png(scale=4))
        [text] = qr_texts(image)
        assert text == qr.payload
        assert "02079460101" in digits(text.replace("07700900123", ""))
    svg = make_qr("TEL:111").svg()
    assert svg.startswith(b"<svg") and b"path" in svg


def test_matrix_matches_the_symbol():
    qr = make_qr("MECARD:N:Test;TEL:02079460101;;")
    assert qr.size == len(qr.matrix) == len(qr.matrix[0])
    assert qr.matrix[0][:7] == (True,) * 7, "finder pattern in the corner"
