"""Add or edit a service, with validation as you type; mark it verified; retire it.

    dialog = ServiceEditor(directory, load_service(directory, service_id))   # None adds a new service
    dialog.saved.connect(refresh_results)                                   # the service id, after every save

Each field shows its problem next to it as soon as it is touched (at once, for a record being edited);
Save stays disabled until nothing is wrong. Saving, verifying, retiring and reloading are `ketdir.app.editing`
use cases run through the dialog's Worker, never on the UI thread; while one runs the buttons wait. A save
that meets someone else's newer save is refused with who and when, the form keeps every edit, and "Reload"
lays the edits over their version.

The editor's name (for the change history) comes from the caller, else from QSettings
("editing/editor_name"), and is remembered after a successful save.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ketdir.app import Directory
from ketdir.app import editing as stewardship
from ketdir.editing import (
    DAY_NAMES,
    DAYS,
    PHONE_TYPE_LABELS,
    PHONE_TYPES,
    STATUS_LABELS,
    STATUSES,
    FieldError,
    InvalidDraft,
    LoadedService,
    PhoneDraft,
    ServiceDraft,
    WeeklyHours,
    errors_by_field,
    merge_drafts,
    validate_draft,
)
from ketdir.editing.history import FIELD_LABELS
from ketdir.gui.messages import show_problem
from ketdir.gui.settings import user_settings
from ketdir.gui.workers import Job, Worker
from ketdir.needs import need_types
from ketdir.problems import Conflict, KetdirProblem

EDITOR_NAME_KEY = "editing/editor_name"
SAVE_SHORTCUT = "Ctrl+S"
EDITS_KEPT = "Your edits are still in the form."  # the core's messages serve the command line too



def _long_date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "never"


class ErrorLabel(QLabel):
    """A field's problem, shown next to it; hidden when there is none."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setAccessibleName(f"Problem with {name}")
        self.setStyleSheet("color: #b00020;")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)

    def show_error(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


def _with_error(widget: QWidget, error: ErrorLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    layout.addWidget(error)
    return box


# ------------------------------------------------------------------------------------------ phone rows


class PhoneRow(QWidget):
    changed = Signal()
    removeRequested = Signal(object)

    def __init__(self, position: int, phone: PhoneDraft) -> None:
        super().__init__()
        self.number = QLineEdit(phone.number)
        self.number.setPlaceholderText("e.g. 0300 123 6600 or 116 123")
        self.kind = QComboBox()
        for code in PHONE_TYPES:
            self.kind.addItem(PHONE_TYPE_LABELS[code], code)
        if phone.type and self.kind.findData(phone.type) < 0:  # an imported kind: shown, not silently changed
            self.kind.addItem(phone.type, phone.type)
        self.kind.setCurrentIndex(max(0, self.kind.findData(phone.type)))
        self.description = QLineEdit(phone.description)
        self.description.setPlaceholderText("e.g. 24 hours; text only")
        self.verified = QCheckBox("Number confirmed")
        self.verified.setChecked(phone.verified)
        self.verified.setToolTip("Tick when a source (or a call) confirmed this number; unticked numbers are "
                                 "shown as “unverified — check before giving out”.")
        self.remove = QPushButton("Remove")
        self.error = ErrorLabel("phone number")
        row = QGridLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.number, 0, 0)
        row.addWidget(self.kind, 0, 1)
        row.addWidget(self.description, 0, 2)
        row.addWidget(self.verified, 0, 3)
        row.addWidget(self.remove, 0, 4)
        row.addWidget(self.error, 1, 0, 1, 5)
        row.setColumnStretch(0, 2)
        row.setColumnStretch(2, 2)
        self.set_position(position)
        self.number.textChanged.connect(self.changed)
        self.kind.currentIndexChanged.connect(self.changed)
        self.description.textChanged.connect(self.changed)
        self.verified.toggled.connect(self.changed)
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self))

    def set_position(self, position: int) -> None:
        n = position + 1
        self.number.setAccessibleName(f"Phone {n} number")
        self.kind.setAccessibleName(f"Phone {n} kind of line")
        self.description.setAccessibleName(f"Phone {n} note")
        self.verified.setAccessibleName(f"Phone {n} number confirmed")
        self.remove.setAccessibleName(f"Remove phone {n}")
        self.error.setAccessibleName(f"Problem with phone {n}")

    def draft(self) -> PhoneDraft:
        return PhoneDraft(self.number.text(), self.kind.currentData(), self.description.text(),
                          self.verified.isChecked())


