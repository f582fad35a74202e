"""Number fields that take a plain number, a range, or an estimate, in the user's locale."""

from __future__ import annotations

import math
import re
from typing import Any

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.formatting import SYMBOLS
from app.project_state import ScenarioValue
from models.estimate import DISTRIBUTIONS, Estimate, estimate_from_json, estimate_json
from views.text_undo import commit_on_leave

#: How a field's numbers are typed and shown.
KINDS = ("number", "integer", "percent", "money", "money_small")
_RANGE = re.compile(r"^\s*(.+?)\s*(?:–|—|\.\.|\bto\b|(?<=[\d%kKmM\s])-(?=\s*[\d.,]))\s*(.+?)\s*$")
_SUFFIX = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9}


class ParseError(ValueError):
    """Text that is not a number or a range; the message says what to type instead."""


def parse_number(text: str, kind: str, locale: QLocale | None = None) -> float:
    """One number as typed: locale digits, an optional % (percent fields), k/M/B suffixes."""
    locale = locale or QLocale()
    raw = text.strip()
    for symbol in set(SYMBOLS.values()) | {"$", "€", "£", "USD", "EUR", "GBP"}:
        raw = raw.replace(symbol.strip(), "")
    raw = raw.strip()
    percent = raw.endswith("%")
    raw = raw.rstrip("%").strip()
    scale = 1.0
    if raw and raw[-1] in _SUFFIX and kind in ("number", "money", "integer"):
        scale = _SUFFIX[raw[-1]]
        raw = raw[:-1].strip()
    value, ok = locale.toDouble(raw)
    if not ok:
        value, ok = QLocale.c().toDouble(raw)  # 1200.5 typed on a comma locale still works
    if not ok or not math.isfinite(value):
        raise ParseError(_hint(kind))
    # The multiplier first: 1e308k is a finite number typed, but no finite number stored.
    value *= scale
    if kind == "percent" or percent:
        value /= 100.0
    if not math.isfinite(value):
        raise ParseError(f"That number is too large. {_hint(kind)}")
    return value


def _hint(kind: str) -> str:
    example = {"percent": "30% or a range like 20% – 45%",
               "integer": "6 or a range like 3 – 9",
               "money": "250,000 or 250k, or a range like 200k – 400k",
               "money_small": "0.012 or a range like 0.008 – 0.02"}.get(
        kind, "1,200 or a range like 900 – 1,500")
    return f"Type a number such as {example}."


def parse_estimate(text: str, kind: str, current: Estimate | None = None,
                   locale: QLocale | None = None) -> Estimate:
    """``1200`` is a plain number; ``900 – 1500`` a range (default triangular around the base)."""
    if not text.strip():
        raise ParseError(_hint(kind))
    match = _RANGE.match(text)
    if match and not text.strip().startswith("-"):
        low = parse_number(match.group(1), kind, locale)
        high = parse_number(match.group(2), kind, locale)
        if text.strip().endswith("%") and not match.group(1).strip().endswith("%"):
            low = parse_number(match.group(1) + "%", kind, locale)
        if low > high:
            low, high = high, low
        # Halves first: the midpoint of two huge finite numbers is finite too.
        base = current.base if current is not None and low <= current.base <= high else low / 2 + high / 2
        dist = current.dist if current is not None and current.is_range else "triangular"
        if kind == "integer":
            base = float(round(base))
        return Estimate(base, low, high, dist)
    return Estimate(parse_number(text, kind, locale))


def format_number(value: float, kind: str, locale: QLocale | None = None,
                  currency: str = "USD") -> str:
    locale = locale or QLocale()
    value = float(value)  # QLocale.toString(int, "f", n) has no overload
    if kind == "percent":
        return locale.toString(value * 100, "f", _digits(value * 100)) + "%"
    if kind == "integer":
        return locale.toString(int(round(value)))
    if kind == "money_small":
        return locale.toString(value, "f", 4 if abs(value) < 1 else 2)
    if kind == "money":
        return locale.toString(value, "f", 0 if abs(value) >= 100 else 2)
    return locale.toString(value, "f", _digits(value))


