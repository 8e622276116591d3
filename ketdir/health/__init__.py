"""Data health: stale records, services nobody can contact, bad phone numbers, postcodes and
coordinates, unreadable opening hours and likely duplicates. No Qt; the window and `ketdir check` use it.

    report = run_checks(session, today=date.today(), stale_months=12)
    for finding in report.findings: ...
"""
from ketdir.health.model import (
    CHECK_CODES,
    CHECKS,
    ERROR,
    INFO,
    SEVERITIES,
    WARNING,
    Check,
    Finding,
    HealthReport,
    check_label,
)
from ketdir.health.output import report_summary, report_table, write_csv
from ketdir.health.run import DEFAULT_STALE_MONTHS, ChecksCancelled, normalise_checks, run_checks

__all__ = [
    "CHECKS", "CHECK_CODES", "Check", "ChecksCancelled", "DEFAULT_STALE_MONTHS", "ERROR", "Finding",
    "HealthReport", "INFO", "SEVERITIES", "WARNING", "check_label", "normalise_checks", "report_summary",
    "report_table", "run_checks", "write_csv",
]
