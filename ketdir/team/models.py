"""Team-mode tables (schema 2): which referral logs a directory has merged."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketdir.store.models import Base


class LogImport(Base):
    """One referral log merged into this directory (`ketdir log merge`): merging the same log again adds
    nothing, and the row says when it was first merged and from where."""

    __tablename__ = "ketdir_log_import"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the log's referral ids
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    origin: Mapped[str | None] = mapped_column(Text)  # the laptop's name for itself, if it gave one
    referrals: Mapped[int] = mapped_column(Integer, default=0)  # referrals in the log
    added: Mapped[int] = mapped_column(Integer, default=0)  # of which were new here