def _digits(value: float) -> int:
    if value == 0 or abs(value) >= 100:
        return 0
    for digits in range(0, 6):
        if abs(round(value, digits) - value) < 1e-9 * max(1.0, abs(value)):
            return digits
    return 4


def format_estimate(est: Estimate, kind: str, locale: QLocale | None = None,
                    currency: str = "USD") -> str:
    if not est.is_range:
        return format_number(est.base, kind, locale, currency)
    assert est.low is not None and est.high is not None
    return (f"{format_number(est.low, kind, locale, currency)} – "
            f"{format_number(est.high, kind, locale, currency)}")


def describe_estimate(est: Estimate, kind: str, locale: QLocale | None = None) -> str:
    """The tooltip: base and distribution in words."""
    if not est.is_range:
        return "A plain number. Type a range such as 900 – 1,500 to make it uncertain."
    return (f"Base {format_number(est.base, kind, locale)}; {est.dist} distribution from "
            f"{format_number(est.low or 0, kind, locale)} to {format_number(est.high or 0, kind, locale)}"
            + (" (5th to 95th percentile)" if est.dist in ("normal", "lognormal") else ""))


#: A field whose entry was refused: it keeps the text for correction, outlined in red.
REFUSED_STYLE = "QLineEdit { border: 1px solid #b00020; border-radius: 2px; background: #fdf0f2; }"
#: A field that shows the active scenario's own value, not the base's (the scenario strip's hue).
#: The tint of a value the active scenario overrides (fields, and table cells that show one).
OVERRIDDEN_TINT = "#f1ecfb"
OVERRIDDEN_STYLE = ("QLineEdit { border: 1px solid #7b5cc4; border-radius: 2px; background: "
                    f"{OVERRIDDEN_TINT}; }}")


def preview_text(est: Estimate, kind: str, locale: QLocale | None = None) -> str:
    """What an entry would store, in a few words: ``900 – 1,500 · triangular, base 1,000``."""
    if not est.is_range:
        return f"{format_number(est.base, kind, locale)} · a plain number"
    return (f"{format_estimate(est, kind, locale)} · {est.dist}, "
            f"base {format_number(est.base, kind, locale)}")


