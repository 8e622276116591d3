"""Write a PDF safely: into a temporary file beside the target, moved into place only when complete."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

from PySide6.QtGui import QPageLayout, QPdfWriter

PDF_DPI = 300
T = TypeVar("T")


def write_pdf_safely(path: str | os.PathLike, title: str, layout: QPageLayout,
                     paint: Callable[[QPdfWriter], T]) -> T:
    """Paint into a new PDF at `path`; a failure leaves no half-written file (and any old one as it was).
    Raises OSError with a readable message when the file cannot be written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ketdir-", suffix=".pdf", dir=target.parent)
    os.close(fd)
    try:
        writer = QPdfWriter(tmp)
        writer.setResolution(PDF_DPI)
        writer.setPageLayout(layout)
        writer.setTitle(title)
        writer.setCreator("ketdir")
        result = paint(writer)
        del writer  # flushes and closes the file
        if Path(tmp).stat().st_size == 0:
            raise OSError(f"nothing was written to {target}")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result
