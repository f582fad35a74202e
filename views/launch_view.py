"""The Launch readiness workspace: every opportunity's gate at a glance, and for the one selected
its KPI targets beside the plan's own values, its launch checklist and its gate decision."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app import launch_edits
from app.launch_words import (
    GATE_WORDS,
    Readiness,
    conflict,
    gate_words,
    plan_readiness,
    plan_sentence,
    value_words,
)
from models.engine import KpiResult
from models.kpis import (
    AT_LEAST,
    AT_MOST,
    CHECK_STATUSES,
    CUSTOM,
    MET,
    METRICS,
    NOT_MET,
    gate_from_json,
    kpi_from_json,
)
from views.controller import ProjectController
from views.estimate_field import ParseError, parse_number
from views.workspace import Workspace, button, heading, problems_banner, scrolled_column, show_problems

MET_COLOUR, NOT_MET_COLOUR, UNMEASURED_COLOUR = "#1b7a3d", "#b00020", "#6b6b6b"
DIRECTION_WORDS = {AT_LEAST: "at least", AT_MOST: "at most"}
#: How each unit is typed: fractions as percent, money per task in cents.
_PARSE_KINDS = {"fraction": "percent", "money": "money_small"}


def status_colour(status: str) -> str:
    return {MET: MET_COLOUR, NOT_MET: NOT_MET_COLOUR}.get(status, UNMEASURED_COLOUR)


class LaunchWorkspace(Workspace):
    title = "Launch readiness"
    kinds = frozenset({"opportunity", "kpi", "launch_check", "log"})

    # Columns of the gates table, the KPI table and the checklist.
    G_NAME, G_KPIS, G_CHECKLIST, G_GATE, G_STATUS = range(5)
    (K_METRIC, K_DIRECTION, K_TARGET, K_MEASURED, K_ON, K_EVAL, K_WINDOW, K_STATUS, K_PLAN, K_MEETS,
     K_NOTE) = range(11)
    C_TEXT, C_OWNER, C_STATUS, C_EVIDENCE = range(4)

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._filling = False
        self.current_id: str | None = None
        layout = scrolled_column(self)
        self.banner = problems_banner()
        layout.addWidget(self.banner)

        layout.addWidget(heading("Launch readiness: every opportunity's gate"))
        self.gates = self._table(["Opportunity", "KPIs", "Checklist", "Gate decision", "Status"],
                                 stretch=self.G_GATE)
        self.gates.setObjectName("gatesTable")
        self.gates.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.gates.itemSelectionChanged.connect(self._gate_selected)
        self.gates.setMinimumHeight(150)
        layout.addWidget(self.gates)
        self.conflicts = QLabel()
        self.conflicts.setObjectName("conflicts")
        self.conflicts.setWordWrap(True)
        self.conflicts.setStyleSheet(f"color: {NOT_MET_COLOUR};")
        layout.addWidget(self.conflicts)

        self.kpi_heading = heading("KPI targets")
        layout.addWidget(self.kpi_heading)
        self.kpis = self._table(["KPI", "Direction", "Target", "Measured", "Measured on",
                                 "Eval set or segment", "Window", "Status", "Plan's value", "P(meets)",
                                 "Note"], stretch=self.K_NOTE)
        self.kpis.setObjectName("kpiTable")
        self.kpis.itemChanged.connect(self._kpi_edited)
        self.kpis.setMinimumHeight(150)
        layout.addWidget(self.kpis)
        self.plan_words = QLabel()
        self.plan_words.setObjectName("planWords")
        self.plan_words.setWordWrap(True)
        layout.addWidget(self.plan_words)
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {NOT_MET_COLOUR};")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.add_kpi_button = QPushButton("Add KPI")
        self.add_kpi_button.setToolTip("Add a KPI target from the catalogue, or your own (undo with Ctrl+Z)")
        menu = QMenu(self.add_kpi_button)
        for metric, m in [*METRICS.items(), (CUSTOM, None)]:
            action = menu.addAction(m.label if m is not None else "Your own KPI…")
            action.setData(metric)
        menu.triggered.connect(lambda action: self.add_kpi(str(action.data())))
        self.add_kpi_button.setMenu(menu)
        self.remove_kpi_button = button("Remove KPI", "Remove the selected KPI target (undo with Ctrl+Z)",
                                        self.remove_kpi)
        for widget in (self.add_kpi_button, self.remove_kpi_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)

        layout.addWidget(heading("Launch checklist"))
        self.checklist = self._table(["Item", "Owner", "Status", "Evidence"], stretch=self.C_TEXT)
        self.checklist.setObjectName("checklistTable")
        self.checklist.itemChanged.connect(self._check_edited)
        self.checklist.setMinimumHeight(150)
        layout.addWidget(self.checklist)
        row = QHBoxLayout()
        self.add_check_button = button("Add item", "Add a checklist item (undo with Ctrl+Z)", self.add_check)
        self.default_button = button("Add the usual checklist", "Offline evaluation, red-team review, "
                                     "privacy, rollback, monitoring, human oversight, disclosure",
                                     self.add_default_checklist)
        self.remove_check_button = button("Remove item", "Remove the selected checklist item",
                                          self.remove_check)
        for widget in (self.add_check_button, self.default_button, self.remove_check_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)

        layout.addWidget(heading("Gate decision"))
        self.gate_words = QLabel()
        self.gate_words.setObjectName("gateWords")
        self.gate_words.setWordWrap(True)
        layout.addWidget(self.gate_words)
        row = QHBoxLayout()
        self.gate_button = button("Record gate decision…", "Approve, approve with conditions or reject the "
                                  "launch; it is written to the decision log too (one undo step)",
                                  self.record_gate)
        row.addWidget(self.gate_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.refresh_all()

    # --- building blocks --------------------------------------------------------------

    def _table(self, heads: list[str], stretch: int) -> QTableWidget:
        table = QTableWidget(0, len(heads))
        table.setHorizontalHeaderLabels(heads)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    @staticmethod
    def _item(text: str, editable: bool = False, colour: str | None = None,
              data: Any = None) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if len(text) > 30:  # a note or an eval set a narrow column cuts short: whole on hover
            item.setToolTip(text)
        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags)
        if colour is not None:
            item.setForeground(QBrush(QColor(colour)))
        if data is not None:
            item.setData(Qt.ItemDataRole.UserRole, data)
        return item

    def _opportunity(self) -> dict[str, Any] | None:
        if self.current_id is None:
            return None
        opportunities: list[dict[str, Any]] = self.controller.state.data["opportunities"]
        return next((o for o in opportunities if o["id"] == self.current_id), None)

    def _readiness(self) -> list[Readiness]:
        """From the Monte Carlo results while they are fresh (they add P(meets)), else the
        deterministic ones."""
        c = self.controller
        results = c.mc_results if c.mc_results is not None and not c.mc_stale else c.results
        return plan_readiness(results) if results is not None and c.results is not None else []

    def _kpi_results(self) -> dict[str, KpiResult]:
        results = self.controller.results
        mc = self.controller.mc_results if not self.controller.mc_stale else None
        out: dict[str, KpiResult] = {}
        for source in (results, mc):
            if source is None:
                continue
            for r in source.opportunities:
                if r.id == self.current_id:
                    out.update((k.kpi.id, k) for k in r.kpis)
        return out

    # --- refresh ----------------------------------------------------------------------

    def refresh_data(self) -> None:
        self._fill()

    def refresh_results(self) -> None:
        show_problems(self.banner, self.controller)
        self._fill()

    def refresh_mc(self) -> None:
        self._fill()

    def _fill(self) -> None:
        self._filling = True
        try:
            self._fill_gates()
            self._fill_current()
        finally:
            self._filling = False

    def _fill_gates(self) -> None:
        opportunities = self.controller.state.data["opportunities"]
        by_id = {g.id: g for g in self._readiness()}
        ids = [o["id"] for o in opportunities]
        if self.current_id not in ids:
            self.current_id = ids[0] if ids else None
        self.gates.setRowCount(len(opportunities))
        lines = []
        for row, o in enumerate(opportunities):
            g = by_id.get(o["id"])
            status = g.status_words() if g is not None else "Results on hold"
            colour = (MET_COLOUR if g is not None and g.has_any and g.ready else
                      UNMEASURED_COLOUR if g is None or not g.has_any else NOT_MET_COLOUR)
            cells = [o.get("name") or o["id"], g.kpi_words() if g else "", g.checklist_words() if g else "",
                     g.gate_words() if g else "", status]
            for column, text in enumerate(cells):
                self.gates.setItem(row, column, self._item(
                    text, colour=colour if column == self.G_STATUS else None, data=o["id"]))
            if g is not None:
                lines += [f"{g.name}, {k.kpi.label}: {plan_sentence(k, self.currency)}" for k in g.conflicts]
        self.conflicts.setText(("Where the plan and the gate disagree: " + " ".join(lines)) if lines else "")
        self.conflicts.setVisible(bool(lines))
        if self.current_id in ids:
            self.gates.selectRow(ids.index(self.current_id))

    def _fill_current(self) -> None:
        o = self._opportunity()
        for widget in (self.add_kpi_button, self.remove_kpi_button, self.add_check_button,
                       self.default_button, self.remove_check_button, self.gate_button):
            widget.setEnabled(o is not None and not self.controller.read_only)
        name = (o.get("name") or o["id"]) if o is not None else ""
        self.kpi_heading.setText(f"KPI targets: {name}" if name else "KPI targets")
        kpis = o.get("kpis") or [] if o is not None else []
        found = self._kpi_results()
        self.kpis.setRowCount(len(kpis))
        sentences = []
        for row, raw in enumerate(kpis):
            kpi = kpi_from_json(raw)
            result = found.get(kpi.id)
            planned = result.planned if result is not None else None
            plan_text = value_words(kpi, planned, self.currency) if planned is not None else ""
            if result is not None and conflict(result):
                plan_text += " (misses the target)"
            meets = result.p_meets if result is not None else None
            cells = [
                (kpi.label, kpi.metric == CUSTOM),
                (DIRECTION_WORDS.get(kpi.direction, kpi.direction), True),
                (value_words(kpi, kpi.target, self.currency), True),
                (value_words(kpi, kpi.measured, self.currency) if kpi.measured is not None else "", True),
                (kpi.measured_on, True),
                (kpi.eval_set, True),
                (kpi.window, True),
                (kpi.status, False),
                (plan_text, False),
                ("" if meets is None else f"{meets * 100:.0f}%", False),
                (kpi.note, True),
            ]
            for column, (text, editable) in enumerate(cells):
                misses = column == self.K_PLAN and result is not None and conflict(result)
                colour = (status_colour(kpi.status) if column == self.K_STATUS
                          else NOT_MET_COLOUR if misses else None)
                self.kpis.setItem(row, column, self._item(text, editable and not self.controller.read_only,
                                                          colour, kpi.id))
            if result is not None and result.planned is not None:
                sentences.append(f"{kpi.label}: {plan_sentence(result, self.currency)}")
        self.plan_words.setText(" ".join(sentences) if sentences else (
            "Targets for adoption, task success, cost per task, gross margin and escalation are compared "
            "with the plan's own values." if o is not None else "The plan has no opportunity yet."))
        checks = o.get("launch_checklist") or [] if o is not None else []
        self.checklist.setRowCount(len(checks))
        for row, c in enumerate(checks):
            for column, field in enumerate(("text", "owner", "status", "evidence")):
                value = str(c.get(field) or ("todo" if field == "status" else ""))
                self.checklist.setItem(row, column, self._item(
                    value, not self.controller.read_only,
                    MET_COLOUR if field == "status" and value in ("done", "waived") else None, c["id"]))
        gate = o.get("gate") if o is not None else None
        self.gate_words.setText(gate_words(gate_from_json(gate)) + ".")

    # --- selection --------------------------------------------------------------------

    def _gate_selected(self) -> None:
        if self._filling:
            return
        rows = {index.row() for index in self.gates.selectedIndexes()}
        if len(rows) == 1:
            item = self.gates.item(rows.pop(), 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) != self.current_id:
                self.current_id = item.data(Qt.ItemDataRole.UserRole)
                self._filling = True
                try:
                    self._fill_current()
                finally:
                    self._filling = False

    def select_opportunity(self, opportunity_id: str) -> None:
        self.current_id = opportunity_id
        self._fill()

    # --- edits ------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _kpi_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        kpi_id = item.data(Qt.ItemDataRole.UserRole)
        o = self._opportunity()
        raw = next((k for k in (o or {}).get("kpis") or [] if k["id"] == kpi_id), None)
        if raw is None:
            return
        kpi = kpi_from_json(raw)
        text = item.text().strip()
        column = item.column()
        value: Any
        try:
            if column == self.K_METRIC:
                field, value = "name", text
            elif column == self.K_DIRECTION:
                words = {w: d for d, w in DIRECTION_WORDS.items()}
                if text.lower() not in words:
                    raise ParseError("type at least or at most")
                field, value = "direction", words[text.lower()]
            elif column in (self.K_TARGET, self.K_MEASURED):
                field = "target" if column == self.K_TARGET else "measured"
                if not text and field == "measured":
                    value = None
                else:
                    value = parse_number(text, _PARSE_KINDS.get(kpi.unit, "number"))
            elif column == self.K_ON:
                field, value = "measured_on", text
                if text and not QDate.fromString(text, "yyyy-MM-dd").isValid():
                    raise ParseError("type a date as 2026-11-20")
            else:
                field = {self.K_EVAL: "eval_set", self.K_WINDOW: "window", self.K_NOTE: "note"}[column]
                value = text
        except ParseError as exc:
            self._say(f"{kpi.label}: not stored: {exc}.")
            self._fill()
            return
        self._say("")
        from app.project_state import InvalidValueError

        try:
            self.controller.set_value("kpi", kpi_id, field, value, f"{kpi.label} {field.replace('_', ' ')}")
        except InvalidValueError as exc:
            self._say(f"{kpi.label}: not stored: {exc}.")
            self._fill()

    def _check_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        check_id = item.data(Qt.ItemDataRole.UserRole)
        field = ("text", "owner", "status", "evidence")[item.column()]
        value = item.text().strip()
        if field == "status" and value.lower() not in CHECK_STATUSES:
            self._say(f"A checklist item's status is one of {', '.join(CHECK_STATUSES)}: not stored.")
            self._fill()
            return
        self._say("")
        from app.project_state import InvalidValueError

        try:
            self.controller.set_value("launch_check", check_id, field,
                                      value.lower() if field == "status" else value, f"checklist {field}")
        except InvalidValueError as exc:
            self._say(f"Not stored: {exc}.")
            self._fill()

    def _selected_id(self, table: QTableWidget) -> str | None:
        rows = {index.row() for index in table.selectedIndexes()}
        if len(rows) != 1:
            return None
        item = table.item(rows.pop(), 0)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def add_kpi(self, metric: str) -> None:
        if self.current_id is None:
            return
        edits, _ = launch_edits.add_kpi(self.controller.state.data, self.current_id, metric)
        label = METRICS[metric].label if metric in METRICS else "your own KPI"
        self.controller.edit_structure(edits, f"Add KPI {label}")

    def remove_kpi(self) -> None:
        kpi_id = self._selected_id(self.kpis)
        if kpi_id is not None:
            self.controller.edit_structure(launch_edits.remove_kpi(self.controller.state.data, kpi_id),
                                           "Remove KPI")

    def add_check(self) -> None:
        if self.current_id is not None:
            edits, _ = launch_edits.add_check(self.controller.state.data, self.current_id)
            self.controller.edit_structure(edits, "Add checklist item")

    def add_default_checklist(self) -> None:
        if self.current_id is not None:
            self.controller.edit_structure(
                launch_edits.default_checklist(self.controller.state.data, self.current_id),
                "Add the usual checklist")

    def remove_check(self) -> None:
        check_id = self._selected_id(self.checklist)
        if check_id is not None:
            self.controller.edit_structure(launch_edits.remove_check(self.controller.state.data, check_id),
                                           "Remove checklist item")

    def record_gate(self) -> None:
        o = self._opportunity()
        if o is None:
            return
        dialog = GateDialog(o.get("name") or o["id"], self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        decision, approvers, date, conditions = dialog.values()
        edits = launch_edits.record_gate(self.controller.state.data, o["id"], decision, approvers, date,
                                         conditions)
        self.controller.edit_structure(edits, f"Record gate decision: {GATE_WORDS[decision].lower()}")


class GateDialog(QDialog):
    """The gate decision for one opportunity: approve, conditional or reject, who and when."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Gate decision: {name}")
        form = QFormLayout(self)
        self.decision = QComboBox()
        for key, words in GATE_WORDS.items():
            self.decision.addItem(words, key)
        self.approvers = QLineEdit()
        self.approvers.setPlaceholderText("who decided, e.g. VP Support; CISO")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.conditions = QPlainTextEdit()
        self.conditions.setPlaceholderText("conditions of an approval, or why it was rejected")
        self.conditions.setTabChangesFocus(True)
        form.addRow("&Decision:", self.decision)
        form.addRow("&Approvers:", self.approvers)
        form.addRow("D&ate:", self.date)
        form.addRow("&Conditions:", self.conditions)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(ok | cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def values(self) -> tuple[str, str, str, str]:
        return (str(self.decision.currentData()), self.approvers.text().strip(),
                self.date.date().toString("yyyy-MM-dd"), self.conditions.toPlainText().strip())
