"""The Opportunities workspace: the list, every sizing input with its source, results and charts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import charts, opportunity_edits
from app.formatting import month
from app.ids import new_id
from app.project_state import InvalidValueError
from views.chart_canvas import ChartView
from views.controller import ProjectController
from views.estimate_field import EstimateField
from views.information_panel import InformationPanel
from views.number_display import money, money_range, number, percent
from views.table_model import ObjectTableModel
from views.text_undo import commit_on_leave
from views.workspace import (
    Workspace,
    delete_key,
    heading,
    problems_banner,
    reference_tip,
    show_problems,
)

Index = QModelIndex | QPersistentModelIndex

STATUSES = ("proposed", "discovery", "building", "launched", "paused", "rejected")
GREY = "#6b6b6b"
CHART_DELAY_MS = 150  # charts follow the numbers once typing pauses
CASH_FLOW_HEIGHT, NPV_HEIGHT = 330, 300  # pixels; the tornado grows with its bars
TORNADO_BARS = 10
NEGATIVE = QColor("#b00020")


@dataclass(frozen=True)
class InputSpec:
    """One numeric input of docs/formulas.md 3.1 as the form shows it."""

    field: str
    kind: str
    label: str
    help: str


#: The inputs in the order a PM thinks about them, grouped under a heading each.
SECTIONS: tuple[tuple[str, tuple[InputSpec, ...]], ...] = (
    ("Reach and value", (
        InputSpec("eligible_users", "number", "Eligible users",
                  "People who could use the capability once it is live."),
        InputSpec("adoption_target", "percent", "Adoption at steady state",
                  "Share of eligible users who use it regularly once adoption has ramped up."),
        InputSpec("ramp_months", "integer", "Months to full adoption",
                  "Months after launch until adoption reaches its steady state (0: at once)."),
        InputSpec("tasks_per_user_month", "number", "Tasks per user per month",
                  "How often an active user runs the task the AI helps with."),
        InputSpec("success_rate", "percent", "Task success rate",
                  "Share of AI-assisted tasks that reach the intended outcome."),
        InputSpec("value_per_success", "money", "Value per successful task",
                  "What one successful task is worth: time saved, revenue or cost avoided."),
    )),
    ("Timing and cost", (
        InputSpec("launch_month", "integer", "Launch month",
                  "Months of build before launch; the build cost is spread over them."),
        InputSpec("build_cost", "money", "Build cost (one-off)",
                  "Everything spent before launch: people, vendors, set-up."),
        InputSpec("run_cost_annual", "money", "Running cost per year",
                  "Fixed yearly cost after launch: platform fees, monitoring, upkeep."),
        InputSpec("cost_per_task", "money_small", "Cost per task",
                  "Variable cost of one task: inference, retrieval, tools, escalation."),
        InputSpec("p_success", "percent", "Chance it launches",
                  "Probability the capability launches at all; a failed attempt still spends "
                  "its build cost."),
    )),
    ("Prioritisation (RICE)", (
        InputSpec("effort_person_months", "number", "Effort (person-months)",
                  "Team effort to deliver it."),
        InputSpec("impact", "number", "Impact per user",
                  "0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive."),
        InputSpec("confidence", "percent", "Confidence",
                  "How sure you are of reach and impact."),
    )),
)
INPUTS: dict[str, InputSpec] = {spec.field: spec for _, specs in SECTIONS for spec in specs}

def new_opportunity_id(data: dict[str, Any]) -> str:
    """``opp-new-N`` unused anywhere in the project (ids are unique across all objects)."""
    return new_id(data, "opp-new")


def format_value(value: float, kind: str, currency: str) -> str:
    """An effective input as a PM reads it, in the field's own units."""
    if kind == "money":
        return money(value, currency)
    if kind == "money_small":
        return money(value, currency, cents=True)
    if kind == "percent":
        return percent(value, 1 if round(value * 100) != value * 100 else 0)
    if kind == "integer":
        return number(value)
    return number(value, 0 if value == int(value) or abs(value) >= 100 else 2)


