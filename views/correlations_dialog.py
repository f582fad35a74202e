"""The correlation editor: which uncertain inputs move together, and how tightly (a Spearman
rank correlation, docs/formulas.md 3.8), as a list and as a matrix."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import scenario_edits
from app.information_words import input_words
from app.labels import FIELDS, problem_text
from app.project_state import InvalidValueError
from models.correlation import Correlation, correlation_matrix, repairs
from models.engine import estimate_inputs
from models.estimate import Estimate
from models.plan import Plan
from models.validation import input_names
from views.controller import ProjectController
from views.estimate_field import ParseError, format_estimate, parse_number

Key = tuple[str, str, str]
RHO_HINT = "Type a rank correlation between −0.99 and 0.99, such as 0.6."
ERROR = "color: #b00020;"


def _token(key: Key) -> str:
    return "\x1f".join(key)


def _ref(stored: dict[str, str]) -> Key:
    """The (kind, id, field) of a correlation's side as the file stores it."""
    return (stored["kind"], stored.get("id") or "", stored["field"])


def _key(token: object) -> Key | None:
    parts = str(token).split("\x1f") if token else []
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def parse_rho(text: str) -> float:
    """A rank correlation as typed (``0.6``, ``-0.4``, ``60%``), strictly between -1 and 1."""
    try:
        value = parse_number(text.replace("−", "-"), "number")
    except ParseError:
        raise ParseError(RHO_HINT) from None
    if not math.isfinite(value) or not -1 < value < 1:
        raise ParseError(RHO_HINT)
    return value


def ranged_inputs(plan: Plan) -> dict[Key, Estimate]:
    """Every input the simulation draws from a range, in the engine's order."""
    return {key: est for key, est in estimate_inputs(plan).items() if est.is_range}


def input_label(key: Key, plan: Plan, estimates: dict[Key, Estimate], names: dict[tuple[str, str], str],
                currency: str) -> str:
    """"Support copilot (agent assist) · adoption target (55% – 90%)"."""
    owner = names.get((key[0], key[1]), key[1])
    words = input_words(key, plan, names, owner=key[1] if key[0] == "opportunity" else None)
    text = f"{owner} · {words}" if key[0] == "opportunity" else words
    est = estimates.get(key)
    if est is not None:
        kind = FIELDS.get(key[2], ("", "number"))[1]
        kind = kind if kind in ("percent", "money", "money_small", "integer") else "number"
        text += f" ({format_estimate(est, kind, currency=currency)})"
    return text


