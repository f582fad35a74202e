"""The Portfolio workspace: every opportunity ranked, the budget, and the portfolio's risk."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.formatting import month
from app.launch_words import plan_readiness
from views.chart_canvas import ChartView
from views.controller import ProjectController
from views.estimate_field import ParseError, format_number, parse_number
from views.information_panel import InformationPanel
from views.number_display import money, money_range, number, percent
from views.workspace import Workspace, heading, problems_banner, show_problems

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SELECTED_BACKGROUND = QColor("#e3f1ef")
CHART_DELAY_MS = 100


class PortfolioModel(QAbstractTableModel):
    """One row per opportunity, in ranked order, with its results."""

    RANK, NAME, STATUS, ENPV, NPV, RANGE, P_POSITIVE, IRR, PAYBACK, RICE, BUILD, SELECTED, LAUNCH = range(13)
    HEADERS = ("#", "Opportunity", "Status", "eNPV", "NPV", "NPV P10 – P90", "P(NPV>0)", "IRR",
               "Payback", "RICE", "Build cost", "In budget", "Launch gate")

    def __init__(self, controller: ProjectController) -> None:
        super().__init__()
        self.controller = controller
        self.rows: list[dict[str, Any]] = []
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self.rows = self._rows()
        self.endResetModel()

    def _rows(self) -> list[dict[str, Any]]:
        c = self.controller
        results = c.results
        data = {o["id"]: o for o in c.state.data["opportunities"]}
        if results is None:
            return [{"id": oid, "name": o["name"], "status": o["status"]} for oid, o in data.items()]
        mc = ({r.id: r.mc for r in c.mc_results.opportunities}
              if c.mc_results is not None and not c.mc_stale else {})
        rank = {oid: i + 1 for i, oid in enumerate(results.portfolio.ranking)}
        selected = set(results.portfolio.selected)
        gates = {g.id: g for g in plan_readiness(results)}
        rows = []
        for r in results.opportunities:
            gate = gates.get(r.id)
            summary = mc.get(r.id)
            rows.append({
                "id": r.id, "name": r.name, "status": data[r.id]["status"], "rank": rank[r.id],
                "enpv": r.enpv, "npv": r.npv, "p10": summary.p10 if summary else None,
                "p90": summary.p90 if summary else None,
                "p_positive": summary.p_positive if summary else None, "irr": r.irr,
                "payback": r.payback_month, "rice": r.rice, "build": r.effective["build_cost"][0],
                "selected": r.id in selected if results.portfolio.budget is not None else None,
                "launch": None if gate is None or not gate.has_any else (
                    "ready" if gate.ready else "not ready"),
                "launch_tip": "" if gate is None else gate.status_words(),
            })
        return sorted(rows, key=lambda row: row["rank"])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def _value(self, row: dict[str, Any], column: int) -> Any:
        return {self.RANK: row.get("rank"), self.NAME: row["name"], self.STATUS: row["status"],
                self.ENPV: row.get("enpv"), self.NPV: row.get("npv"), self.RANGE: row.get("p10"),
                self.P_POSITIVE: row.get("p_positive"), self.IRR: row.get("irr"),
                self.PAYBACK: row.get("payback"), self.RICE: row.get("rice"),
                self.BUILD: row.get("build"), self.SELECTED: row.get("selected"),
                self.LAUNCH: row.get("launch")}[column]

    def _text(self, row: dict[str, Any], column: int) -> str:
        c = self.controller.state.data["project"].get("currency") or "USD"
        value = self._value(row, column)
        if column in (self.NAME, self.STATUS):
            return str(value)
        if column == self.LAUNCH:
            return "—" if value is None else str(value)
        if value is None and column not in (self.PAYBACK,):
            return "…" if column in (self.RANGE, self.P_POSITIVE) and self.controller.results else "—"
        if column == self.RANK:
            return str(value)
        if column in (self.ENPV, self.NPV, self.BUILD):
            return money(value, c, short=True)
        if column == self.RANGE:
            return money_range(row["p10"], row["p90"], c)
        if column in (self.P_POSITIVE, self.IRR):
            return percent(value)
        if column == self.PAYBACK:
            return "—" if "rank" not in row else month(value)
        if column == self.RICE:
            return number(value, 1)
        return "yes" if value else "no"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == SORT_ROLE:
            value = self._value(row, column)
            if isinstance(value, str):
                return value.lower()
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return -math.inf
            return float(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (self.NAME, self.STATUS, self.LAUNCH):
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and row.get("selected"):
            return QBrush(SELECTED_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and row.get("selected"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column in (self.RANGE, self.P_POSITIVE) \
                and self.controller.mc_stale:
            return QBrush(QColor("#8a8a8a"))
        if role == Qt.ItemDataRole.ToolTipRole and column == self.RANGE and self.controller.mc_stale:
            return "Monte Carlo is updating after your last change."
        if role == Qt.ItemDataRole.ToolTipRole and column == self.LAUNCH and row.get("launch_tip"):
            return f"{row['launch_tip']} (Launch readiness)"
        if role == Qt.ItemDataRole.ForegroundRole and column == self.LAUNCH and row.get("launch"):
            return QBrush(QColor("#1b7a3d" if row["launch"] == "ready" else "#b00020"))
        if role == Qt.ItemDataRole.UserRole:
            return row["id"]
        return None


class PortfolioWorkspace(Workspace):
    title = "Portfolio"
    kinds = frozenset({"project", "opportunity"})

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.model = PortfolioModel(controller)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(PortfolioModel.RANK, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PortfolioModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setResizeContentsPrecision(0)  # columns fit the rows on screen, not all 2,000

        self.budget = QLineEdit()
        self.budget.setPlaceholderText("no budget")
        self.budget.setToolTip("Total build budget. The best set of opportunities that fits is "
                               "highlighted. Leave empty for no budget.")
        self.budget.setMaximumWidth(160)
        self.budget_error = QLabel()
        self.budget_error.setStyleSheet("color: #b00020;")
        self.summary = QLabel()
        self.summary.setObjectName("portfolioSummary")
        self.summary.setWordWrap(True)
        self.banner = problems_banner()
        self.bubble = ChartView(height=280, redraw=lambda: self._draw_bubble())
        self.distribution = ChartView(height=280, redraw=lambda: self._draw_distribution())

        budget_row = QHBoxLayout()
        budget_row.addWidget(QLabel("Build budget:"))
        budget_row.addWidget(self.budget)
        budget_row.addWidget(self.budget_error, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(heading("Opportunities, ranked by risk-adjusted NPV"))
        top_layout.addWidget(self.banner)
        top_layout.addLayout(budget_row)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.summary)
        self.learn_next = InformationPanel("What to learn next, for the whole plan")
        top_layout.addWidget(self.learn_next)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.bubble)
        charts.addWidget(self.distribution)
        charts.setSizes([1, 1])  # the two charts share the width equally
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(charts)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([360, 400])  # scaled to the room there is
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.budget.editingFinished.connect(self._budget_edited)
        self.refresh_all()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        # Charts are laid out for the size they are shown at: redraw once the page has its size.
        # The short delay lets the window paint its numbers before matplotlib first loads.
        QTimer.singleShot(CHART_DELAY_MS, self._redraw_charts)

    def _redraw_charts(self) -> None:
        self._draw_bubble()
        self._draw_distribution()

    def refresh_data(self) -> None:
        if any(c.kind == "opportunity" and not c.moves_results for c in self.changes):
            self.model.refresh()  # a status: shown in the table, but no result follows it
        budget = self.controller.state.data["project"].get("budget")
        if not (self.budget.hasFocus() and self.budget.isModified()):  # never under the typist
            self.budget.setModified(False)
            self.budget.setText("" if budget is None else format_number(budget, "money"))

    def refresh_results(self) -> None:
        self.model.refresh()
        show_problems(self.banner, self.controller)
        self._summary()
        self._draw_bubble()

    def _draw_bubble(self) -> None:
        results = self.controller.results
        if results is None or not self.isVisible():
            return  # charts are drawn for the size they are shown at, when shown
        from app import charts

        self.bubble.set_figure(charts.bubble_value_vs_cost(
            self.controller.state.plan(), results, figsize=self.bubble.figsize((7.0, 4.2))))

    def refresh_mc(self) -> None:
        self.model.refresh()
        self._summary()
        self._draw_distribution()

    def _draw_distribution(self) -> None:
        mc = self.controller.mc_results
        if mc is None or self.controller.mc_stale or not self.isVisible():
            return
        if mc.portfolio.npv_samples is not None and mc.portfolio.mc is not None:
            from app import charts

            self.distribution.set_figure(charts.portfolio_distribution(
                mc, self.currency, figsize=self.distribution.figsize((7.0, 4.2))))

    def _summary(self) -> None:
        results = self.controller.results
        if results is None:
            self.summary.setText("")
            return
        p, c = results.portfolio, self.currency
        # A headline: short figures throughout, as beside the range below and in every export.
        text = f"Total risk-adjusted NPV {money(p.total_enpv, c, short=True)}."
        if p.budget is not None:
            names = {r.id: r.name for r in results.opportunities}
            chosen = ", ".join(names[i] for i in p.selected) or "nothing fits"
            text += (f" Within the {money(p.budget, c, short=True)} budget: {chosen} "
                     f"(build {money(p.selected_build_cost, c, short=True)}, "
                     f"eNPV {money(p.selected_enpv, c, short=True)}).")
        mc = self.controller.mc_results
        if mc is not None and not self.controller.mc_stale and mc.portfolio.mc is not None:
            s = mc.portfolio.mc
            text += (f" Portfolio NPV P10–P90 {money_range(s.p10, s.p90, c)};"
                     f" {percent(s.p_positive)} chance of a positive total.")
            correlated = len(results.plan.correlations)
            if correlated:  # the range is wider than independent inputs would make it
                text += (f" The range includes {correlated} correlation{'s' if correlated > 1 else ''}"
                         " between inputs (Scenarios ▸ Correlations Between Inputs).")
            self.learn_next.show_plan(mc, c)
        elif self.controller.mc_stale:
            text += " Monte Carlo is updating…"
            self.learn_next.show_waiting()
        self.summary.setText(text)

    def _budget_edited(self) -> None:
        text = self.budget.text().strip()
        try:
            value = None if not text else parse_number(text, "money")
        except ParseError as exc:
            self.budget_error.setText(str(exc))
            return
        if value is not None and value < 0:
            self.budget_error.setText("The budget must not be negative.")
            return
        self.budget_error.setText("")
        self.budget.setModified(False)
        if value is not None and value.is_integer():
            value = int(value)
        self.controller.set_value("project", "", "budget", value, "budget")

    def selected_ids(self) -> list[str]:
        return [str(self.proxy.data(i, Qt.ItemDataRole.UserRole))
                for i in self.table.selectionModel().selectedRows()]