class OpportunityListModel(ObjectTableModel):
    """One row per opportunity in entry order: its name (editable), status and eNPV."""

    NAME, STATUS, ENPV = range(3)
    HEADERS = ("Name", "Status", "eNPV")
    TIPS = ("The opportunity's name (double-click to rename)", "Where it stands",
            "Expected NPV: the NPV weighed by the chance it launches at all")

    LIST = "opportunities"

    def __init__(self, controller: ProjectController) -> None:
        super().__init__(controller)
        self.ids = self.current_ids()
        self._enpv: dict[str, float] = {}
        self._read_results()

    # --- keeping up with the project -------------------------------------------------

    def refresh_data(self) -> None:
        """Inputs changed: a reset when rows came or went, else repaint the rows in place."""
        self.sync_ids()

    def refresh_results(self) -> None:
        self._read_results()
        if self.ids:
            self.dataChanged.emit(self.index(0, self.ENPV), self.index(len(self.ids) - 1, self.ENPV))

    def _read_results(self) -> None:
        results = self.controller.results
        self._enpv = {} if results is None else {r.id: r.enpv for r in results.opportunities}

    def row_of(self, opportunity_id: str | None) -> int:
        return self.ids.index(opportunity_id) if opportunity_id in self.ids else -1

    # --- QAbstractTableModel ---------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.NAME:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        oid, column = self.ids[index.row()], index.column()
        obj = self.controller.state.object("opportunity", oid)
        enpv = self._enpv.get(oid)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.NAME:
                return obj.get("name") or ""
            if column == self.STATUS:
                return (obj.get("status") or "proposed").capitalize()
            if role == Qt.ItemDataRole.EditRole:
                return enpv
            return money(enpv, self._currency(), short=True)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column == self.ENPV else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.ENPV and enpv is not None \
                and enpv < 0:
            return QBrush(NEGATIVE)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.NAME:
            return obj.get("description") or None
        if role == Qt.ItemDataRole.UserRole:
            return oid
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.NAME:
            return False
        name = str(value).strip()
        if not name:
            return False  # an opportunity keeps a name the list and exports can show
        self.controller.set_value("opportunity", self.ids[index.row()], "name", name,
                                  "opportunity name")
        return True

    def _currency(self) -> str:
        return str(self.controller.state.data["project"].get("currency") or "USD")


