#!/usr/bin/env python3
"""Render a sample hand-over slip from the bundled resources.db: a PDF, and page 1 as docs/slip.png.

    python scripts/render_slip.py [--page A4|A6] [--pdf out.pdf] [--png docs/slip.png] [--harm]

Uses three demo services (fictional, marked "Demo — not a real service"). The PNG comes from the PDF
through pdftoppm (poppler-utils) when it is installed, else from pypdfium2, else from Qt painting the
same page to an image.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SAMPLE = (
    "Southwark Hospital Urology: Ketamine Bladder Clinic (demo)",
    "Southwark Community Drug and Alcohol Service (demo)",
    "South London Sexual Assault Referral Centre (demo)",
)
TODAY = dt.date(2026, 11, 3)
DPI = 110


def load_details(names=SAMPLE):
    from sqlalchemy import select

    from ketdir.paths import bundled_db
    from ketdir.store.detail import load_service_detail
    from ketdir.store.engine import open_directory
    from ketdir.store.models import Service

    directory = open_directory(bundled_db())
    try:
        with directory.session() as session:
            details = []
            for name in names:
                service_id = session.execute(select(Service.id).where(Service.name == name)).scalar_one_or_none()
                if service_id is None:
                    raise SystemExit(f"render_slip: no service called {name!r} in resources.db")
                details.append(load_service_detail(session, service_id, today=TODAY))
            return details
    finally:
        directory.close()


def pdf_page_to_png(pdf: Path, png: Path, slip) -> str:
    """Page 1 of the PDF as a PNG; returns which tool did it."""
    if shutil.which("pdftoppm"):
        with tempfile.TemporaryDirectory() as tmp:
            stem = Path(tmp) / "page"
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                            str(pdf), str(stem)], check=True)
            shutil.copyfile(stem.with_suffix(".png"), png)
        return "pdftoppm"
    try:
        import pypdfium2
        from PySide6.QtGui import QImage

        document = pypdfium2.PdfDocument(str(pdf))
        bitmap = document[0].render(scale=DPI / 72)
        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                       QImage.Format.Format_BGR888 if bitmap.n_channels == 3 else QImage.Format.Format_RGB32)
        image.save(str(png))
        document.close()
        return "pypdfium2"
    except ImportError:
        from ketdir.gui.slip_dialog import page_images

        page_images(slip, dpi=DPI)[0].save(str(png))
        return "Qt"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", choices=("A4", "A6"), default="A4")
    parser.add_argument("--pdf", type=Path, default=None, help="where to keep the PDF (default: a temporary file)")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "slip.png")
    parser.add_argument("--harm", action="store_true", default=True, help="add harm information (default on)")
    parser.add_argument("--no-harm", dest="harm", action="store_false")
    args = parser.parse_args(argv)

    from ketdir.gui.app import application
    from ketdir.gui.slip_dialog import write_pdf
    from ketdir.referral.slip import SlipOptions, build_slip

    application()
    details = load_details()
    slip = build_slip(details, TODAY, SlipOptions(page=args.page, include_harm=args.harm))
    with tempfile.TemporaryDirectory() as tmp:
        pdf = args.pdf or Path(tmp) / "slip.pdf"
        pages = write_pdf(slip, pdf)
        args.png.parent.mkdir(parents=True, exist_ok=True)
        tool = pdf_page_to_png(pdf, args.png, slip)
    print(f"{pages} page(s); page 1 → {args.png} ({tool})" + (f"; PDF {args.pdf}" if args.pdf else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
