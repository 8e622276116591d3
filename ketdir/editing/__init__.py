"""Add, edit, retire and verify services, with validation as you type and a change history. No Qt."""
from ketdir.editing.draft import (
    BANK_HOLIDAYS,
    DAY_NAMES,
    DAYS,
    PHONE_TYPE_LABELS,
    PHONE_TYPES,
    STATUS_LABELS,
    STATUSES,
    LoadedService,
    PhoneDraft,
    ServiceDraft,
    WeeklyHours,
    load_draft,
    merge_drafts,
)
from ketdir.editing.history import ChangeEntry, describe_time, history
from ketdir.editing.service import (
    DatabaseBusy,
    EditConflict,
    EditProblem,
    InvalidDraft,
    MissingDetail,
    ServiceMissing,
    create_service,
    mark_verified,
    retire_service,
    snapshot,
    update_service,
)
from ketdir.editing.validate import FieldError, errors_by_field, validate_draft

__all__ = [
    "BANK_HOLIDAYS", "DAYS", "DAY_NAMES", "PHONE_TYPES", "PHONE_TYPE_LABELS", "STATUSES", "STATUS_LABELS",
    "ChangeEntry", "DatabaseBusy", "EditConflict", "EditProblem", "FieldError", "InvalidDraft", "LoadedService",
    "MissingDetail", "PhoneDraft", "ServiceDraft", "ServiceMissing", "WeeklyHours", "create_service", "describe_time",
    "errors_by_field", "history", "load_draft", "mark_verified", "merge_drafts", "retire_service", "snapshot", "update_service",
    "validate_draft",
]
