"""The Scenarios workspace: the scenarios and their overrides, and every plan side by side."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app import scenario_edits
from app.labels import FIELDS, field_label
from app.terminal import one_line
from models.engine import PlanResults
from models.estimate import estimate_from_json
from models.problems import PlanInvalid
from models.scenarios import (
    BASE_NAME,
    ScenarioInvalid,
    probabilities,
    scenario_from_json,
    scenario_problems,
    weighted_enpv,
)
from views.chart_canvas import ChartView
from views.controller import MC_DELAY_MS, ProjectController, in_sentence
from views.estimate_field import ParseError, format_estimate, parse_number
from views.number_display import money, money_range, percent
from views.workspace import Workspace, button, heading, problems_banner, scrolled_column

#: How the settings a scenario may override read in a list of overrides.
_SETTINGS = {"discount_rate": "percent", "budget": "money"}
#: Where the value kinds of app.labels differ from the fields' (views.estimate_field.KINDS).
_FIELD_KINDS = {"count": "integer", "months": "integer", "month": "integer", "price": "money_small"}
NO_WEIGHTS = "Give every scenario a probability to see the weighted total."


def value_text(field: str, value: Any, currency: str) -> str:
    """An input's value as its field shows it: ``60%``, ``20% – 80%``, ``250,000``."""
    if value is None:
        return "not set"
    kind = _SETTINGS.get(field) or FIELDS.get(field, ("", "number"))[1]
    kind = _FIELD_KINDS.get(kind, kind)
    if kind not in ("number", "integer", "percent", "money", "money_small"):
        kind = "number"
    return format_estimate(estimate_from_json(value), kind, currency=currency)


