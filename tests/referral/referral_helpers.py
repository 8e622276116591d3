"""Read back what ketdir hands over: the text of a PDF, a PDF page as an image, the QR codes in an image."""
from __future__ import annotations

from pathlib import Path

import pypdfium2
import zxingcpp
from PySide6.QtGui import QImage


def pdf_pages_text(path: Path) -> list[str]:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def pdf_page_count(path: Path) -> int:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def pdf_page_image(path: Path, page: int = 0, dpi: int = 150) -> QImage:
    """The page rasterised by PDFium (not by Qt): what a printer or viewer would show."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        bitmap = document[page].render(scale=dpi / 72)
        fmt = QImage.Format.Format_BGR888 if bitmap.n_channels == 3 else QImage.Format.Format_RGB32
        return QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, fmt).copy()
    finally:
        document.close()


def qr_texts(image: QImage) -> list[str]:
    """The text of every QR code found in the image."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [r.text for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)]


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def mecard_phones(text: str) -> list[str]:
    return [part[4:] for part in text.split(";") if part.startswith("TEL:") or part.startswith("MECARD:TEL:")]
