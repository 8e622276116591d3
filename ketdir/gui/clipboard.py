"""Copy a referral to the clipboard as plain text."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from ketdir.referral.text import referral_text

if TYPE_CHECKING:
    from ketdir.store.detail import ServiceDetail


def copy_referral(detail: ServiceDetail, today: dt.date, at: dt.datetime) -> str:
    """Put the referral for `detail` on the clipboard; return the text."""
    text = referral_text(detail, today, at)
    QGuiApplication.clipboard().setText(text)
    return text
