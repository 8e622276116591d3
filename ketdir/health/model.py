"""What a data-health run produces: findings and a report. Plain dataclasses, safe to pass between threads."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_LABELS = {ERROR: "Error", WARNING: "Warning", INFO: "Note"}


@dataclass(frozen=True)
class Check:
    code: str  # used on the command line (--only) and in CSV files
    label: str  # for people
    explanation: str


CHECKS: tuple[Check, ...] = (
    Check("stale", "Not checked recently",
          "No person has checked the record within the stale threshold (or ever)."),
    Check("no-contact", "No way to contact",
          "The service has no phone number, email, website or address."),
    Check("phone", "Invalid phone number",
          "A phone number that is not a valid UK number or short code, or one that rings nowhere."),
    Check("unverified-phone", "Unverified phone number",
          "A number no source confirmed: check it before giving it out."),
    Check("postcode", "Invalid or unknown postcode",
          "A postcode that is not in the UK format, or whose district ketdir does not know."),
    Check("coordinates", "Wrong or missing coordinates",
          "Coordinates outside the UK, far from the postcode district, or missing."),
    Check("schedule", "Unreadable opening hours",
          "Schedule rows that cannot be turned into opening hours."),
    Check("duplicate", "Likely duplicate",
          "Similar names at the same postcode or phone number, or a phone number shared between services."),
)
CHECK_CODES: tuple[str, ...] = tuple(c.code for c in CHECKS)
_BY_CODE = {c.code: c for c in CHECKS}


def check_label(code: str) -> str:
    check = _BY_CODE.get(code)
    return check.label if check else code


@dataclass(frozen=True)
class Finding:
    check: str  # a code from CHECK_CODES
    severity: str  # ERROR, WARNING or INFO
    service_id: str
    service_name: str
    field: str  # the HSDS field (or group of fields) at fault, e.g. "phone.number", "address.postal_code"
    message: str  # what is wrong and what to do, for people
    related_ids: tuple[str, ...] = ()  # other services involved (duplicates)

    @property
    def check_label(self) -> str:
        return check_label(self.check)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)


def _finding_order(f: Finding) -> tuple:
    sev = SEVERITIES.index(f.severity) if f.severity in SEVERITIES else len(SEVERITIES)
    chk = CHECK_CODES.index(f.check) if f.check in CHECK_CODES else len(CHECK_CODES)
    return (sev, chk, f.service_name.casefold(), f.service_id, f.field, f.message)


@dataclass
class HealthReport:
    today: dt.date
    stale_months: int
    services_checked: int = 0
    checks_run: tuple[str, ...] = CHECK_CODES
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def sort(self) -> None:
        self.findings.sort(key=_finding_order)

    def by_check(self) -> dict[str, int]:
        """Number of findings per check, for every check that ran (zeros included), in CHECKS order."""
        counts = Counter(f.check for f in self.findings)
        return {code: counts.get(code, 0) for code in self.checks_run}

    def by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {sev: counts.get(sev, 0) for sev in SEVERITIES}

    def services_with_findings(self) -> int:
        return len({f.service_id for f in self.findings})

    def only(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]