class OpportunitiesWorkspace(Workspace):
    """List on the left, the selected opportunity's inputs in the middle, results on the right."""

    title = "Opportunities"
    kinds = frozenset({"project", "opportunity", "decision", "option", "unit_model"})

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.current_id: str | None = None
        self._loading = False
        self._charts_due = True
        self._drawn: dict[int, tuple[Any, ...]] = {}
        self._histogram_source: Any = None
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(CHART_DELAY_MS)
        self._chart_timer.timeout.connect(self._draw_charts)

        self.banner = problems_banner()
        self.model = OpportunityListModel(controller)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_list())
        self.detail = QStackedWidget()
        self.empty_note = QLabel("No opportunities yet.\n\nClick “Add opportunity” to size your "
                                 "first AI idea: who could use it, how often, what a success is "
                                 "worth and what it costs.")
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setStyleSheet(f"color: {GREY}; padding: 24px;")
        self.detail.addWidget(self.empty_note)
        self.detail.addWidget(self._scroll(self._build_form()))
        self.detail.setMinimumWidth(460)
        splitter.addWidget(self.detail)
        self.outputs = self._scroll(self._build_results())
        self.outputs.setMinimumWidth(320)
        splitter.addWidget(self.outputs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 4)
        splitter.setSizes([250, 570, 460])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self._set_tab_order()

        self.refresh_data()
        self.refresh_results()
        self.refresh_mc()

    # --- building the widgets ---------------------------------------------------------

    def _build_list(self) -> QWidget:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(OpportunityListModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(OpportunityListModel.STATUS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(OpportunityListModel.ENPV, QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(0)  # columns fit the rows on screen, not all 2,000
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # Delete removes the selected opportunity (undoable), but not while renaming a cell.
        delete_key(self.table, self.remove_current)

        self.add_button = QPushButton("Add opportunity")
        self.add_button.setToolTip("Add a new opportunity with typical starting values")
        self.add_button.clicked.connect(self.add_opportunity)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected opportunity (Delete; undo with Ctrl+Z)")
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        panel = QWidget()
        panel.setMinimumWidth(190)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Opportunities"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        return panel

    def _build_form(self) -> QWidget:
        form = QWidget()
        outer = QVBoxLayout(form)
        outer.setContentsMargins(6, 0, 12, 12)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("A short name the exec review will recognise")
        commit_on_leave(self.name_edit, lambda: self._name_edited(self.name_edit.text()))
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("What it does, for whom, and why now")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(64)
        commit_on_leave(self.description_edit, self._description_edited)
        self.status_combo = QComboBox()
        for status in STATUSES:
            self.status_combo.addItem(status.capitalize(), status)
        self.status_combo.activated.connect(self._status_chosen)
        self.decision_combo = QComboBox()
        self.decision_combo.setToolTip("A build / partner / buy decision whose chosen option sets "
                                       "the build cost, running cost, launch month and cost per task")
        self.decision_combo.activated.connect(lambda _i: self._link_chosen("decision_id"))
        self.unit_combo = QComboBox()
        self.unit_combo.setToolTip("A unit model whose cost per task replaces this one's, and whose "
                                   "fixed monthly cost adds to the running cost")
        self.unit_combo.activated.connect(lambda _i: self._link_chosen("unit_model_id"))
        for combo in (self.decision_combo, self.unit_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.text_error = QLabel()
        self.text_error.setStyleSheet("color: #b00020;")
        self.text_error.setWordWrap(True)
        self.text_error.hide()

        about = QFormLayout()
        about.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        about.addRow("Name", self.name_edit)
        about.addRow("Description", self.description_edit)
        about.addRow("Status", self.status_combo)
        about.addRow("Linked decision", self.decision_combo)
        about.addRow("Linked unit model", self.unit_combo)
        about.addRow("", self.text_error)
        outer.addWidget(heading("About this opportunity"))
        outer.addLayout(about)

        self.fields: dict[str, EstimateField] = {}
        self.notes: dict[str, QLineEdit] = {}
        self.effective: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        # One grid for every section, so labels, estimates and sources line up down the form.
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(5)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 5)
        row = 0
        for title, specs in SECTIONS:
            grid.addWidget(heading(title), row, 0, 1, 3)
            row += 1
            if title == SECTIONS[0][0]:
                for column, text in ((1, "Your estimate"), (2, "Source or evidence")):
                    caption = QLabel(text)
                    caption.setStyleSheet(f"color: {GREY}; font-size: 11px;")
                    caption.setToolTip("Type a number, or a range such as 900 – 1,500; “…” opens the "
                                       "full estimate" if column == 1 else "The PM's source or evidence")
                    grid.addWidget(caption, row, column)
                row += 1
            for spec in specs:
                self._add_input_row(grid, row, spec)
                row += 2
        outer.addLayout(grid)
        outer.addStretch(1)
        return form

    def _add_input_row(self, grid: QGridLayout, row: int, spec: InputSpec) -> None:
        """The label, the estimate and its source; below them, what the model uses instead."""
        label = QLabel(spec.label)
        label.setToolTip(spec.help)
        label.setContentsMargins(0, 4, 0, 0)  # level with the text in the field beside it
        field = EstimateField(spec.kind, field=spec.field)
        field.setToolTip(spec.help)
        field.setMinimumWidth(150)
        field.setMaximumWidth(165)
        field.edited.connect(lambda value, name=spec.field: self._estimate_edited(name, value))
        label.setBuddy(field.line)
        effective = QLabel()
        effective.setWordWrap(True)
        effective.setTextFormat(Qt.TextFormat.PlainText)
        effective.setStyleSheet(f"color: {GREY}; font-size: 11px;")
        effective.hide()
        note = QLineEdit()
        note.setPlaceholderText("Where this number comes from")
        note.setMinimumWidth(80)
        commit_on_leave(note, lambda name=spec.field, note=note: self._note_edited(name, note.text()))
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(label, row, 0, top)
        grid.addWidget(field, row, 1, top)
        grid.addWidget(note, row, 2, top)
        grid.addWidget(effective, row + 1, 1, 1, 2)
        self.fields[spec.field] = field
        self.notes[spec.field] = note
        self.effective[spec.field] = effective
        self.labels[spec.field] = label

    def _build_results(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(6, 0, 6, 12)
        self.results_heading = heading("Results")
        layout.addWidget(self.results_heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.result_values: dict[str, QLabel] = {}
        rows = (
            ("npv", "NPV", "Net present value of the monthly cash flows if it launches"),
            ("enpv", "Expected NPV (eNPV)", "NPV weighed by the chance it launches; a failed "
             "attempt still spends its build cost"),
            ("irr", "IRR (per year)", "The yearly discount rate at which the NPV is zero"),
            ("roi", "ROI", "NPV divided by the present value of all costs"),
            ("payback", "Pays back", "The month the cumulative cash flow turns positive again"),
            ("rice", "RICE score", "Reach × impact × confidence ÷ effort"),
            ("range", "NPV range (P10 – P90)", "80% of the simulated outcomes fall in this range"),
            ("p_positive", "Chance NPV > 0", "Share of simulated outcomes with a positive NPV, "
             "counting failed launches"),
        )
        for i, (key, text, tip) in enumerate(rows):
            label = QLabel(text)
            label.setToolTip(tip)
            value = QLabel("—")
            value.setObjectName(f"result_{key}")
            value.setToolTip(tip)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-weight: 600;")
            grid.addWidget(label, i, 0)
            grid.addWidget(value, i, 1)
            self.result_values[key] = value
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.mc_note = QLabel()
        self.mc_note.setStyleSheet(f"color: {GREY}; font-size: 11px;")
        layout.addWidget(self.mc_note)
        self.learn_next = InformationPanel()
        layout.addWidget(self.learn_next)

        self.cash_flow_chart = ChartView(height=CASH_FLOW_HEIGHT)
        self.npv_chart = ChartView(height=NPV_HEIGHT)
        self.tornado_chart = ChartView(height=NPV_HEIGHT)
        self.npv_chart_heading = heading("NPV distribution (Monte Carlo)")
        self.charts_box = QWidget()
        charts_layout = QVBoxLayout(self.charts_box)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        for title, chart in (("Monthly cash flow", self.cash_flow_chart),
                             (None, self.npv_chart),
                             ("What moves the NPV most (tornado)", self.tornado_chart)):
            charts_layout.addWidget(heading(title) if title else self.npv_chart_heading)
            charts_layout.addWidget(chart)
        # Figures are laid out for a width when built: rebuild them when the charts resize.
        self.cash_flow_chart.installEventFilter(self)
        layout.addWidget(self.charts_box)
        self.chart_note = QLabel()
        self.chart_note.setWordWrap(True)
        self.chart_note.setStyleSheet(f"color: {GREY};")
        self.chart_note.hide()
        layout.addWidget(self.chart_note)
        layout.addStretch(1)
        return panel

    @staticmethod
    def _scroll(widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        return area

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.table, self.add_button, self.remove_button, self.name_edit,
                                self.description_edit, self.status_combo, self.decision_combo,
                                self.unit_combo]
        for name in INPUTS:
            chain += [self.fields[name].line, self.notes[name]]
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    # --- refreshing -------------------------------------------------------------------

    def refresh_data(self) -> None:
        self.model.refresh_data()
        ids = self.model.ids
        if self.current_id not in ids:
            self.current_id = ids[0] if ids else None
        self._select_row(self.model.row_of(self.current_id))
        self.remove_button.setEnabled(self.current_id is not None)
        self.detail.setCurrentIndex(1 if self.current_id else 0)
        self.outputs.setVisible(self.current_id is not None)
        self._fill_form()

    def refresh_results(self) -> None:
        show_problems(self.banner, self.controller)
        self.model.refresh_results()
        self._show_effective()
        self._show_results()
        self._schedule_charts()

    def refresh_mc(self) -> None:
        self._show_mc()

    def _select_row(self, row: int) -> None:
        selection = self.table.selectionModel()
        current = selection.selectedRows()
        if row < 0:
            if current:
                selection.clearSelection()
            return
        if [i.row() for i in current] != [row]:
            index = self.model.index(row, OpportunityListModel.NAME)
            selection.select(index, selection.SelectionFlag.ClearAndSelect
                             | selection.SelectionFlag.Rows)
            selection.setCurrentIndex(index, selection.SelectionFlag.NoUpdate)
            self.table.scrollTo(index)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        oid = self.model.ids[rows[0].row()] if rows else None
        if oid is None or oid == self.current_id:
            return  # keep showing the last opportunity while nothing is selected
        self.current_id = oid
        self._fill_form()
        self._show_effective()
        self._show_results()
        self._schedule_charts()
        self._show_mc()

    def _fill_form(self) -> None:
        if self.current_id is None:
            return
        state = self.controller.state
        obj = state.object("opportunity", self.current_id)
        self._loading = True
        try:
            if _differs(self.name_edit.text(), obj.get("name")):
                self.name_edit.setText(obj.get("name") or "")
            self.name_edit.setToolTip(reference_tip("opportunity", self.current_id, "enpv"))
            if _differs(self.description_edit.toPlainText(), obj.get("description")):
                self.description_edit.setPlainText(obj.get("description") or "")
            self.status_combo.setCurrentIndex(max(0, STATUSES.index(obj.get("status") or "proposed")))
            self._fill_link(self.decision_combo, state.data["decisions"], obj.get("decision_id"),
                            lambda d: d.get("name") or d["id"])
            self._fill_link(self.unit_combo, state.data["unit_models"], obj.get("unit_model_id"),
                            lambda u: u.get("name") or u["id"])
            notes = obj.get("notes") or {}
            for name, field in self.fields.items():
                field.currency = self.currency
                value = obj.get(name)
                field.set_value(0 if value is None else value)
                note = self.notes[name]
                text = notes.get(name) or ""
                if _differs(note.text(), text):
                    note.setText(text)
                    note.setCursorPosition(0)  # show the start of a long source, not its end
                note.setToolTip(text)
            self.text_error.hide()
        finally:
            self._loading = False

    @staticmethod
    def _fill_link(combo: QComboBox, objects: list[dict[str, Any]], current: str | None,
                   name: Any) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("none", None)
        for obj in objects:
            combo.addItem(name(obj), obj["id"])
            combo.setItemData(combo.count() - 1, name(obj), Qt.ItemDataRole.ToolTipRole)
        found = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, found))
        combo.blockSignals(False)

    def _result(self) -> Any:
        results = self.controller.results
        if results is None or self.current_id is None:
            return None
        return next((r for r in results.opportunities if r.id == self.current_id), None)

    def _mc_result(self) -> Any:
        mc = self.controller.mc_results
        if mc is None or self.current_id is None or self.controller.results is None:
            return None
        return next((r for r in mc.opportunities if r.id == self.current_id), None)

    def _show_effective(self) -> None:
        result = self._result()
        data = self.controller.state.data
        for name, field in self.fields.items():
            label = self.effective[name]
            value, source = result.effective[name] if result is not None else (None, "own")
            overridden = "own" not in source.split(" + ")
            field.setEnabled(not overridden)
            field.line.setToolTip(
                f"Set by a link, {describe_source(source, name, data, full=True)}. "
                "Unlink it above to use your own figure." if overridden else INPUTS[name].help)
            if value is None or source == "own":
                label.hide()
                continue
            label.setText(f"Uses {format_value(value, INPUTS[name].kind, self.currency)} "
                          f"{describe_source(source, name, data)}")
            label.setToolTip(describe_source(source, name, data, full=True))
            label.show()

    def _show_results(self) -> None:
        result = self._result()
        c = self.currency
        values = self.result_values
        self.charts_box.setVisible(result is not None)
        self.chart_note.setVisible(result is None)
        self.chart_note.setText("Charts are on hold until the problem above is fixed."
                                if self.controller.results is None else "")
        if result is None:
            for key in ("npv", "enpv", "irr", "roi", "payback", "rice"):
                values[key].setText("—")
                values[key].setStyleSheet("font-weight: 600;")
            return
        values["npv"].setText(money(result.npv, c))
        values["enpv"].setText(money(result.enpv, c))
        values["irr"].setText("none" if result.irr is None else percent(result.irr))
        values["roi"].setText(percent(result.roi))
        values["payback"].setText("never (within the horizon)" if result.payback_month is None
                                  else month(result.payback_month))
        values["rice"].setText(number(result.rice, 0 if (result.rice or 0) >= 100 else 1))
        for key in ("npv", "enpv"):
            colour = "#b00020" if getattr(result, key) < 0 else "palette(text)"
            values[key].setStyleSheet(f"font-weight: 600; color: {colour};")

    def _show_mc(self) -> None:
        c = self.currency
        stale = self.controller.mc_stale
        summary_result = self._mc_result()
        summary = summary_result.mc if summary_result is not None else None
        labels = (self.result_values["range"], self.result_values["p_positive"])
        if summary is None:
            for label in labels:
                label.setText("—" if self.controller.results is None else "…")
                label.setStyleSheet(f"font-weight: 600; color: {GREY};")
        else:
            self.result_values["range"].setText(money_range(summary.p10, summary.p90, c))
            self.result_values["p_positive"].setText(percent(summary.p_positive))
            for label in labels:
                label.setStyleSheet(f"font-weight: 600; color: {GREY if stale else 'palette(text)'};")
        if self.controller.results is None:
            self.mc_note.setText("")
        elif self.controller.mc_error:
            self.mc_note.setText(f"Monte Carlo failed: {self.controller.mc_error}")
        elif stale:
            self.mc_note.setText("Ranges updating… (Monte Carlo is running after your last change)")
        elif self.controller.mc_results is not None:
            self.mc_note.setText(f"Ranges from {self.controller.mc_results.samples:,} Monte Carlo samples")
        mc_results = self.controller.mc_results
        if summary_result is not None and not stale and mc_results is not None:
            self.learn_next.show_opportunity(summary_result, mc_results, c)
        else:
            self.learn_next.show_waiting("Waiting for valid inputs." if self.controller.results is None
                                         else None)
        updating = stale and self.controller.results is not None
        self.npv_chart_heading.setText("NPV distribution (Monte Carlo)"
                                       + (" — updating…" if updating else ""))
        if not stale:
            self._schedule_charts()

    # --- charts -----------------------------------------------------------------------
    # Building and drawing a figure costs far more than recalculating, so charts follow the
    # numbers after a short pause in typing, only while the workspace is on screen, and only
    # when what they show has changed (a note or a description redraws nothing).

    @property
    def charts_pending(self) -> bool:
        """True until the charts show the latest numbers (tests wait on this)."""
        return self._charts_due

    def _schedule_charts(self) -> None:
        self._charts_due = True
        self._chart_timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._charts_due:
            self._draw_charts()

    def _draw_charts(self) -> None:
        if not self.isVisible():
            return  # drawn by showEvent when the PM comes to this workspace
        self._charts_due = False
        result = self._result()
        if result is None or self.controller.results is None:
            return  # _show_results put a note where the charts go
        plan = self.controller.results.plan
        horizon = plan.settings.horizon_years
        width = self._chart_width()
        monthly = tuple((name, tuple(series.tolist())) for name, series in sorted(result.monthly.items()))
        cash_size = (width, CASH_FLOW_HEIGHT / charts.DPI)
        self._set_chart(
            self.cash_flow_chart,
            ("cash", result.id, result.name, self.currency, horizon, result.payback_month, monthly,
             cash_size),
            lambda: charts.monthly_cash_flow(result, self.currency, horizon, figsize=cash_size))
        # The tornado is computed for the opportunity on screen only (see ProjectController).
        result = dataclasses.replace(result, tornado=self.controller.tornado(result.id))
        # The tornado grows with its bars so each keeps a readable height.
        bars = min(len(result.tornado), TORNADO_BARS)
        tornado_size = (width, max(NPV_HEIGHT / charts.DPI, 2.1 + 0.42 * bars))
        self.tornado_chart.setMinimumHeight(round(tornado_size[1] * charts.DPI))
        self._set_chart(
            self.tornado_chart,
            ("tornado", result.id, result.name, self.currency, result.npv, result.tornado, tornado_size),
            lambda: charts.tornado(result, plan, self.currency, max_bars=TORNADO_BARS,
                                   figsize=tornado_size))
        self._draw_histogram()

    def _draw_histogram(self) -> None:
        mc_result = self._mc_result()
        if mc_result is None or mc_result.mc is None or mc_result.npv_samples is None:
            text = "Simulating the range of outcomes…"
            self._set_chart(self.npv_chart, ("message", text),
                            lambda: charts.message_figure(text, figsize=(self._chart_width(), 1.2)))
            return
        # Every Monte Carlo run makes new sample arrays, so the array identifies the run.
        self._histogram_source = mc_result  # keeps it alive: its id cannot be reused meanwhile
        size = (self._chart_width(), NPV_HEIGHT / charts.DPI)
        self._set_chart(self.npv_chart, ("npv", mc_result.id, id(mc_result.npv_samples), self.currency, size),
                        lambda: charts.npv_distribution(mc_result.npv_samples, mc_result.mc, self.currency,
                                                        charts.short_name(mc_result.name, 40),
                                                        launch_failure=-mc_result.pv_build, figsize=size))

    def _chart_width(self) -> float:
        """The charts' width in inches, in steps of 0.2 so small resizes reuse the figures."""
        pixels = self.cash_flow_chart.width() if self.cash_flow_chart.width() > 200 else 460
        return round(pixels / charts.DPI * 5) / 5

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.cash_flow_chart and event.type() == QEvent.Type.Resize:
            self._schedule_charts()
        return super().eventFilter(watched, event)

    def _set_chart(self, chart: ChartView, signature: tuple[Any, ...], build: Any) -> None:
        if self._drawn.get(id(chart)) == signature and chart.figure is not None:
            return
        self._drawn[id(chart)] = signature
        chart.set_figure(build())

    # --- edits ------------------------------------------------------------------------

    def _set(self, field: str, value: Any, label: str) -> None:
        if self.current_id is None or self._loading:
            return
        self.controller.set_value("opportunity", self.current_id, field, value, label)

    def _estimate_edited(self, name: str, value: Any) -> None:
        try:
            self._set(name, value, INPUTS[name].label.lower())
        except InvalidValueError as exc:
            self.fields[name].show_error(_sentence(str(exc)))

    def _note_edited(self, name: str, text: str) -> None:
        self._set(f"notes.{name}", text.strip() or None, f"source of {INPUTS[name].label.lower()}")
        self.notes[name].setToolTip(text)

    def _name_edited(self, text: str) -> bool:
        if not text.strip():
            self.text_error.setText("An opportunity needs a name.")
            self.text_error.show()
            return False
        self.text_error.hide()
        self._set("name", text.strip(), "opportunity name")
        return True

    def _description_edited(self) -> None:
        self._set("description", self.description_edit.toPlainText(), "description")

    def _status_chosen(self, index: int) -> None:
        self._set("status", self.status_combo.itemData(index), "status")

    def _link_chosen(self, field: str) -> None:
        combo = self.decision_combo if field == "decision_id" else self.unit_combo
        self._set(field, combo.currentData(), "linked decision" if field == "decision_id"
                  else "linked unit model")

    def add_opportunity(self) -> None:
        """Append a new opportunity with typical values, select it and start on its name."""
        edits, new_opportunity = opportunity_edits.add_opportunity(self.controller.state.data)
        previous, self.current_id = self.current_id, new_opportunity
        if not self.controller.edit_structure(edits, "Add opportunity"):
            self.current_id = previous
            return
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def remove_current(self) -> None:
        """Remove the selected opportunity; the next one (or the previous) is selected after."""
        if self.current_id is None:
            return
        data = self.controller.state.data
        ids = [o["id"] for o in data["opportunities"]]
        row = ids.index(self.current_id)
        name = data["opportunities"][row].get("name") or self.current_id
        edits = opportunity_edits.remove_opportunity(data, self.current_id)
        remaining = ids[:row] + ids[row + 1:]
        previous = self.current_id
        self.current_id = remaining[min(row, len(remaining) - 1)] if remaining else None
        if not self.controller.edit_structure(edits, f"Remove opportunity “{name}”"):
            self.current_id = previous

def describe_source(source: str, field: str, data: dict[str, Any], *, full: bool = False) -> str:
    """``option:ID + unit_model:ID`` in words: ``from decision option “Partner …” + …``.

    ``full`` also names the decision an option belongs to (for tooltips).
    """
    options = {o["id"]: (o, d) for d in data["decisions"] for o in d["options"]}
    units = {u["id"]: u for u in data["unit_models"]}
    parts = []
    for part in source.split(" + "):
        kind, _, oid = part.partition(":")
        if kind == "own":
            parts.append("your own figure")
        elif kind == "option" and oid in options:
            option, decision = options[oid]
            words = f"decision option “{option.get('name') or oid}”"
            if decision.get("chosen_option_id") != oid:
                words += " (the best score; no option chosen yet)"
            if full:
                words += f" of “{decision.get('name') or decision['id']}”"
            parts.append(words)
        elif kind == "unit_model" and oid in units:
            name = units[oid].get("name") or oid
            parts.append(f"12 × the fixed monthly cost of unit model “{name}”"
                         if field == "run_cost_annual" else f"unit model “{name}”")
        else:
            parts.append(part)
    return "from " + " + ".join(parts)


def _differs(shown: str, stored: str | None) -> bool:
    """Whether a text box must be refilled; spaces being typed at either end are left alone."""
    return shown.strip() != (stored or "").strip()


def _sentence(rule: str) -> str:
    """A rule such as ``must not be negative`` as a sentence shown under the field."""
    return rule[:1].upper() + rule[1:] + ("" if rule.endswith(".") else ".")


__all__ = ["OpportunitiesWorkspace", "OpportunityListModel", "describe_source", "new_opportunity_id"]
