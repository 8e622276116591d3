"""Log an anonymous referral: a small dialog, prefilled, that Enter confirms.

Opened by one keystroke from the detail pane (LOG_REFERRAL_SHORTCUT; Ctrl+R already moves to the
results list). Prefilled with the current service(s), the need types being searched for, and the
district of the place typed (a full postcode is shown, and stored, as its district only). There is no
box for a name, a number or a note: the log cannot hold them. The services are read, and the referral
logged, by ketdir.app.referrals on the dialog's worker; a problem is shown in the dialog and the form stays
as it was.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable, Sequence

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ketdir.app import Directory
from ketdir.app.referrals import ServicesRead, log_referral, read_services
from ketdir.gui.settings import user_settings
from ketdir.gui.workers import Worker
from ketdir.needs import need_types
from ketdir.problems import KetdirProblem
from ketdir.referral.log import CHANNEL_LABELS, CHANNELS, OUTCOME_LABELS, OUTCOMES, LoggedReferral, district_of

LOG_REFERRAL_SHORTCUT = "Ctrl+Shift+R"
CHANNEL_KEY = "referral/channel"



class LogReferralDialog(QDialog):
    logged = Signal(str)  # a message for the status bar
    ready = Signal()  # the services are listed: the form can be used

    def __init__(self, directory: Directory, service_ids: Sequence[str], needs: Iterable[str] = (),
                 place: str | None = None, *, settings: QSettings | None = None,
                 clock: Callable[[], dt.datetime] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.settings = user_settings(settings)
        self._clock = clock or dt.datetime.now
        self._needs_asked = [n for n in needs if n]
        self.result_referral: LoggedReferral | None = None
        self.is_ready = False
        self.is_logging = False
        self._worker = Worker(self)
        self.setWindowTitle("Log a referral (anonymous)")
        self.setAccessibleName("Log a referral")

        intro = QLabel("Records what was needed and where the person was referred — never who they are. "
                       "No names, numbers or notes are kept.")
        intro.setWordWrap(True)

        # services: listed once they are read (off the UI thread)
        self.services = QListWidget()
        self.services.setAccessibleName("Services referred to")
        self.services.setMaximumHeight(40)

        self.needs = QListWidget()
        self.needs.setAccessibleName("Need types")
        for need in need_types().all:
            item = QListWidgetItem(need.label)
            item.setData(Qt.ItemDataRole.UserRole, need.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if need.code in self._needs_asked else Qt.CheckState.Unchecked)
            self.needs.addItem(item)
        self.needs.setMinimumHeight(160)
        for box in (self.services, self.needs):
            box.setStyleSheet("QListView::item { padding: 3px 4px; }")

        # district
        self.district = QLineEdit(district_of(place) or "")
        self.district.setMaxLength(10)
        self.district.setPlaceholderText("e.g. SE1 — optional")
        self.district.setAccessibleName("Postcode district")
        self.district.setToolTip("Only the district is kept (SE1 7TP is stored as SE1). A town is not stored.")
        self.district_note = QLabel()
        self.district.textChanged.connect(self._district_changed)

        # channel and outcome
        self.channel_group = QButtonGroup(self)
        channel_row = QHBoxLayout()
        remembered = self.settings.value(CHANNEL_KEY, "phone") if self.settings is not None else "phone"
        self.channel_buttons: dict[str, QRadioButton] = {}
        for i, channel in enumerate(CHANNELS):
            button = QRadioButton(CHANNEL_LABELS[channel])
            self.channel_group.addButton(button, i)
            self.channel_buttons[channel] = button
            channel_row.addWidget(button)
            button.setChecked(channel == remembered)
        if self.channel_group.checkedButton() is None:
            self.channel_buttons["phone"].setChecked(True)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.addItem(OUTCOME_LABELS[None], None)
        for outcome in OUTCOMES:
            self.outcome.addItem(OUTCOME_LABELS[outcome], outcome)

        form = QFormLayout()
        form.addRow("Services:", self.services)
        form.addRow("Need types:", self.needs)
        form.addRow("District:", self.district)
        form.addRow("", self.district_note)
        form.addRow("Channel:", channel_row)
        form.addRow("Outcome:", self.outcome)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Log referral")
        self.ok_button.setDefault(True)
        self.ok_button.setEnabled(False)  # until the services are listed
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._district_changed(self.district.text())
        self.ok_button.setFocus()
        self._worker.run(read_services, directory, list(dict.fromkeys(service_ids)), on_result=self._services_read,
                         on_problem=self._show_problem)

    def _services_read(self, read: ServicesRead) -> None:
        needs_of_services: set[str] = set()
        for detail in read.details:
            item = QListWidgetItem(detail.name)
            item.setData(Qt.ItemDataRole.UserRole, detail.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.services.addItem(item)
            needs_of_services.update(detail.needs)
        self.services.setMaximumHeight(max(40, min(5, self.services.count()) * 24 + 8))
        # need types: the search's filters; else the service's own if there is just one
        if not self._needs_asked and len(needs_of_services) == 1:
            for i in range(self.needs.count()):
                item = self.needs.item(i)
                if item.data(Qt.ItemDataRole.UserRole) in needs_of_services:
                    item.setCheckState(Qt.CheckState.Checked)
        self.is_ready = True
        self.ok_button.setEnabled(True)
        self.ok_button.setFocus()
        self.ready.emit()

    # ------------------------------------------------------------------ reading the form

    def chosen_services(self) -> list[str]:
        return [self.services.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.services.count())
                if self.services.item(i).checkState() == Qt.CheckState.Checked]

    def chosen_needs(self) -> list[str]:
        return [self.needs.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.needs.count())
                if self.needs.item(i).checkState() == Qt.CheckState.Checked]

    def chosen_channel(self) -> str:
        return next(c for c, b in self.channel_buttons.items() if b.isChecked())

    def chosen_outcome(self) -> str | None:
        return self.outcome.currentData()

    def _district_changed(self, text: str) -> None:
        if not text.strip():
            self.district_note.setText("No district will be stored.")
            return
        district = district_of(text)
        if district is None:
            self.district_note.setText("Not a postcode district: nothing will be stored for the place.")
        elif district != text.strip().upper():
            self.district_note.setText(f"Only the district is stored: {district}")
        else:
            self.district_note.setText(f"Stored as: {district}")

    # ------------------------------------------------------------------ logging

    def accept(self) -> None:
        """Log it off the UI thread; the dialog closes when it is stored, and stays as filled if not."""
        if not self.is_ready or self.is_logging:
            return
        self.is_logging = True
        self.ok_button.setEnabled(False)
        self.error.hide()
        self._worker.run(log_referral, self.directory, self.chosen_services(), self.chosen_needs(),
                         self.district.text(), self.chosen_channel(), self.chosen_outcome(), self._clock(),
                         on_result=self._logged, on_problem=self._show_problem)

    def _logged(self, referral: LoggedReferral) -> None:
        self.is_logging = False
        self.result_referral = referral
        if self.settings is not None:
            self.settings.setValue(CHANNEL_KEY, referral.channel)
        where = f" in {referral.district}" if referral.district else ""
        n = len(referral.service_ids)
        self.logged.emit(f"Referral logged ({n} service{'s' if n != 1 else ''}{where}). Thank you.")
        super().accept()

    def _show_problem(self, problem: KetdirProblem) -> None:
        self.is_logging = False
        self.ok_button.setEnabled(self.is_ready)
        self.error.setText(str(problem))
        self.error.show()
