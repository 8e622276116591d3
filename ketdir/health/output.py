"""A HealthReport as a text table, a summary and CSV."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import IO, Iterable

from ketdir.csvsafe import neutralise
from ketdir.health.model import CHECKS, SEVERITY_LABELS, Finding, HealthReport

CSV_COLUMNS = ("severity", "check", "check_label", "service_id", "service_name", "field", "message", "related_ids")


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report_table(findings: Iterable[Finding]) -> str:
    """One line per finding: severity, check, service, field, problem (the problem is never cut short)."""
    widths = (8, 28, 40, 24)
    head = ("Severity", "Check", "Service", "Field", "Problem")
    lines = ["  ".join(h.ljust(w) for h, w in zip(head[:-1], widths)) + "  " + head[-1]]
    for f in findings:
        cells = (f.severity_label, f.check_label, f.service_name, f.field)
        lines.append("  ".join(_fit(c, w).ljust(w) for c, w in zip(cells, widths)) + "  " + f.message)
    return "\n".join(lines)


def report_summary(report: HealthReport) -> str:
    day = f"{report.today.day} {report.today:%B %Y}"
    services = report.services_with_findings()
    lines = [
        f"Checked {report.services_checked:,} services on {day} (stale after {report.stale_months} months) "
        f"in {report.seconds:.1f} s: {len(report.findings):,} finding{'s' if len(report.findings) != 1 else ''} "
        f"about {services:,} service{'s' if services != 1 else ''}."
    ]
    counts = report.by_check()
    labels = {c.code: c.label for c in CHECKS}
    for code, count in counts.items():
        lines.append(f"  {labels[code]:<30} {count:>8,}   ({code})")
    lines.append(
        "  " + " · ".join(f"{SEVERITY_LABELS[sev]}s {n:,}" for sev, n in report.by_severity().items())
    )
    return "\n".join(lines)


def write_csv(findings: Iterable[Finding], target: str | os.PathLike | IO[str]) -> int:
    """Write the findings as CSV (UTF-8 with a byte-order mark, so spreadsheets read “ ” and £); returns
    the number of rows."""
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                count = write_csv(findings, fh)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return count
    writer = csv.writer(target)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for f in findings:
        writer.writerow([
            f.severity, f.check, f.check_label, f.service_id, neutralise(f.service_name), neutralise(f.field),
            neutralise(f.message), " ".join(f.related_ids),
        ])
        count += 1
    return count


def csv_text(findings: Iterable[Finding]) -> str:
    buf = io.StringIO()
    write_csv(findings, buf)
    return buf.getvalue()