class ScenariosWorkspace(Workspace):
    title = "Scenarios"
    kinds = None  # overrides name inputs of every kind

    NAME, DESCRIPTION, PROBABILITY, OVERRIDES = range(4)

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._filling = False
        self.selected_id: str | None = controller.state.active_scenario
        layout = scrolled_column(self)
        self.problems = problems_banner()
        layout.addWidget(self.problems)

        layout.addWidget(heading("Scenarios"))
        intro = QLabel("A scenario changes some numbers of the base plan; every number it does not "
                       "change follows the base. Double-click a name, description or probability to "
                       "edit it; the base plan's probability is what the scenarios leave of 100%.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("scenarioTable")
        self.table.setHorizontalHeaderLabels(["Name", "Description", "Probability", "Overrides"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for column in (self.NAME, self.PROBABILITY, self.OVERRIDES):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(130)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.show_button = button("Show this scenario", "Show the plan under the selected scenario "
                                  "everywhere in the window", self.show_selected)
        self.new_button = button("New scenario", "A scenario that follows the base until you change "
                                 "a number in it", self.new_scenario)
        self.duplicate_button = button("Duplicate", "A copy of the selected scenario", self.duplicate)
        self.remove_button = button("Delete", "Delete the selected scenario (undo with Ctrl+Z)",
                                    self.delete_selected)
        for widget in (self.show_button, self.new_button, self.duplicate_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.overrides_heading = heading("Overrides")
        layout.addWidget(self.overrides_heading)
        self.overrides = QTableWidget(0, 2)
        self.overrides.setObjectName("overrideTable")
        self.overrides.setHorizontalHeaderLabels(["Input: base → scenario", ""])
        self.overrides.verticalHeader().hide()
        self.overrides.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.overrides.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.overrides.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.overrides.setMinimumHeight(150)
        layout.addWidget(self.overrides)

        layout.addWidget(heading("Side by side"))
        self.comparison = QTableWidget(0, 0)
        self.comparison.setObjectName("comparisonTable")
        self.comparison.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.comparison.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.comparison.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.comparison.setWordWrap(True)
        layout.addWidget(self.comparison)
        self.weighted = QLabel()
        self.weighted.setObjectName("weightedTotal")
        self.weighted.setWordWrap(True)
        self.weighted.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.weighted)
        self.progress = QLabel()
        self.progress.setObjectName("comparisonProgress")
        self.progress.setStyleSheet("color: #5f6368;")
        layout.addWidget(self.progress)
        self.chart = ChartView(height=300, redraw=lambda: self._draw_chart())
        layout.addWidget(self.chart)
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(100)
        self._chart_timer.timeout.connect(self._draw_chart)
        # Every plan's Monte Carlo starts once the typing pauses, as the base's own run does.
        self._compare_timer = QTimer(self)
        self._compare_timer.setSingleShot(True)
        self._compare_timer.setInterval(MC_DELAY_MS)
        self._compare_timer.timeout.connect(controller.compare_scenarios)
        self.deterministic: dict[str, PlanResults] = {}
        controller.comparison_changed.connect(lambda: self._due("mc"))
        controller.scenario_switched.connect(lambda: self._due("data"))
        self.refresh_all()

    # --- showing ------------------------------------------------------------------------

    def _scenarios(self) -> list[dict[str, Any]]:
        return list(self.controller.state.data.get("scenarios") or [])

    def refresh_data(self) -> None:
        if self.changes and all(c.kind not in ("scenario", "*") for c in self.changes) \
                and self.table.rowCount() == len(self._scenarios()) + 1:
            self._fill_overrides()  # an input's base value changed: the "base → scenario" text
            return
        self._fill_table()
        self._fill_overrides()
        self._show_problems()

    def _fill_table(self) -> None:
        scenarios = self._scenarios()
        ids = [s["id"] for s in scenarios]
        if self.selected_id not in ids:
            self.selected_id = self.controller.state.active_scenario or (ids[0] if ids else None)
        shares = probabilities([scenario_from_json(s) for s in scenarios])
        self._filling = True
        try:
            self.table.setRowCount(len(scenarios) + 1)
            base = shares[BASE_NAME] if shares is not None else None
            self._row(0, None, BASE_NAME, "The plan as entered: every number at its own value.",
                      f"{percent(base)} (what is left)" if base is not None else "what is left", "—")
            for row, s in enumerate(scenarios, start=1):
                p = s.get("probability")
                self._row(row, s["id"], one_line(str(s.get("name") or ""), 80),
                          one_line(str(s.get("description") or ""), 300),
                          "" if p is None else percent(p, 1 if p * 100 != round(p * 100) else 0),
                          str(len(s.get("overrides") or [])))
            active = self.controller.state.active_scenario
            for row in range(self.table.rowCount()):
                item = self.table.item(row, self.NAME)
                if item is not None:  # the one shown in bold
                    font = item.font()
                    font.setBold(item.data(Qt.ItemDataRole.UserRole) == active)
                    item.setFont(font)
            select = ids.index(self.selected_id) + 1 if self.selected_id in ids else 0
            self.table.selectRow(select)
        finally:
            self._filling = False
        self._update_buttons()

    def _row(self, row: int, scenario_id: str | None, *texts: str) -> None:
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, scenario_id)
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if scenario_id is not None and column != self.OVERRIDES and not self.controller.read_only:
                flags |= Qt.ItemFlag.ItemIsEditable
            item.setFlags(flags)
            if column == self.DESCRIPTION:
                item.setToolTip(text)
            if column in (self.PROBABILITY, self.OVERRIDES):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)

    def _fill_overrides(self) -> None:
        state = self.controller.state
        self.overrides.setRowCount(0)
        if self.selected_id is None:
            self.overrides_heading.setText("Overrides")
            return
        scenario = state.base_object("scenario", self.selected_id)
        name = one_line(str(scenario.get("name") or ""), 60)
        items = scenario.get("overrides") or []
        self.overrides_heading.setText(f"Overrides of “{name}” ({len(items)})" if items else
                                       f"“{name}” follows the base everywhere: show it and type a number "
                                       f"to change it there")
        self.overrides.setRowCount(len(items))
        for row, o in enumerate(items):
            kind, object_id, field = o["kind"], o.get("id") or "", o["field"]
            item = QTableWidgetItem(self.override_text(kind, object_id, field, o["value"]))
            self.overrides.setItem(row, 0, item)
            reset = QPushButton("↺ Reset")
            reset.setToolTip("Follow the base again for this input (undo with Ctrl+Z)")
            reset.setEnabled(not self.controller.read_only)
            reset.clicked.connect(lambda _=False, k=kind, i=object_id, f=field, s=self.selected_id:
                                  self.controller.reset_override(k, i, f, s))
            self.overrides.setCellWidget(row, 1, reset)

    def override_text(self, kind: str, object_id: str, field: str, value: Any) -> str:
        """"Support copilot · adoption target: 75% → 60%"."""
        state = self.controller.state
        try:
            obj = state.base_object(kind, object_id)
        except KeyError:
            return f"{kind.replace('_', ' ')} “{object_id}” (no longer in the plan) · {field}"
        owner = "Plan settings" if kind == "project" else one_line(
            str(obj.get("name") or obj.get("model") or object_id), 60)
        base = state.base_value(kind, object_id, field)
        label = in_sentence(field_label(field))
        return (f"{owner} · {label}: {value_text(field, base, self.currency)} → "
                f"{value_text(field, value, self.currency)}")

    def _show_problems(self) -> None:
        data = self.controller.state.data
        scenarios = [scenario_from_json(s) for s in self._scenarios()]
        found = scenario_problems(data, scenarios)
        if not found and self.controller.problems:
            from app.labels import problem_text

            found = [f"{problem_text(self.controller.problems[0])}."]
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        self.problems.setText(" ".join(found[:3]) + more)
        self.problems.setVisible(bool(found))

    def refresh_results(self) -> None:
        self._show_problems()
        try:
            self.deterministic = self.controller.scenario_results()
        except (ScenarioInvalid, PlanInvalid):
            self.deterministic = {}
        self._fill_comparison()
        self._compare_timer.start()  # then Monte Carlo, on the worker thread
        self.progress.setText("Monte Carlo for every plan starts in a moment…")
        self._chart_timer.start()

    def refresh_mc(self) -> None:
        self._fill_comparison()
        self.progress.setText(self.controller.comparison_progress)
        if not self.controller.comparison_stale:
            self._chart_timer.start()

    ROWS = ("Total eNPV", "Funded set", "Funded set eNPV", "Funded set NPV P10 – P90",
            "Funded set: chance of a loss", "Whole plan NPV P10 – P90", "Whole plan: chance of a loss",
            "Probability")

    def _fill_comparison(self) -> None:
        results = self.deterministic
        mc = None if self.controller.comparison_stale else self.controller.comparison
        names = list(results)
        self.comparison.clear()
        self.comparison.setColumnCount(len(names))
        self.comparison.setRowCount(len(self.ROWS))
        self.comparison.setHorizontalHeaderLabels([one_line(n, 40) for n in names])
        self.comparison.setVerticalHeaderLabels(list(self.ROWS))
        scenarios = [scenario_from_json(s) for s in self._scenarios()]
        shares = probabilities(scenarios)
        waiting = "…" if mc is None else "—"
        for column, name in enumerate(names):
            r = results[name]
            p = r.portfolio
            opportunities = {o.id: o.name for o in r.opportunities}
            funded = (", ".join(one_line(opportunities[i], 40) for i in p.selected) or "none") \
                if p.budget is not None else "every opportunity with a positive eNPV (no budget)"
            m = mc[name].portfolio if mc is not None and name in mc else None
            selected, whole = (m.selected_mc, m.mc) if m is not None else (None, None)
            texts = [
                money(p.total_enpv, self.currency),
                funded,
                money(p.selected_enpv, self.currency),
                money_range(selected.p10, selected.p90, self.currency) if selected else waiting,
                percent(1 - selected.p_positive) if selected else waiting,
                money_range(whole.p10, whole.p90, self.currency) if whole else waiting,
                percent(1 - whole.p_positive) if whole else waiting,
                percent(shares[name]) if shares is not None and name in shares else "not given",
            ]
            for row, text in enumerate(texts):
                item = QTableWidgetItem(text)
                side = Qt.AlignmentFlag.AlignLeft if row == 1 else Qt.AlignmentFlag.AlignRight
                item.setTextAlignment(side | Qt.AlignmentFlag.AlignVCenter)
                if row == 1:
                    item.setToolTip(text)
                self.comparison.setItem(row, column, item)
        self.comparison.resizeRowsToContents()
        # Exactly as tall as its rows: the page scrolls, not the table.
        rows = sum(self.comparison.rowHeight(r) for r in range(self.comparison.rowCount()))
        self.comparison.setFixedHeight(self.comparison.horizontalHeader().sizeHint().height() + rows + 4)
        total = weighted_enpv(results, shares) if results else None
        if total is not None:
            self.weighted.setText(f"Probability-weighted total eNPV: {money(total, self.currency)} "
                                  f"(" + ", ".join(f"{one_line(n, 30)} {percent(shares[n])}"
                                                   for n in names if shares) + ")")
        elif not results:
            self.weighted.setText("The comparison waits until the problems above are fixed.")
        elif shares is None:
            self.weighted.setText(NO_WEIGHTS)
        else:
            self.weighted.setText("The scenarios' probabilities total more than 100%: lower them to see "
                                  "the weighted total.")

    def _draw_chart(self) -> None:
        from app.scenario_charts import scenario_comparison

        if self.isHidden() or not self.deterministic:
            return
        mc = None if self.controller.comparison_stale else self.controller.comparison
        self.chart.set_figure(scenario_comparison(self.deterministic, self.currency, monte_carlo=mc,
                                                  figsize=self.chart.figsize((7.0, 3.0))))

    def _update_buttons(self) -> None:
        editable = not self.controller.read_only
        chosen = self.selected_id is not None
        self.show_button.setEnabled(self.selected_id != self.controller.state.active_scenario
                                    or not chosen)
        self.show_button.setText("Show this scenario" if chosen else f"Show {BASE_NAME}")
        self.new_button.setEnabled(editable)
        self.duplicate_button.setEnabled(editable and chosen)
        self.remove_button.setEnabled(editable and chosen)

    # --- editing ------------------------------------------------------------------------

    def _selection_changed(self) -> None:
        if self._filling:
            return
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        item = self.table.item(rows[0].row(), self.NAME)
        self.selected_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self._fill_overrides()
        self._update_buttons()

    def _double_clicked(self, row: int, _column: int) -> None:
        if row == 0:  # the base's row is not edited: double-click shows it
            self.controller.switch_scenario(None)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        scenario_id = item.data(Qt.ItemDataRole.UserRole)
        if scenario_id is None:
            return
        text = item.text().strip()
        column = item.column()
        try:
            if column == self.NAME:
                self._rename(scenario_id, text)
            elif column == self.DESCRIPTION:
                self.controller.set_value("scenario", scenario_id, "description", text,
                                          "scenario description")
            elif column == self.PROBABILITY:
                value = None if not text else parse_number(text, "percent")
                self.controller.set_value("scenario", scenario_id, "probability", value,
                                          "scenario probability")
            self.message.hide()
        except (ParseError, ValueError) as exc:
            sentence = str(exc)
            self.message.setText(sentence[0].upper() + sentence[1:].rstrip(".") + ". Nothing was changed.")
            self.message.show()
            QTimer.singleShot(0, self._fill_table)  # the stored value again

    def _rename(self, scenario_id: str, name: str) -> None:
        if not name:
            raise ValueError("a scenario needs a name")
        old = str(self.controller.state.base_object("scenario", scenario_id).get("name") or "")
        if name.casefold() != old.casefold() and scenario_edits.unused_name(
                self.controller.state.data, name).casefold() != name.casefold():
            raise ValueError(f"“{one_line(name, 60)}” is already the name of the base plan or another "
                             f"scenario; choose another name")
        self.controller.set_value("scenario", scenario_id, "name", name, "scenario name")

    def show_selected(self) -> None:
        self.controller.switch_scenario(self.selected_id)

    def new_scenario(self) -> None:
        edits, scenario_id = scenario_edits.add_scenario(self.controller.state.data)
        if self.controller.edit_structure(edits, "Add a scenario"):
            self.selected_id = scenario_id
            self._fill_table()
            self._fill_overrides()
            row = [s["id"] for s in self._scenarios()].index(scenario_id) + 1
            item = self.table.item(row, self.NAME)
            if item is not None:  # the name, ready to type over
                self.table.editItem(item)

    def duplicate(self) -> None:
        if self.selected_id is None:
            return
        name = one_line(str(self.controller.state.base_object("scenario", self.selected_id).get("name")), 40)
        edits, scenario_id = scenario_edits.duplicate_scenario(self.controller.state.data, self.selected_id)
        if self.controller.edit_structure(edits, f"Duplicate scenario {name}"):
            self.selected_id = scenario_id
            self._fill_table()
            self._fill_overrides()

    def delete_selected(self) -> None:
        from views import dialogs

        if self.selected_id is None:
            return
        scenario = self.controller.state.base_object("scenario", self.selected_id)
        name = one_line(str(scenario.get("name") or ""), 60)
        count = len(scenario.get("overrides") or [])
        if not dialogs.ask_confirm(self, "Delete scenario",
                                   f"Delete the scenario “{name}” and its {count} override"
                                   f"{'s' if count != 1 else ''}? (Undo brings it back.)", "Delete"):
            return
        self.controller.edit_structure(scenario_edits.remove_scenario(self.controller.state.data,
                                                                      self.selected_id),
                                       f"Delete scenario {name}")


__all__ = ["NO_WEIGHTS", "ScenariosWorkspace", "value_text"]