class HoursRow(QWidget):
    changed = Signal()
    removeRequested = Signal(object)

    def __init__(self, position: int, rule: WeeklyHours) -> None:
        super().__init__()
        self.days: dict[str, QCheckBox] = {}
        row = QGridLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for i, day in enumerate(DAYS):
            box = QCheckBox(DAY_NAMES[day][:3])
            box.setChecked(day in rule.days)
            box.toggled.connect(self.changed)
            self.days[day] = box
            row.addWidget(box, 0, i)
        self.opens = QLineEdit(rule.opens)
        self.opens.setPlaceholderText("09:00")
        self.closes = QLineEdit(rule.closes)
        self.closes.setPlaceholderText("17:00")
        for edit in (self.opens, self.closes):
            edit.setMaximumWidth(90)
            edit.textChanged.connect(self.changed)
        self.remove = QPushButton("Remove")
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self))
        row.addWidget(QLabel("from"), 0, 7)
        row.addWidget(self.opens, 0, 8)
        row.addWidget(QLabel("to"), 0, 9)
        row.addWidget(self.closes, 0, 10)
        row.addWidget(self.remove, 0, 11)
        self.error = ErrorLabel("opening hours")
        row.addWidget(self.error, 1, 0, 1, 12)
        self.set_position(position)

    def set_position(self, position: int) -> None:
        n = position + 1
        for day, box in self.days.items():
            box.setAccessibleName(f"Hours {n}: open on {DAY_NAMES[day]}")
        self.opens.setAccessibleName(f"Hours {n}: opening time")
        self.closes.setAccessibleName(f"Hours {n}: closing time")
        self.remove.setAccessibleName(f"Remove hours {n}")
        self.error.setAccessibleName(f"Problem with hours {n}")

    def draft(self) -> WeeklyHours:
        return WeeklyHours(tuple(d for d, box in self.days.items() if box.isChecked()), self.opens.text(),
                           self.closes.text())


# ---------------------------------------------------------------------------------------------- dialog


