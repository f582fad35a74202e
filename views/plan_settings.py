"""The plan's settings in one dialog: name, owner, money and time, the price date, Monte Carlo."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.edits import Edit, SetField
from app.project_state import InvalidValueError
from views.estimate_field import ParseError, parse_number
from views.read_only import make_read_only

if TYPE_CHECKING:
    from views.controller import ProjectController

#: Offered in the currency list; any other three-letter ISO code may be typed.
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CNY", "INR", "CAD", "AUD", "CHF", "SEK", "NOK", "DKK",
              "NZD", "SGD", "HKD", "KRW", "BRL", "MXN", "ZAR", "PLN")
_CURRENCY = re.compile(r"[A-Za-z]{3}")

#: field -> (form label, the subject of its sentences, what to type when the text is no number)
SETTINGS: dict[str, tuple[str, str, str]] = {
    "name": ("Name", "The name", ""),
    "author": ("Owner", "The owner", ""),
    "description": ("Description", "The description", ""),
    "currency": ("Currency", "The currency", "must be a three-letter code such as USD or EUR"),
    "discount_rate": ("Discount rate", "The discount rate",
                      "Type the yearly discount rate as a percent, such as 10%."),
    "horizon_years": ("Horizon (years)", "The horizon", "Type a whole number of years from 1 to 10."),
    "budget": ("Budget", "The budget",
               "Type an amount such as 500,000 or 500k; leave it empty for no budget."),
    "mc_samples": ("Monte Carlo samples", "The number of samples",
                   "Type a whole number such as 10,000 (from 1,000 to 1,000,000)."),
    "mc_seed": ("Random seed", "The seed", "Type a whole number such as 42."),
    "price_date": ("Prices as of", "The price date",
                   "Type a date such as 2027-01-01, or leave it empty for today's catalog prices."),
}
TEXT = ("name", "author", "description", "price_date")
WHOLE = ("horizon_years", "mc_samples", "mc_seed")
READ_ONLY_NOTE = "This plan is open read-only: use Save As to edit a copy of your own."


class SettingError(ValueError):
    """Text a setting cannot hold; the message is the plain sentence shown beside the field."""


def parse_setting(field: str, text: str, locale: QLocale | None = None) -> Any:
    """The value ``text`` stands for in ``field`` (before the plan's limits are checked)."""
    locale = locale or QLocale()
    hint = SETTINGS[field][2]
    raw = text.strip()
    if field in TEXT:
        return raw
    if field == "currency":
        if not _CURRENCY.fullmatch(raw):
            raise SettingError(f"{SETTINGS[field][1]} {hint}.")
        return raw.upper()
    if field == "budget" and not raw:
        return None  # no budget: every opportunity worth doing is funded
    if field in WHOLE:
        # As an integer first: a seed of 19 digits has no exact float.
        for each in (locale, QLocale.c()):
            whole, ok = each.toLongLong(raw)
            if ok:
                return whole
    try:
        value = parse_number(raw, "percent" if field == "discount_rate" else "money", locale)
    except ParseError:
        raise SettingError(hint) from None
    if field in WHOLE and value.is_integer() and abs(value) < 2**53:
        return int(value)  # 10k samples
    return value  # 2.5 years is refused by the limits, in their words


def setting_problem(controller: ProjectController, field: str, text: str) -> str:
    """The sentence saying why ``text`` may not be stored in ``field``; empty when it may."""
    try:
        value = parse_setting(field, text)
        controller.state.check_value("project", "", field, value)
    except SettingError as exc:
        return str(exc)
    except InvalidValueError as exc:
        return f"{SETTINGS[field][1]} {exc}."
    return ""


def _noun(field: str) -> str:
    """``seed`` for mc_seed: how the undo history names a setting."""
    return SETTINGS[field][1].removeprefix("The ")


def _show(field: str, value: Any, locale: QLocale) -> str:
    """A stored setting as the dialog shows it (and parses back)."""
    if value is None:
        return ""
    if field == "discount_rate":
        return locale.toString(float(value) * 100, "g", 12) + "%"
    if field == "budget":
        number = float(value)
        return locale.toString(int(number)) if number.is_integer() else locale.toString(number, "f", 2)
    if field == "mc_samples":
        return locale.toString(int(value))
    return str(value)


class PlanSettingsDialog(QDialog):
    """Edits the project's settings; OK stores every changed one as a single undo step."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.read_only = controller.read_only
        self.setWindowTitle("Plan Settings")
        locale = QLocale()
        project = controller.state.object("project", "")
        self.editors: dict[str, QLineEdit | QPlainTextEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self.initial: dict[str, str] = {}

        column = QVBoxLayout(self)
        column.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows to show a sentence
        self.form_area = QWidget()
        # One form for every section, so the fields of all sections line up.
        form = QFormLayout(self.form_area)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for title, fields in (("Plan", ("name", "author", "description")),
                              ("Money and time", ("currency", "discount_rate", "horizon_years", "budget",
                                                  "price_date")),
                              ("Monte Carlo", ("mc_samples", "mc_seed"))):
            heading = QLabel(f"<b>{title}</b>")
            heading.setContentsMargins(0, 0 if title == "Plan" else 8, 0, 0)
            form.addRow(heading)
            for field in fields:
                editor = self._editor(field, _show(field, project.get(field), locale))
                self.initial[field] = self.text(field)
                error = QLabel()
                error.setObjectName(f"error_{field}")
                error.setStyleSheet("color: #b3261e;")
                error.hide()
                self.errors[field] = error
                cell = QWidget()
                stack = QVBoxLayout(cell)
                stack.setContentsMargins(0, 0, 0, 0)
                stack.setSpacing(2)
                stack.addWidget(editor, 0, Qt.AlignmentFlag.AlignLeft if field == "currency" else
                                Qt.AlignmentFlag(0))
                stack.addWidget(error)
                label = QLabel(f"&{SETTINGS[field][0]}:")
                label.setBuddy(editor)
                form.addRow(label, cell)
        column.addWidget(self.form_area)

        self.note = QLabel(READ_ONLY_NOTE if self.read_only else "")
        self.note.setWordWrap(True)
        self.note.setVisible(self.read_only)
        column.addWidget(self.note)
        if self.read_only:
            make_read_only(self.form_area)
            self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        else:
            self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                            | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        self.form_area.setMinimumWidth(580)  # room for the longest sentence on one line
        self._validate()

    def _editor(self, field: str, shown: str) -> QLineEdit | QPlainTextEdit | QComboBox:
        editor: QLineEdit | QPlainTextEdit | QComboBox
        if field == "description":
            editor = QPlainTextEdit(shown)
            editor.setTabChangesFocus(True)  # Tab moves on, as in every other field
            # Four whole lines: the document's top margin only, so no sliver of a fifth shows.
            margins = 2 * editor.frameWidth() + editor.document().documentMargin()
            editor.setFixedHeight(int(editor.fontMetrics().lineSpacing() * 4 + margins))
            editor.textChanged.connect(self._validate)
        elif field == "currency":
            editor = QComboBox()
            editor.setEditable(True)
            editor.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            editor.addItems(CURRENCIES if shown in CURRENCIES else (shown, *CURRENCIES))
            editor.setCurrentText(shown)
            editor.setToolTip("Pick a currency or type its three-letter ISO code")
            editor.setMinimumContentsLength(5)
            editor.editTextChanged.connect(self._validate)
        else:
            editor = QLineEdit(shown)
            editor.setPlaceholderText({"budget": "No budget", "discount_rate": "10%",
                                       "horizon_years": "1 to 10", "mc_samples": "1,000 to 1,000,000",
                                       "mc_seed": "42", "price_date": "Today (YYYY-MM-DD)"}.get(field, ""))
            if field == "price_date":
                editor.setToolTip("Catalog prices chosen or re-priced from now on are those in force on "
                                  "this date (an announced change included); empty: today's prices")
            editor.textChanged.connect(self._validate)
        editor.setObjectName(field)
        self.editors[field] = editor
        return editor

    def text(self, field: str) -> str:
        editor = self.editors[field]
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        return editor.text()

    def problems(self) -> dict[str, str]:
        """field -> the sentence saying why its text may not be stored (changed fields only)."""
        found = {}
        for field in self.editors:
            text = self.text(field)
            if text != self.initial[field]:
                problem = setting_problem(self.controller, field, text)
                if problem:
                    found[field] = problem
        return found

    def changes(self) -> dict[str, Any]:
        """field -> new value, for each setting whose text the user changed to another value."""
        project = self.controller.state.object("project", "")
        out = {}
        for field in self.editors:
            text = self.text(field)
            if text != self.initial[field]:
                value = parse_setting(field, text)
                if value != project.get(field):
                    out[field] = value
        return out

    def _validate(self) -> None:
        problems = self.problems()
        for field, label in self.errors.items():
            label.setText(problems.get(field, ""))
            label.setVisible(field in problems)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setEnabled(not problems)

    def accept(self) -> None:
        if self.read_only:
            super().accept()
            return
        problems = self.problems()
        if problems:  # refused: Enter in a field while another one says why it is wrong
            self.editors[next(iter(problems))].setFocus(Qt.FocusReason.OtherFocusReason)
            return
        changes = self.changes()
        if changes:
            project = self.controller.state.object("project", "")
            label = ("Change plan settings" if len(changes) > 1
                     else f"Change plan {_noun(next(iter(changes)))}")
            # One step, one commit, one recalculation: all the settings or none of them.
            edits: list[Edit] = [SetField("project", "", field, project.get(field), value)
                                 for field, value in changes.items()]
            if not self.controller.edit_structure(edits, label):
                # Refused (read-only) or not committed (the sentence is shown): nothing changed.
                self.note.setText(READ_ONLY_NOTE if self.controller.read_only else
                                  "The settings were not stored; nothing changed.")
                self.note.show()
                return
        super().accept()


def edit_plan_settings(parent: QWidget, controller: ProjectController) -> PlanSettingsDialog:
    """Open the settings dialog, window-modal and without blocking the caller."""
    dialog = PlanSettingsDialog(controller, parent)
    dialog.open()
    return dialog