class EstimateField(QWidget):
    """A line edit for a number or range, a button for the full estimate, and a line below it.

    Typing stores nothing: the line below previews what the entry would store, or says why it
    would be refused. ``edited`` carries the JSON value (number or estimate object) only when
    the entry is committed: Enter, Tab, leaving the field, or OK in the estimate editor. A
    refused entry keeps its text, outlined, with the rule and the value the results still use;
    Esc puts back the stored value. ``field`` names the plan's field, whose limits
    (models.limits) the preview checks; the controller checks them again when storing.
    """

    edited = Signal(object)

    def __init__(self, kind: str = "number", parent: QWidget | None = None, field: str = "") -> None:
        super().__init__(parent)
        self.kind = kind
        self.field = field
        self.currency = "USD"
        self._estimate = Estimate(0.0)
        self._refreshed = False
        self.line = QLineEdit()
        self.line.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.more = QToolButton()
        self.more.setText("…")
        self.more.setToolTip("Edit as an estimate: base, low, high and distribution")
        #: The input the shown value overrides in the active scenario, or None (the base's value).
        self.overrides: tuple[str, str, str] | None = None
        self.override_tip = ""
        self.reset = QToolButton()
        self.reset.setObjectName("resetOverride")
        self.reset.setText("↺")
        self.reset.setStyleSheet("color: #5b3fa8;")
        self.reset.hide()
        self.reset.clicked.connect(self.reset_to_base)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.preview = QLabel()
        self.preview.setObjectName("fieldPreview")
        self.preview.setStyleSheet("color: #5f6368;")
        self.preview.setWordWrap(True)
        self.preview.setToolTip("Not stored yet: Enter, Tab or leaving the field stores it; Esc cancels")
        self.preview.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(self.reset)
        row.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.preview)
        layout.addWidget(self.error)
        self.line.installEventFilter(self)  # Esc
        self.line.textEdited.connect(self._typed)
        commit_on_leave(self.line, self.commit, escape_restores=False)  # its own Esc
        self.more.clicked.connect(self.open_editor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (watched is self.line and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape
                and event.modifiers() == Qt.KeyboardModifier.NoModifier
                and (self.line.isModified() or self.error.isVisible())):
            event.accept()  # this Esc is the field's: no dialog or window closes on it
            if event.type() == QEvent.Type.KeyPress:
                self.restore()
            return True
        return super().eventFilter(watched, event)

    def value(self) -> Estimate:
        """The stored estimate (what the results use), whatever the line shows."""
        return self._estimate

    def set_value(self, value: Any) -> None:
        """Show a stored JSON value, unless the user is typing here or a refused entry of this
        same value waits for correction."""
        est = estimate_from_json(value)
        self._mark(value.target if isinstance(value, ScenarioValue) else None)
        self._refreshed = True
        keep = self.line.isModified() and (
            self.line.hasFocus() or (self.error.isVisible() and est == self._estimate))
        self._estimate = est
        self.line.setToolTip(" ".join(filter(None, (self.override_tip, describe_estimate(est, self.kind)))))
        if not keep:
            self._show_stored()

    def _mark(self, target: tuple[str, str, str] | None) -> None:
        """Mark a value that comes from the active scenario, with a button back to the base."""
        self.overrides = target
        self.reset.setVisible(target is not None)
        if target is not None:
            controller = self._controller()
            name, base = "The scenario shown", None
            if controller is not None:
                name = controller.state.active_name()
                base = controller.state.base_value(*target)
            base_text = "not set" if base is None else format_estimate(
                estimate_from_json(base), self.kind, currency=self.currency)
            self.override_tip = f"{name} overrides this; the base is {base_text}."
            self.reset.setToolTip(f"{self.override_tip} Click to follow the base again.")
        else:
            self.override_tip = ""
        self._restyle()

    def _controller(self) -> Any:
        """The project's controller, from the page or dialog this field is in."""
        widget = self.parentWidget()
        while widget is not None:
            controller = getattr(widget, "controller", None)
            if controller is not None and hasattr(controller, "reset_override"):
                return controller
            widget = widget.parentWidget()
        return None

    def reset_to_base(self) -> bool:
        """The scenario follows the base again for this input (one undo step)."""
        controller = self._controller()
        if self.overrides is None or controller is None:
            return False
        return bool(controller.reset_override(*self.overrides))

    def _restyle(self) -> None:
        if self.error.isVisible() and self.error.text():
            self.line.setStyleSheet(REFUSED_STYLE)
        else:
            self.line.setStyleSheet(OVERRIDDEN_STYLE if self.overrides is not None else "")

    def _show_stored(self) -> None:
        self.line.setText(format_estimate(self._estimate, self.kind, currency=self.currency))
        self.line.setModified(False)
        self.show_error("")

    def restore(self) -> None:
        """Esc: the stored value and its text again; nothing is stored."""
        self._show_stored()

    def show_error(self, message: str) -> None:
        """A refusal beside the field (empty: none); the field is outlined while one shows."""
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.line.setStyleSheet(REFUSED_STYLE if message else
                                OVERRIDDEN_STYLE if self.overrides is not None else "")
        if message or not self.line.isModified():
            self.preview.hide()
        self._fit()

    def _fit(self) -> None:
        """Give the wrapped sentence its full height: the form's grid does not ask a row's
        height for its width, so a long refusal was cut to its middle line."""
        width = max(self.width(), self.line.width() + self.more.width())
        for label in (self.error, self.preview):
            label.setMinimumHeight(label.heightForWidth(width) if label.isVisible() else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _check(self, text: str) -> tuple[Estimate | None, str]:
        """The estimate ``text`` would store, or the sentence that refuses it."""
        from models.validation import estimate_rules

        try:
            est = parse_estimate(text, self.kind, self._estimate)
        except ParseError as exc:
            return None, str(exc)
        rules = list(estimate_rules(est, self.field)) if self.field else []
        if rules:
            return None, rules[0][0].upper() + rules[0][1:] + "."
        return est, ""

    def _typed(self, text: str) -> None:
        est, refusal = self._check(text)
        self.show_error(refusal)
        if est is not None:
            self.preview.setText(preview_text(est, self.kind))
            self.preview.show()
            self._fit()

    def commit(self) -> bool:
        """Store the typed entry (Enter, Tab, leaving the field); False when it was refused."""
        if not self.line.isModified():
            return not self.error.isVisible()
        est, refusal = self._check(self.line.text())
        if est is None:
            self._refuse(refusal)
            return False
        return self._store(est)

    def _store(self, est: Estimate) -> bool:
        self._refreshed = False
        self.show_error("")
        self.edited.emit(estimate_json(est))
        if self.error.isVisible():  # the controller refused it and said why
            self._refuse(self.error.text())
            return False
        if not self._refreshed:  # no echo came back: what was sent is what is stored
            self._estimate = est
        self._show_stored()
        return True

    def _refuse(self, sentence: str) -> None:
        stored = format_estimate(self._estimate, self.kind, currency=self.currency)
        self.show_error(f"{sentence} Not stored: the results use {stored}.")

    def open_editor(self) -> None:
        dialog = EstimateDialog(self._estimate, self.kind, self, field=self.field)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_estimate is not None:
            self.line.setModified(True)  # OK commits like Enter
            self._store(dialog.result_estimate)


class EstimateDialog(QDialog):
    """Base, low, high and distribution, with a preview of the density."""

    def __init__(self, estimate: Estimate, kind: str, parent: QWidget | None = None,
                 field: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Estimate")
        self.kind = kind
        self.field = field  # the plan's field, for its limits; else the kind's general rule
        self.result_estimate: Estimate | None = None
        self.base = QLineEdit(format_number(estimate.base, kind))
        self.low = QLineEdit("" if estimate.low is None else format_number(estimate.low, kind))
        self.high = QLineEdit("" if estimate.high is None else format_number(estimate.high, kind))
        self.dist = QComboBox()
        self.dist.addItems(["plain number", *DISTRIBUTIONS])
        self.dist.setCurrentText(estimate.dist or "plain number")
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        from views.chart_canvas import ChartView

        self.preview = ChartView(height=140)
        form = QFormLayout()
        form.addRow("Base", self.base)
        form.addRow("Low", self.low)
        form.addRow("High", self.high)
        form.addRow("Distribution", self.dist)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for widget in (self.base, self.low, self.high):
            widget.textEdited.connect(self._update)
        self.dist.currentTextChanged.connect(self._update)
        self._update()

    def current(self) -> Estimate:
        base = parse_number(self.base.text(), self.kind)
        dist = self.dist.currentText()
        if dist == "plain number":
            return Estimate(base)
        low = parse_number(self.low.text(), self.kind) if self.low.text().strip() else None
        high = parse_number(self.high.text(), self.kind) if self.high.text().strip() else None
        return Estimate(base, low, high, dist)

    def _update(self) -> None:
        from app.estimate_chart import estimate_density
        from models.validation import estimate_rules

        try:
            est = self.current()
        except ParseError as exc:
            self.message.setText(str(exc))
            return
        rules = list(estimate_rules(est, self.field or ("share" if self.kind == "percent" else "value")))
        self.message.setText(rules[0].capitalize() + "." if rules else "")
        if not rules:
            self.preview.set_figure(estimate_density(est, self.kind))

    def _accept(self) -> None:
        self._update()
        if self.message.text():
            return
        self.result_estimate = self.current()
        self.accept()
