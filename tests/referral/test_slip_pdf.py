"""The printable slip: A4 and A6 PDFs whose text holds the service and whose QR codes decode to its number."""
from __future__ import annotations

import pytest

from referral_data import BLADDER, CHEMLINE, DEMO, TODAY
from referral_helpers import digits, pdf_page_count, pdf_page_image, pdf_pages_text, qr_texts
from ketdir.referral.slip import A4, A6, DEMO_BANNER, SlipOptions, build_slip
from ketdir.store.detail import load_service_detail


@pytest.fixture
def details(sqlite_directory):
    with sqlite_directory.session() as session:
        return [load_service_detail(session, i, today=TODAY) for i in (BLADDER, CHEMLINE, DEMO)]


def normal(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def qr_phones(image) -> set[str]:
    found = set()
    for text in qr_texts(image):
        for part in text.split(";"):
            if "TEL:" in part:
                found.add(digits(part.split("TEL:")[1]))
    return found


def test_a4_pdf_has_each_service_and_its_qr_decodes_to_the_number(qapp, tmp_path, details):
    from ketdir.gui.slip_dialog import write_pdf

    slip = build_slip(details, TODAY, SlipOptions(page=A4, include_harm=True))
    path = tmp_path / "slip.pdf"
    pages = write_pdf(slip, path)
    assert pages == pdf_page_count(path) >= 1
    text = normal(" ".join(pdf_pages_text(path)))
    for expected in ("Services that can help", "Printed 3 November 2026",
                     "Riverside Bladder Clinic", "020 7946 0101", "1 Example Street, Testtown SE1 7EH",
                     "How to refer: GP referral needed.", "https://example.org/riverside-bladder-clinic",
                     "Hours this week", "Tue 3 Nov", "09:00–17:00",
                     "Chem Line", "0300 123 4567", "unverified: check before giving out", "Covers: Whole UK",
                     "Demo Drop-in", normal(DEMO_BANNER), "Training slip",
                     "Looking after yourself", "Emergency: call 999", "NHS 111"):
        assert expected in text, expected
    assert text.count(normal(DEMO_BANNER)) == 1, "only the demo record carries the banner"

    phones = set()
    for page in range(pages):
        phones |= qr_phones(pdf_page_image(path, page, dpi=150))
    assert {"02079460101", "03001234567", "02079460999"} <= phones


def test_a6_puts_one_service_on_each_page(qapp, tmp_path, details):
    from ketdir.gui.slip_dialog import write_pdf

    path = tmp_path / "cards.pdf"
    pages = write_pdf(build_slip(details, TODAY, SlipOptions(page=A6)), path)
    assert pages == 3
    texts = [normal(t) for t in pdf_pages_text(path)]
    for page, (name, phone) in enumerate((("Riverside Bladder Clinic", "02079460101"), ("Chem Line", "03001234567"),
                                          ("Demo Drop-in", "02079460999"))):
        assert name in texts[page] and "999" in texts[page]
        assert qr_phones(pdf_page_image(path, page, dpi=200)) == {phone}
    assert normal(DEMO_BANNER) in texts[2] and normal(DEMO_BANNER) not in texts[0]


def test_printing_uses_the_same_pages(qapp, tmp_path, details):
    from PySide6.QtPrintSupport import QPrinter

    from ketdir.gui.slip_dialog import page_layout, paint_to_device

    slip = build_slip(details[:1], TODAY, SlipOptions(page=A4))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setPageLayout(page_layout(slip))
    assert paint_to_device(slip, printer) == 1
    del printer
    assert "Riverside Bladder Clinic" in pdf_pages_text(tmp_path / "printed.pdf")[0]
    assert qr_phones(pdf_page_image(tmp_path / "printed.pdf")) == {"02079460101"}


def test_page_images_show_the_same_slip(qapp, details):
    from ketdir.gui.slip_dialog import page_images

    images = page_images(build_slip(details[:2], TODAY, SlipOptions(page=A4)), dpi=150)
    assert len(images) >= 1
    phones = set().union(*(qr_phones(img) for img in images))
    assert phones == {"02079460101", "03001234567"}


def test_a_long_block_is_split_across_pages_rather_than_lost(qapp, tmp_path, details):
    from dataclasses import replace

    from ketdir.gui.slip_dialog import write_pdf

    long = replace(details[0], application_process=" ".join(["Ask at reception for the referral form."] * 120))
    path = tmp_path / "long.pdf"
    pages = write_pdf(build_slip([long], TODAY, SlipOptions(page=A6)), path)
    assert pages >= 2
    assert "Riverside Bladder Clinic" in pdf_pages_text(path)[0]


def test_slip_content_without_qt(details):
    slip = build_slip(details, TODAY, SlipOptions(page=A4, include_harm=True))
    kinds = [b.kind for b in slip.blocks]
    assert kinds == ["service", "service", "service", "harm", "urgent"]
    assert slip.has_demo and [b.is_demo for b in slip.blocks[:3]] == [False, False, True]
    assert all(b.qr is not None for b in slip.blocks[:3])
    harm = slip.blocks[3].html
    assert "Ketamine and the bladder" in harm, "the bladder service brings the bladder topic"
    assert "<script" not in slip.blocks[0].html
    with pytest.raises(ValueError):
        SlipOptions(page="A5")


def test_names_from_imports_are_escaped(details):
    from dataclasses import replace

    evil = replace(details[0], name='<img src="file:///etc/passwd">Clinic & Co')
    html = build_slip([evil], TODAY).blocks[0].html
    assert "<img" not in html and "&lt;img" in html and "Clinic &amp; Co" in html