class ServiceEditor(QDialog):
    saved = Signal(str)  # service id, after a save (add, edit, verify)
    verified = Signal(str)
    retired = Signal(str)  # instead of saved: the service has left search
    busyChanged = Signal(bool)  # a save, retirement or reload is running

    def __init__(self, directory: Directory, loaded: LoadedService | None = None, *, editor_name: str | None = None,
                 today: Callable[[], dt.date] | None = None, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.service_id = loaded.id if loaded else None
        self.settings = user_settings(settings)
        self._today = today or dt.date.today
        self._loaded = loaded
        self._touched: set[str] = set()
        self._errors: list[FieldError] = []
        self._filling = False
        self._job: Job | None = None
        self._worker = Worker(self, threads=1)  # one change at a time, in the order the person asked
        self.last_problem: str | None = None
        self.phone_rows: list[PhoneRow] = []
        self.hours_rows: list[HoursRow] = []
        self.setAccessibleName("Edit service" if loaded else "Add a service")
        self.setMinimumWidth(760)

        self._build(editor_name)
        self.set_draft(loaded.draft if loaded else ServiceDraft())
        if loaded is not None:
            self._touched = {"*"}  # a stored record's problems are real: show them all at once
        self._validate()
        self.name.setFocus()

    # ------------------------------------------------------------------------------------------ building

    def _line(self, field: str, label: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(label.replace("&", ""))
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(lambda _t, f=field: self._touch(f))
        edit.textChanged.connect(self._changed)
        return edit

    def _text(self, field: str, label: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(label.replace("&", ""))
        edit.setTabChangesFocus(True)
        edit.setMaximumHeight(72)
        edit.textChanged.connect(lambda f=field: self._touch(f) if not self._filling else None)
        edit.textChanged.connect(self._changed)
        return edit

    def _age(self, field: str, label: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(-1, 120)
        box.setSpecialValueText("Any")
        box.setAccessibleName(label)
        box.valueChanged.connect(lambda _v, f=field: self._touch(f) if not self._filling else None)
        box.valueChanged.connect(self._changed)
        return box

    def _build(self, editor_name: str | None) -> None:
        loaded = self._loaded
        title = f"Edit “{loaded.draft.name}”" if loaded else "Add a service"
        self.setWindowTitle(title)
        self.errors: dict[str, ErrorLabel] = {}

        def err(field: str, name: str) -> ErrorLabel:
            label = ErrorLabel(name)
            self.errors[field] = label
            return label

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        def row(text: str, widget: QWidget, field: str | None = None, name: str | None = None) -> None:
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, _with_error(widget, err(field, name or text.replace("&", "").rstrip(":")))
                        if field else widget)

        if loaded and loaded.draft.is_demo:
            demo = QLabel("Demo — not a real service. Its phone numbers are Ofcom drama numbers on purpose.")
            demo.setWordWrap(True)
            form.addRow(demo)

        saved_name = editor_name
        if saved_name is None and self.settings is not None:
            saved_name = str(self.settings.value(EDITOR_NAME_KEY, "") or "")
        self.editor_name = QLineEdit(saved_name or "")
        self.editor_name.setAccessibleName("Your name")
        self.editor_name.setPlaceholderText("Kept in the change history with each change")
        self.editor_name.textEdited.connect(lambda _t: self._touch("editor"))
        self.editor_name.textChanged.connect(self._changed)
        row("Your na&me:", self.editor_name, "editor", "Your name")

        self.name = self._line("name", "Service name", "e.g. Southwark Sexual Health Clinic")
        row("&Name:", self.name, "name", "Service name")
        self.organization = self._line("organization_name", "Organisation", "Who runs it (the service's name if blank)")
        row("&Organisation:", self.organization, "organization_name", "Organisation")
        self.description = self._text("description", "Description")
        row("&Description:", self.description, "description", "Description")
        self.url = self._line("url", "Website", "https://…")
        row("&Website:", self.url, "url", "Website")
        self.email = self._line("email", "Email", "name@example.org")
        row("&Email:", self.email, "email", "Email")

        # phones
        self.phones_box = QVBoxLayout()
        self.phones_box.setContentsMargins(0, 0, 0, 0)
        phones = QWidget()
        phones_outer = QVBoxLayout(phones)
        phones_outer.setContentsMargins(0, 0, 0, 0)
        phones_outer.addLayout(self.phones_box)
        self.add_phone_button = QPushButton("Add &phone")
        self.add_phone_button.setAccessibleName("Add a phone number")
        self.add_phone_button.clicked.connect(lambda: self._add_phone(PhoneDraft(), focus=True))
        phones_outer.addWidget(self.add_phone_button, 0, Qt.AlignmentFlag.AlignLeft)
        row("Phone numbers:", phones)

        # address
        self.address_1 = self._line("address_1", "Address", "Building and street")
        row("&Address:", self.address_1, "address_1", "Address")
        self.city = self._line("city", "Town or city")
        row("&Town or city:", self.city, "city", "Town or city")
        self.postcode = self._line("postal_code", "Postcode", "e.g. SE1 7TP")
        self.postcode.setMaximumWidth(160)
        row("Post&code:", self.postcode, "postal_code", "Postcode")
        self.coordinates_note = QLabel()
        self.coordinates_note.setAccessibleName("Map position")
        self.coordinates_note.setWordWrap(True)
        form.addRow("", _with_error(self.coordinates_note, err("latitude", "Map position")))

        # who and how
        self.application_process = self._text("application_process", "How to refer")
        row("How to re&fer:", self.application_process, "application_process", "How to refer")
        self.eligibility = self._text("eligibility", "Who it is for")
        row("Who it is for (eligi&bility):", self.eligibility, "eligibility", "Who it is for")
        ages = QWidget()
        ages_row = QHBoxLayout(ages)
        ages_row.setContentsMargins(0, 0, 0, 0)
        self.minimum_age = self._age("minimum_age", "Minimum age")
        self.maximum_age = self._age("maximum_age", "Maximum age")
        ages_row.addWidget(QLabel("from"))
        ages_row.addWidget(self.minimum_age)
        ages_row.addWidget(QLabel("to"))
        ages_row.addWidget(self.maximum_age)
        ages_row.addStretch()
        age_errors = QWidget()
        age_layout = QVBoxLayout(age_errors)
        age_layout.setContentsMargins(0, 0, 0, 0)
        age_layout.addWidget(ages)
        age_layout.addWidget(err("minimum_age", "Minimum age"))
        age_layout.addWidget(err("maximum_age", "Maximum age"))
        ages_label = QLabel("A&ges:")
        ages_label.setBuddy(self.minimum_age)
        form.addRow(ages_label, age_errors)
        self.fees = self._line("fees", "Fees", "e.g. Free (NHS)")
        row("Fees:", self.fees, "fees", "Fees")

        # need types
        self.needs = QListWidget()
        self.needs.setAccessibleName("Need types")
        for need in need_types().all:
            item = QListWidgetItem(need.label)
            item.setData(Qt.ItemDataRole.UserRole, need.code)
            item.setToolTip(need.description)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.needs.addItem(item)
        self.needs.setMaximumHeight(150)
        self.needs.itemChanged.connect(lambda _i: (self._touch("needs") if not self._filling else None,
                                                   self._changed()))
        row("Need t&ypes:", self.needs, "needs", "Need types")

        # hours
        self.hours_box = QVBoxLayout()
        self.hours_box.setContentsMargins(0, 0, 0, 0)
        hours = QWidget()
        hours_outer = QVBoxLayout(hours)
        hours_outer.setContentsMargins(0, 0, 0, 0)
        hours_outer.addLayout(self.hours_box)
        hours_buttons = QHBoxLayout()
        self.add_hours_button = QPushButton("Add &hours")
        self.add_hours_button.setAccessibleName("Add opening hours")
        self.add_hours_button.clicked.connect(lambda: self._add_hours(WeeklyHours(), focus=True))
        hours_buttons.addWidget(self.add_hours_button)
        self.bank_holidays = QComboBox()
        self.bank_holidays.setAccessibleName("Bank holidays")
        self.bank_holidays.addItem("Closed on bank holidays", "closed")
        self.bank_holidays.addItem("Open as usual on bank holidays", "open")
        self.bank_holidays.currentIndexChanged.connect(self._changed)
        hours_buttons.addWidget(self.bank_holidays)
        hours_buttons.addStretch()
        hours_outer.addLayout(hours_buttons)
        self.hours_note = self._line("hours_note", "Note about hours", "e.g. Drop in until 4pm; appointments after")
        hours_outer.addWidget(self.hours_note)
        row("Opening hours:", hours)

        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for code in STATUSES:
            self.status.addItem(STATUS_LABELS[code], code)
        self.status.currentIndexChanged.connect(self._changed)
        row("Stat&us:", self.status, "status", "Status")

        self.assured = QLabel()
        self.assured.setAccessibleName("Last checked")
        form.addRow("Last checked:", self.assured)

        content = QWidget()
        content.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)

        self.problems = QLabel()
        self.problems.setAccessibleName("What needs attention")
        self.problems.setWordWrap(True)

        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(f"Save the service ({SAVE_SHORTCUT})")
        self.save_button.clicked.connect(self.save)
        self.verify_button = QPushButton("Mark &verified")
        self.verify_button.setAccessibleName("Mark verified")
        self.verify_button.setToolTip("You checked these details with the service today (saves any edits too)")
        self.verify_button.clicked.connect(self.mark_verified)
        self.retire_button = QPushButton("&Retire…")
        self.retire_button.setAccessibleName("Retire this service")
        self.retire_button.setToolTip("The service has closed: it leaves search, its record and history are kept")
        self.retire_button.clicked.connect(self.retire)
        self.retire_button.setEnabled(self._loaded is not None)
        self.history_button = QPushButton("H&istory…")
        self.history_button.setAccessibleName("Change history")
        self.history_button.clicked.connect(self.show_history)
        self.history_button.setEnabled(self._loaded is not None)
        self.reload_button = QPushButton("Re&load")
        self.reload_button.setAccessibleName("Reload")
        self.reload_button.setToolTip("Read the saved record again; your edits stay in the form")
        self.reload_button.clicked.connect(self.reload)
        self.reload_button.setEnabled(self._loaded is not None)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.history_button, self.reload_button, self.retire_button):
            buttons.addWidget(button)
        buttons.addStretch()
        for button in (self.verify_button, self.cancel_button, self.save_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)
        shortcut = QShortcut(QKeySequence(SAVE_SHORTCUT), self)
        shortcut.activated.connect(lambda: self.save() if self.save_button.isEnabled() else None)

    # ----------------------------------------------------------------------------------- rows of fields

    def _add_phone(self, phone: PhoneDraft, focus: bool = False) -> PhoneRow:
        row = PhoneRow(len(self.phone_rows), phone)
        row.changed.connect(lambda r=row: (self._touch(f"phones[{self.phone_rows.index(r)}]")
                                           if not self._filling and r in self.phone_rows else None,
                                           self._changed()))
        row.removeRequested.connect(self._remove_phone)
        self.phone_rows.append(row)
        self.phones_box.addWidget(row)
        if focus:
            row.number.setFocus()
            self._changed()
        return row

    def _remove_phone(self, row: PhoneRow) -> None:
        self.phone_rows.remove(row)
        self.phones_box.removeWidget(row)
        row.deleteLater()
        for i, r in enumerate(self.phone_rows):
            r.set_position(i)
        self._touch("phones")
        self.add_phone_button.setFocus()
        self._changed()

    def _add_hours(self, rule: WeeklyHours, focus: bool = False) -> HoursRow:
        row = HoursRow(len(self.hours_rows), rule)
        row.changed.connect(lambda r=row: (self._touch(f"hours[{self.hours_rows.index(r)}]")
                                           if not self._filling and r in self.hours_rows else None,
                                           self._changed()))
        row.removeRequested.connect(self._remove_hours)
        self.hours_rows.append(row)
        self.hours_box.addWidget(row)
        if focus:
            row.days["MO"].setFocus()
            self._changed()
        return row

    def _remove_hours(self, row: HoursRow) -> None:
        self.hours_rows.remove(row)
        self.hours_box.removeWidget(row)
        row.deleteLater()
        for i, r in enumerate(self.hours_rows):
            r.set_position(i)
        self.add_hours_button.setFocus()
        self._changed()

    # ------------------------------------------------------------------------------------- draft <-> form

    def set_draft(self, d: ServiceDraft) -> None:
        self._filling = True
        try:
            self.name.setText(d.name)
            self.organization.setText(d.organization_name)
            self.description.setPlainText(d.description)
            self.url.setText(d.url)
            self.email.setText(d.email)
            self.application_process.setPlainText(d.application_process)
            self.eligibility.setPlainText(d.eligibility)
            self.minimum_age.setValue(-1 if d.minimum_age is None else int(d.minimum_age))
            self.maximum_age.setValue(-1 if d.maximum_age is None else int(d.maximum_age))
            self.fees.setText(d.fees)
            for row in list(self.phone_rows):
                self.phones_box.removeWidget(row)
                row.deleteLater()
            self.phone_rows.clear()
            for phone in d.phones:
                self._add_phone(phone)
            self.address_1.setText(d.address_1)
            self.city.setText(d.city)
            self.postcode.setText(d.postal_code)
            self._coordinates = (d.latitude, d.longitude, d.postal_code)
            for i in range(self.needs.count()):
                item = self.needs.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in d.needs
                                   else Qt.CheckState.Unchecked)
            for row in list(self.hours_rows):
                self.hours_box.removeWidget(row)
                row.deleteLater()
            self.hours_rows.clear()
            for rule in d.hours:
                self._add_hours(rule)
            self.hours_note.setText(d.hours_note)
            self.bank_holidays.setCurrentIndex(max(0, self.bank_holidays.findData(d.bank_holidays)))
            self.status.setCurrentIndex(max(0, self.status.findData(d.status)))
            self._is_demo = d.is_demo
        finally:
            self._filling = False
        self._show_assured()
        self._validate()

    def draft(self) -> ServiceDraft:
        """What the form holds now."""
        lat, lon, postcode_then = getattr(self, "_coordinates", (None, None, ""))
        same_place = "".join(self.postcode.text().split()).upper() == "".join((postcode_then or "").split()).upper()
        return ServiceDraft(
            name=self.name.text(),
            organization_name=self.organization.text(),
            description=self.description.toPlainText(),
            url=self.url.text(),
            email=self.email.text(),
            application_process=self.application_process.toPlainText(),
            eligibility=self.eligibility.toPlainText(),
            minimum_age=None if self.minimum_age.value() < 0 else self.minimum_age.value(),
            maximum_age=None if self.maximum_age.value() < 0 else self.maximum_age.value(),
            fees=self.fees.text(),
            phones=[row.draft() for row in self.phone_rows],
            address_1=self.address_1.text(),
            city=self.city.text(),
            postal_code=self.postcode.text(),
            latitude=lat if same_place else None,
            longitude=lon if same_place else None,
            needs=[self.needs.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.needs.count())
                   if self.needs.item(i).checkState() == Qt.CheckState.Checked],
            hours=[row.draft() for row in self.hours_rows],
            hours_note=self.hours_note.text(),
            bank_holidays=self.bank_holidays.currentData(),
            status=self.status.currentData(),
            is_demo=getattr(self, "_is_demo", False),
        )

    def is_dirty(self) -> bool:
        if self._loaded is None:
            return self.draft() != ServiceDraft()
        return self.draft() != self._loaded.draft

    # ---------------------------------------------------------------------------------------- validation

    def _touch(self, field: str) -> None:
        if not self._filling:
            self._touched.add(field)

    def _changed(self, *_args) -> None:
        if not self._filling:
            self._validate()

    def _shown(self, field: str) -> bool:
        if "*" in self._touched:
            return True
        base = field.split(".")[0]
        return base in self._touched or field in self._touched or (base.startswith("phones") and "phones" in
                                                                    self._touched)

    def _validate(self) -> list[FieldError]:
        if self._filling:
            return self._errors
        errors = validate_draft(self.draft())
        if not self.editor_name.text().strip():
            errors.append(FieldError("editor", "Enter your name: the change history keeps it with each change."))
        self._errors = errors
        by_field = errors_by_field(errors)
        for field, label in self.errors.items():
            label.show_error(by_field.get(field) if self._shown(field) else None)
        for i, row in enumerate(self.phone_rows):
            message = by_field.get(f"phones[{i}].number") or by_field.get(f"phones[{i}].type")
            row.error.show_error(message if self._shown(f"phones[{i}]") else None)
            row.number.setAccessibleDescription(message or "")
        for i, row in enumerate(self.hours_rows):
            messages = [by_field[k] for k in (f"hours[{i}].days", f"hours[{i}].opens", f"hours[{i}].closes")
                        if k in by_field]
            row.error.show_error(" ".join(messages) if messages and self._shown(f"hours[{i}]") else None)
        for field, widget in (("name", self.name), ("email", self.email), ("url", self.url),
                              ("postal_code", self.postcode), ("editor", self.editor_name)):
            widget.setAccessibleDescription(by_field.get(field, ""))
        self._show_coordinates()
        self._set_buttons()
        if errors:
            hidden = [e for e in errors if not self._shown(e.field) or e.field == "contact"]
            shown_count = len({e.field for e in errors}) - len({e.field for e in hidden})
            parts = []
            if shown_count:
                parts.append(f"{shown_count} field{'s' if shown_count != 1 else ''} need{'s' if shown_count == 1 else ''}"
                             " attention (see the messages above).")
            parts.extend(e.message for e in hidden[:4])
            self.problems.setText("To save: " + " ".join(parts))
        else:
            self.problems.setText("Ready to save." if self.is_dirty() else "No changes yet.")
        return errors

    def errors_shown(self) -> dict[str, str]:
        """Field -> the message a person can see now (for tests and screen readers)."""
        shown = {field: label.text() for field, label in self.errors.items() if label.isVisibleTo(self)}
        for i, row in enumerate(self.phone_rows):
            if row.error.isVisibleTo(self):
                shown[f"phones[{i}]"] = row.error.text()
        for i, row in enumerate(self.hours_rows):
            if row.error.isVisibleTo(self):
                shown[f"hours[{i}]"] = row.error.text()
        return shown

    def _show_coordinates(self) -> None:
        d = self.draft()
        if not d.has_address:
            self.coordinates_note.setText("No address: a phone or online service, found from anywhere.")
        elif d.latitude is not None:
            self.coordinates_note.setText(f"Map position: {d.latitude:.5f}, {d.longitude:.5f}.")
        else:
            self.coordinates_note.setText("Map position: the centre of the postcode district (set when saved).")

    def _show_assured(self) -> None:
        assured = self._loaded.assured_date if self._loaded else None
        if self._loaded is None:
            self.assured.setText("Not saved yet.")
        else:
            self.assured.setText(f"{_long_date(assured)} (the date a person last checked these details)")

    # ------------------------------------------------------------------------------------------- actions

    @property
    def busy(self) -> bool:
        return self._job is not None

    def _remember_editor(self) -> str:
        name = self.editor_name.text().strip()
        if self.settings is not None and name:
            self.settings.setValue(EDITOR_NAME_KEY, name)
        return name

    def _run(self, doing: str, fn, *args, on_result, **kwargs) -> Job | None:
        """Run one app use case off the UI thread; the buttons wait until it has finished."""
        if self._job is not None:
            return None
        self.problems.setText(doing)
        self._job = self._worker.run(fn, *args, on_result=on_result, on_problem=self._failed, **kwargs)
        self._job.finished.connect(self._job_finished)
        self._set_buttons()
        self.busyChanged.emit(True)
        return self._job

    def _job_finished(self) -> None:
        self._job = None
        self._set_buttons()
        self.busyChanged.emit(False)

    def _set_buttons(self) -> None:
        idle, stored = self._job is None, self._loaded is not None
        self.save_button.setEnabled(idle and not self._errors)
        self.verify_button.setEnabled(idle and not self._errors)
        for button in (self.retire_button, self.history_button, self.reload_button):
            button.setEnabled(idle and stored)

    def _failed(self, problem: KetdirProblem) -> None:
        """Say what happened; the form keeps every edit. A conflict offers Reload (their version + my edits)."""
        self.last_problem = str(problem)
        if isinstance(problem, InvalidDraft):
            self._touched.add("*")
        self._validate()
        if isinstance(problem, Conflict):
            self._offer_reload(problem)
            return
        show_problem(self, f"{problem} {EDITS_KEPT}", title=problem.title)

    def _offer_reload(self, conflict: Conflict) -> QMessageBox:
        box = QMessageBox(self)
        box.setObjectName("problemBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Someone else changed this service")
        box.setText("Someone else changed this service")
        box.setInformativeText(f"{conflict} {EDITS_KEPT}")
        box.setAccessibleName("Someone else changed this service")
        reload = box.addButton("Reload (keep my edits)", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(reload)
        box.buttonClicked.connect(lambda button: self.reload() if button is reload else None)
        box.open()
        return box

    def _saved(self, saved: LoadedService, sent: ServiceDraft, *, verified: bool, close: bool) -> None:
        self._loaded = saved
        self.service_id = saved.id
        self.setWindowTitle(f"Edit “{saved.draft.name}”")
        self.setAccessibleName("Edit service")
        self._touched = {"*"}
        if self.draft() == sent:  # show what was stored (postcode tidied, map position filled in) ...
            self.set_draft(saved.draft)
        else:  # ... unless the person typed on while it saved: those edits stay, still to be saved
            self._validate()
        self.problems.setText("Saved." if not verified else f"Saved and marked verified on {_long_date(saved.assured_date)}.")
        if verified:
            self.verified.emit(saved.id)
        self.saved.emit(saved.id)
        if close:
            self.accept()

    def _save(self, verify: bool) -> Job | None:
        if self._validate() or self._job is not None:
            return None
        editor = self._remember_editor()
        loaded, draft = self._loaded, self.draft()
        close = not verify  # Save closes the dialog; Mark verified keeps it open
        return self._run("Saving…", stewardship.save_service, self.directory, draft, editor,
                         service_id=loaded.id if loaded else None,
                         expected_version=loaded.version if loaded else None,
                         verified_on=self._today() if verify else None,
                         on_result=lambda saved: self._saved(saved, draft, verified=verify, close=close))

    def save(self) -> Job | None:
        """Save and close (when it has saved); the Job, or None when the form has errors or a save is running."""
        return self._save(verify=False)

    def mark_verified(self) -> Job | None:
        """Record that a person checked the details today (saving any edits too). The dialog stays open."""
        return self._save(verify=True)

    def retire(self) -> Job | None:
        if self._loaded is None or self._job is not None:
            return None
        if not self.editor_name.text().strip():
            self._touch("editor")
            self._validate()
            self.editor_name.setFocus()
            return None
        reason, ok = QInputDialog.getText(self, "Retire this service",
                                          f"Why is “{self._loaded.draft.name}” being retired? It will no longer "
                                          "appear in search; its record and history are kept.")
        if not ok:
            return None
        return self.retire_with_reason(reason)

    def retire_with_reason(self, reason: str) -> Job | None:
        if self._loaded is None:
            return None
        return self._run("Retiring…", stewardship.retire_service, self.directory, self._loaded.id,
                         self._remember_editor(), reason, expected_version=self._loaded.version,
                         on_result=self._retired)

    def _retired(self, saved: LoadedService) -> None:
        self._loaded = saved
        self.retired.emit(saved.id)
        self.accept()

    def reload(self) -> Job | None:
        """Read the saved record again and lay this form's edits over it (they are never thrown away)."""
        if self._loaded is None:
            return None
        return self._run("Reading the saved record…", stewardship.load_service, self.directory, self._loaded.id,
                         on_result=self._reloaded)

    def _reloaded(self, fresh: LoadedService) -> None:
        merged, both = merge_drafts(self._loaded.draft, self.draft(), fresh.draft)
        self._loaded = fresh
        self.set_draft(merged)
        if both:
            names = ", ".join(FIELD_LABELS.get(f, f) for f in both)
            self.problems.setText(f"Reloaded. You and the other editor both changed: {names}. Your version is in "
                                  "the form — check it before saving.")
        else:
            self.problems.setText("Reloaded: their changes are in the form, with your edits on top.")

    def show_history(self) -> None:
        if self._loaded is None:
            return
        from ketdir.gui.history_dialog import HistoryDialog

        HistoryDialog(self.directory, self._loaded.id, parent=self).show()

    def reject(self) -> None:
        if self.is_dirty():
            answer = QMessageBox.question(
                self, "Discard your changes?", "You have changes that are not saved. Discard them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()


__all__ = ["ServiceEditor"]
