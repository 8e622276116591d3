"""Log an anonymous referral: a small dialog, prefilled, that Enter confirms.

Opened by one keystroke from the detail pane (LOG_REFERRAL_SHORTCUT; Ctrl+R already moves to the
results list). Prefilled with the current service(s), the need types being searched for, and the
district of the place typed (a full postcode is shown, and stored, as its district only). There is no
box for a name, a number or a note: the log cannot hold them.
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
from sqlalchemy.exc import SQLAlchemyError

from ketdir.needs import need_types
from ketdir.referral.log import (
    CHANNEL_LABELS,
    CHANNELS,
    OUTCOME_LABELS,
    OUTCOMES,
    LoggedReferral,
    ReferralError,
    district_of,
    log_referral,
)
from ketdir.store.detail import load_service_detail
from ketdir.store.engine import Directory
from ketdir.gui.settings import user_settings

LOG_REFERRAL_SHORTCUT = "Ctrl+Shift+R"
CHANNEL_KEY = "referral/channel"



class LogReferralDialog(QDialog):
    logged = Signal(str)  # a message for the status bar

    def __init__(self, directory: Directory, service_ids: Sequence[str], needs: Iterable[str] = (),
                 place: str | None = None, *, settings: QSettings | None = None,
                 clock: Callable[[], dt.datetime] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.settings = user_settings(settings)
        self._clock = clock or dt.datetime.now
        self.result_referral: LoggedReferral | None = None
        self.setWindowTitle("Log a referral (anonymous)")
        self.setAccessibleName("Log a referral")

        intro = QLabel("Records what was needed and where the person was referred — never who they are. "
                       "No names, numbers or notes are kept.")
        intro.setWordWrap(True)

        # services
        self.services = QListWidget()
        self.services.setAccessibleName("Services referred to")
        needs_of_services: list[str] = []
        with directory.session() as session:
            for service_id in dict.fromkeys(service_ids):
                detail = load_service_detail(session, service_id)
                if detail is None:
                    continue
                item = QListWidgetItem(detail.name)
                item.setData(Qt.ItemDataRole.UserRole, service_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.services.addItem(item)
                needs_of_services.extend(detail.needs)
        self.services.setMaximumHeight(max(40, min(5, self.services.count()) * 24 + 8))

        # need types: the search's filters; else the service's own if there is just one
        chosen = [n for n in needs if n]
        if not chosen and len(set(needs_of_services)) == 1:
            chosen = list(set(needs_of_services))
        self.needs = QListWidget()
        self.needs.setAccessibleName("Need types")
        for need in need_types().all:
            item = QListWidgetItem(need.label)
            item.setData(Qt.ItemDataRole.UserRole, need.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if need.code in chosen else Qt.CheckState.Unchecked)
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
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._district_changed(self.district.text())
        self.ok_button.setFocus()

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
        try:
            with self.directory.session() as session, session.begin():
                self.result_referral = log_referral(
                    session, self.chosen_services(), self.chosen_needs(), self.district.text(),
                    self.chosen_channel(), self.chosen_outcome(), at=self._clock(),
                )
        except ReferralError as exc:
            self._show_error(str(exc))
            return
        except SQLAlchemyError as exc:
            self._show_error(f"The referral could not be saved ({type(exc).__name__}): the database may be "
                             "read-only or busy. Nothing was stored; try again in a moment.")
            return
        if self.settings is not None:
            self.settings.setValue(CHANNEL_KEY, self.chosen_channel())
        r = self.result_referral
        where = f" in {r.district}" if r.district else ""
        n = len(r.service_ids)
        self.logged.emit(f"Referral logged ({n} service{'s' if n != 1 else ''}{where}). Thank you.")
        super().accept()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