class CorrelationsDialog(QDialog):
    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Correlations Between Inputs")
        self.resize(900, 560)
        self.ids: list[str] = []
        self._filling = False
        self._committing = False
        self._refresh_pending = False

        intro = QLabel("Inputs that move together make the plan riskier than independent ranges suggest "
                       "(two features sold to the same users, costs from one vendor). Each correlation is "
                       "a rank correlation between −1 and 1; every Monte Carlo result and the tornado use "
                       "them.")
        intro.setWordWrap(True)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("correlations")
        self.table.setHorizontalHeaderLabels(["Input A", "Input B", "Rank correlation", "Why (note)"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(lambda item: self._committed(self._item_changed, item))
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected correlation")
        self.remove_button.clicked.connect(self.remove_selected)

        self.matrix = QTableWidget(0, 0)
        self.matrix.setObjectName("matrix")
        self.matrix.setToolTip("Type a rank correlation in a cell to correlate the two inputs (or change "
                               "it); clear the cell to remove it.")
        self.matrix.itemChanged.connect(lambda item: self._committed(self._matrix_changed, item))
        self._matrix_keys: list[Key] = []
        self.tabs = tabs = QTabWidget()
        listing = QWidget()
        listing_layout = QVBoxLayout(listing)
        listing_layout.addWidget(self.table, 1)
        listing_layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        tabs.addTab(listing, "List")
        tabs.addTab(self.matrix, "Matrix")

        self.first = self._input_picker("first")
        self.second = self._input_picker("second")
        self.rho = QLineEdit()
        self.rho.setObjectName("rho")
        self.rho.setPlaceholderText("0.6")
        self.rho.setMaximumWidth(90)
        self.rho.returnPressed.connect(self.add)
        self.add_button = QPushButton("Add correlation")
        self.add_button.clicked.connect(self.add)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet(ERROR)
        self.error.setWordWrap(True)
        adding = QGridLayout()
        adding.addWidget(QLabel("Input A:"), 0, 0)
        adding.addWidget(self.first, 0, 1)
        adding.addWidget(QLabel("Input B:"), 1, 0)
        adding.addWidget(self.second, 1, 1)
        adding.addWidget(QLabel("Rank correlation:"), 2, 0)
        adding.addWidget(self.rho, 2, 1, Qt.AlignmentFlag.AlignLeft)
        adding.addWidget(self.add_button, 3, 1, Qt.AlignmentFlag.AlignLeft)
        adding.setColumnStretch(1, 1)

        self.repairs = QLabel()
        self.repairs.setObjectName("repairs")
        self.repairs.setWordWrap(True)
        self.problems = QLabel()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.repairs)
        layout.addLayout(adding)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # The main window's Undo and Redo do not reach a separate window: the same stack, here too.
        stack = controller.undo_stack
        for action, keys in ((stack.createUndoAction(self, "Undo"), QKeySequence.StandardKey.Undo),
                             (stack.createRedoAction(self, "Redo"), QKeySequence.StandardKey.Redo)):
            action.setShortcut(keys)
            self.addAction(action)
        controller.data_changed.connect(lambda _changes: self.refresh())
        controller.results_changed.connect(self._show_problems)
        self.refresh()

    def choose(self, combo: QComboBox, key: Key) -> None:
        """Show ``key`` as the chosen input of ``combo`` (Input A or Input B)."""
        combo.setCurrentIndex(combo.findData(_token(key)))

    def _input_picker(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setEditable(True)  # type to search among every ranged input
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = combo.completer()
        if completer is not None:  # an editable combo always has one
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        return combo

    # --- showing ----------------------------------------------------------------------

    def refresh(self) -> None:
        if self._committing:  # rebuilt once the cell's editor has closed
            if not self._refresh_pending:
                self._refresh_pending = True
                QTimer.singleShot(0, self, self._refresh_later)
            return
        plan = self.controller.state.plan() if self.controller.results is not None else None
        data = self.controller.state.data
        self._plan = plan
        currency = str(data["project"].get("currency") or "USD")
        estimates = ranged_inputs(plan) if plan is not None else {}
        names = input_names(plan) if plan is not None else {}
        self._labels = {key: input_label(key, plan, estimates, names, currency) for key in estimates} \
            if plan is not None else {}
        for combo in (self.first, self.second):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for key, label in self._labels.items():
                combo.addItem(label, _token(key))  # Qt keeps text, not a Python tuple
            if current is not None:
                combo.setCurrentIndex(max(combo.findData(current), 0))
            elif combo is self.second and combo.count() > 1:
                combo.setCurrentIndex(1)  # two different inputs from the start
            combo.blockSignals(False)
        self._filling = True
        correlations = data.get("correlations") or []
        self.ids = [c["id"] for c in correlations]
        self.table.setRowCount(len(correlations))
        for row, c in enumerate(correlations):
            for column, key in ((0, c["a"]), (1, c["b"])):
                ref = (key["kind"], key.get("id") or "", key["field"])
                item = QTableWidgetItem(self._labels.get(ref) or self._plain_label(ref, names))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
            rho = QTableWidgetItem(f"{c['rho']:.2f}")
            rho.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 2, rho)
            self.table.setItem(row, 3, QTableWidgetItem(c.get("note") or ""))
        self._filling = False
        self.remove_button.setEnabled(bool(correlations))
        self._show_matrix()
        self._show_repairs()
        self._show_problems()

    def _plain_label(self, ref: Key, names: dict[tuple[str, str], str]) -> str:
        return f"{names.get((ref[0], ref[1]), ref[1])} · {ref[2].replace('_', ' ')}"

    def _show_matrix(self) -> None:
        plan = self._plan
        correlations = plan.correlations if plan is not None else ()
        keys = sorted({k for c in correlations for k in (c.a, c.b)})
        self._matrix_keys = keys
        filling, self._filling = self._filling, True
        self._fill_matrix(keys, list(correlations))
        self._filling = filling

    def _fill_matrix(self, keys: list[Key], correlations: list[Correlation]) -> None:
        self.matrix.setRowCount(len(keys))
        self.matrix.setColumnCount(len(keys))
        short = [self._short(k) for k in keys]
        self.matrix.setHorizontalHeaderLabels([str(i + 1) for i in range(len(keys))])
        self.matrix.setVerticalHeaderLabels([f"{i + 1}. {label}" for i, label in enumerate(short)])
        if not keys:
            return
        values = correlation_matrix(keys, correlations)
        for i in range(len(keys)):
            for j in range(len(keys)):
                text = "1" if i == j else ("" if values[i, j] == 0 else f"{values[i, j]:.2f}")
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if i == j:  # an input always moves with itself
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.matrix.setItem(i, j, item)

    def _show_repairs(self) -> None:
        plan = self._plan
        moved = repairs(plan.correlations) if plan is not None else []
        if not moved:
            self.repairs.setText("")
            return
        lines = [f"{self._short(r.a)} ↔ {self._short(r.b)}: {r.old:.2f} → {r.new:.2f}" for r in moved]
        self.repairs.setText("These correlations cannot all hold together; the simulation uses the nearest "
                             "set that can:\n" + "\n".join(lines))

    def _short(self, key: Key) -> str:
        """An input's label without its range."""
        return self._labels.get(key, key[2]).rsplit(" (", 1)[0]

    def _show_problems(self) -> None:
        found = [problem_text(p) for p in self.controller.problems if p.object_kind == "correlation"]
        self.problems.setText("\n".join(found))

    # --- changing ---------------------------------------------------------------------

    def add(self) -> None:
        a, b = _key(self.first.currentData()), _key(self.second.currentData())
        if a is None or b is None:
            self.error.setText("Pick two inputs that have a range.")
            return
        if a == b:
            self.error.setText("Pick two different inputs: an input cannot be correlated with itself.")
            return
        existing = {frozenset((_ref(c["a"]), _ref(c["b"])))
                    for c in self.controller.state.data.get("correlations") or []}
        if frozenset((a, b)) in existing:
            self.error.setText("These two inputs are already correlated: change that correlation in "
                               "the list.")
            return
        try:
            rho = parse_rho(self.rho.text())
        except ParseError as exc:
            self.error.setText(str(exc))
            return
        edits, _ = scenario_edits.add_correlation(self.controller.state.data, a, b, rho)
        if self.controller.edit_structure(edits, "Correlate two inputs"):
            self.error.setText("")
            self.rho.clear()

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        correlation_id = self.ids[rows[0].row()]
        edits = scenario_edits.remove_correlation(self.controller.state.data, correlation_id)
        self.controller.edit_structure(edits, "Remove correlation")

    def _refresh_later(self) -> None:
        self._refresh_pending = False
        self.refresh()

    def _committed(self, handler: Callable[[QTableWidgetItem], None], item: QTableWidgetItem) -> None:
        """Store a typed cell. Its editor is still open: rebuilding the tables under it would make
        Qt commit into a row that is gone, so they are rebuilt right after it closes."""
        self._committing = True
        try:
            handler(item)
        finally:
            self._committing = False

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() not in (2, 3):
            return
        correlation_id = self.ids[item.row()]
        if item.column() == 3:
            try:
                self.controller.set_value("correlation", correlation_id, "note", item.text(),
                                          "correlation note")
            except InvalidValueError as exc:
                self.error.setText(str(exc))
                self.refresh()
            return
        try:
            rho = parse_rho(item.text())
        except ParseError as exc:
            self.error.setText(str(exc))
            self.refresh()  # the cell shows the stored value again
            return
        self._store_rho(correlation_id, rho)

    def _store_rho(self, correlation_id: str, rho: float) -> None:
        try:
            stored = self.controller.set_value("correlation", correlation_id, "rho", rho, "rank correlation")
        except InvalidValueError as exc:
            self.error.setText(str(exc))
            self.refresh()
            return
        if stored:
            self.error.setText("")

    def _matrix_changed(self, item: QTableWidgetItem) -> None:
        """A typed cell correlates its row's input with its column's (a new pair, a new value, or
        none when cleared)."""
        if self._filling or item.row() == item.column():
            return
        a, b = self._matrix_keys[item.row()], self._matrix_keys[item.column()]
        data = self.controller.state.data
        existing = next((c["id"] for c in data.get("correlations") or []
                         if {_ref(c["a"]), _ref(c["b"])} == {a, b}), None)
        text = item.text().strip()
        if not text:
            if existing is not None:
                self.controller.edit_structure(scenario_edits.remove_correlation(data, existing),
                                               "Remove correlation")
            else:
                self.refresh()
            return
        try:
            rho = parse_rho(text)
        except ParseError as exc:
            self.error.setText(str(exc))
            self.refresh()  # the cell shows the stored value again
            return
        if existing is not None:
            self._store_rho(existing, rho)
            return
        edits, _ = scenario_edits.add_correlation(data, a, b, rho)
        if self.controller.edit_structure(edits, "Correlate two inputs"):
            self.error.setText("")


def show_correlations(parent: QWidget, controller: ProjectController) -> QDialog:
    """Open the correlation editor (modeless: the results behind it follow each change)."""
    dialog = CorrelationsDialog(controller, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


__all__ = ["CorrelationsDialog", "parse_rho", "show_correlations"]
