"""The Unit economics workspace: what one AI task costs to serve, its margin and break-even."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import price_words, unit_model_edits
from app.edits import Edit, SetField
from app.formatting import SYMBOLS
from app.project_state import InvalidValueError, ScenarioValue
from models.catalog import CACHE_TTLS, PRICE_FIELDS, CatalogModel
from models.engine import UnitModelResult
from models.estimate import estimate_from_json, estimate_json
from models.plan import route_from_json
from models.unit_economics import base_inputs, route_cost
from views.catalog_picker import CatalogPicker
from views.chart_canvas import ChartView
from views.controller import ProjectController
from views.estimate_field import (
    OVERRIDDEN_TINT,
    EstimateDialog,
    EstimateField,
    ParseError,
    describe_estimate,
    format_estimate,
    parse_estimate,
)
from views.number_display import money, money_range, number, percent, percent_range
from views.table_model import ObjectTableModel
from views.text_undo import commit_on_leave
from views.workspace import Workspace, heading, problems_banner, show_problems

Index = QModelIndex | QPersistentModelIndex
STALE = QColor("#8a8a8a")
WARNING_STYLE = "color: #9a5b00;"
ERROR_STYLE = "color: #b00020;"
CHART_DELAY_MS = 250

#: The per-task inputs of a unit model (docs/formulas.md 3.3), grouped as a PM thinks of them:
#: (group, [(field, kind, label, help)]). "{c}" is the project's currency symbol.
INPUT_GROUPS: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    ("Price", (
        ("revenue_per_task", "money_small", "Revenue per task",
         "What one task earns (list price or internal chargeback). Margin is measured against it."),
    )),
    ("Model calls", (
        ("retry_rate", "percent", "Retries (extra LLM cost)",
         "LLM cost added by retries and regenerations, as a share of the LLM cost per task."),
    )),
    ("Retrieval", (
        ("embed_tokens_per_task", "number", "Embedding tokens per task",
         "Tokens embedded for each task (query embeddings; re-indexing belongs in fixed cost)."),
        ("embed_price_mtok", "money_small", "Embedding price ({c} per million tokens)",
         "Price of the embedding model per million tokens."),
        ("vector_queries_per_task", "number", "Vector searches per task",
         "Queries to the vector database for each task."),
        ("vector_price_per_1k", "money_small", "Vector search price ({c} per 1,000 queries)",
         "Price of 1,000 vector-database queries."),
    )),
    ("Tools and people", (
        ("tool_cost_per_task", "money_small", "Tool and API cost per task",
         "Paid tools or third-party APIs called for each task."),
        ("escalation_rate", "percent", "Tasks escalated to a person",
         "Share of tasks a person has to check or take over."),
        ("human_cost_per_escalation", "money", "Cost of each escalation",
         "Time of the person who handles an escalated task, in money."),
    )),
    ("Fixed cost and volume", (
        ("fixed_monthly", "money", "Fixed cost per month",
         "Costs that do not grow with volume: evaluation, guardrails, observability, index hosting."),
        ("volume_tasks_month", "number", "Tasks per month",
         "How many tasks a month the fixed cost is spread over, when no opportunity sets it."),
    )),
)
INPUT_FIELDS = {name: (kind, label, tip) for _, rows in INPUT_GROUPS for name, kind, label, tip in rows}


def _currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency, f"{currency} ").strip()


#: The colour of "estimated" where prices were typed by hand rather than taken from the catalog.
ESTIMATED_COLOUR = "#8a5300"


def _base(value: Any, default: float = 0.0) -> float:
    return estimate_from_json(value, default).base


def _unit(data: dict[str, Any], unit_id: str | None) -> dict[str, Any] | None:
    return next((u for u in data["unit_models"] if u["id"] == unit_id), None)


def _result(controller: ProjectController, unit_id: str | None) -> UnitModelResult | None:
    results = controller.results
    if results is None:
        return None
    return next((u for u in results.unit_models if u.id == unit_id), None)


def _cost(value: float | None, currency: str) -> str:
    """A cost per task by the rule every export uses ($0.0616, $2.00), in the locale's digits."""
    return money(value, currency, cents=True)


# --- item models ------------------------------------------------------------------------


class UnitModelsModel(ObjectTableModel):
    """One row per unit model: its name, loaded cost per task and gross margin."""

    NAME, COST, MARGIN = range(3)
    LIST = "unit_models"
    HEADERS = ("Unit model", "Cost per task", "Margin")

    def __init__(self, controller: ProjectController) -> None:
        super().__init__(controller)
        self.refresh()

    def refresh(self) -> None:
        self.sync_ids()

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.NAME:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        unit_id, column = self.ids[index.row()], index.column()
        unit = self.controller.state.object("unit_model", unit_id)
        result = _result(self.controller, unit_id)
        currency = str(self.controller.state.data["project"].get("currency") or "USD")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.NAME:
                name = str(unit.get("name") or "")
                return name if role == Qt.ItemDataRole.EditRole else (name or "(unnamed)")
            if result is None:
                return "—"
            if column == self.COST:
                return _cost(result.costs.get("loaded_cost_per_task"), currency)
            return percent(result.costs.get("gross_margin"))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == self.NAME:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.NAME:
                return str(unit.get("description") or unit.get("name") or "")
            if column == self.COST:
                return "Loaded cost per task: variable cost plus the fixed cost spread over the volume"
            return "Gross margin: (revenue − loaded cost) ÷ revenue"
        if role == Qt.ItemDataRole.UserRole:
            return unit_id
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.NAME:
            return False
        self.controller.set_value("unit_model", self.ids[index.row()], "name", str(value).strip(),
                                  "unit model name")
        return True


class RoutesModel(QAbstractTableModel):
    """The routes of one unit model: which LLM serves what share of tasks, with its tokens and prices.

    Numeric cells take what an EstimateField takes (``0.8``, ``20%``, ``900 – 1500``); a value that
    may not be stored is refused and ``message`` carries the rule.
    """

    message = Signal(str)

    (MODEL, PROVIDER, PRICES, SHARE, INPUT, OUTPUT, CACHED, CACHE_WRITE, REASONING, CALLS, PRICE_IN,
     PRICE_OUT, PRICE_CACHED, PRICE_WRITE, PRICE_REASONING, PER_REQUEST, BATCH, TTL, COST) = range(19)
    #: column -> (field, kind, header, tooltip); kind None for text; PRICES and COST are shown, not typed.
    COLUMNS: tuple[tuple[str, str | None, str, str], ...] = (
        ("model", None, "Model", "The model's id (choose it from the catalog, or type a custom one)"),
        ("provider", None, "Provider", "Who serves the model"),
        ("price_source", None, "Prices", "Where the prices come from: the catalog (its date), or your "
         "own estimate (typed prices, never re-priced)"),
        ("share", "percent", "Share of tasks", "Share of tasks sent down this route; all routes total 100%"),
        ("input_tokens", "number", "Input tokens", "Prompt tokens per call: context, retrieved text, prompt"),
        ("output_tokens", "number", "Output tokens", "Tokens the model writes per call (reasoning apart)"),
        ("cached_share", "percent", "Cached input", "Share of input tokens read from the prompt cache"),
        ("cache_write_share", "percent", "Cache writes", "Share of input tokens written to the prompt cache"),
        ("reasoning_tokens", "number", "Reasoning tokens", "Reasoning (thinking) tokens per call, billed as "
         "output but not counted in output tokens"),
        ("calls_per_task", "number", "Calls per task", "LLM calls on this route for one task"),
        ("price_in_mtok", "money_small", "Input {c}/M", "Price per million input tokens"),
        ("price_out_mtok", "money_small", "Output {c}/M", "Price per million output tokens"),
        ("price_cached_in_mtok", "money_small", "Cached {c}/M",
         "Price per million cached input tokens (cache reads)"),
        ("price_cache_write_mtok", "money_small", "Cache write {c}/M",
         "Price per million input tokens written to the cache"),
        ("price_reasoning_mtok", "money_small", "Reasoning {c}/M", "Price per million reasoning tokens"),
        ("price_per_request", "money_small", "Per call {c}", "A fee per request, on top of the tokens"),
        ("batch", None, "Batch", "Sent through the provider's batch API at its batch prices (tick to "
         "re-price a catalog route)"),
        ("cache_ttl", None, "Cache kept", "How long cache writes are kept: 5m or 1h (a 1-hour write "
         "costs more)"),
        ("", None, "Cost per task", "What one task costs when it takes this route (base values)"),
    )
    #: The columns a catalog route takes from the catalog: typing one makes the prices your estimate.
    PRICE_COLUMNS = frozenset(PRICE_FIELDS)

    def __init__(self, controller: ProjectController) -> None:
        super().__init__()
        self.controller = controller
        self.unit_id: str | None = None
        self.ids: list[str] = []
        self._header_currency = self.currency

    def set_unit_model(self, unit_id: str | None) -> None:
        self.unit_id = unit_id
        self.refresh()

    def refresh(self) -> None:
        if self.currency != self._header_currency:  # price headers name the project's currency
            self._header_currency = self.currency
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        unit = _unit(self.controller.state.data, self.unit_id)
        ids = [r["id"] for r in unit["routes"]] if unit is not None else []
        if ids != self.ids:
            self.beginResetModel()
            self.ids = ids
            self.endResetModel()
        elif ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(self.COLUMNS) - 1))

    @property
    def currency(self) -> str:
        return str(self.controller.state.data["project"].get("currency") or "USD")

    def route(self, row: int) -> dict[str, Any]:
        return self.controller.state.object("route", self.ids[row])

    def field(self, column: int) -> str:
        return self.COLUMNS[column][0]

    def kind(self, column: int) -> str | None:
        return self.COLUMNS[column][1]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        _, _, header, tip = self.COLUMNS[section]
        symbol = _currency_symbol(self.currency)
        if role == Qt.ItemDataRole.DisplayRole:
            return header.format(c=symbol)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if not index.isValid() or index.column() in (self.COST, self.PRICES):
            return flags
        if index.column() == self.BATCH:
            return flags | Qt.ItemFlag.ItemIsUserCheckable
        return flags | Qt.ItemFlag.ItemIsEditable

    def route_cost(self, route: dict[str, Any]) -> float:
        """docs/formulas.md 3.3's route cost at base values, the same function the engine uses."""
        return float(route_cost(base_inputs(route_from_json(route)))[0])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        route, column = self.route(index.row()), index.column()
        name, kind = self.field(column), self.kind(column)
        if column == self.BATCH:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if route.get("batch") else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.COLUMNS[column][3]
            return None
        if column == self.PRICES:
            if role == Qt.ItemDataRole.DisplayRole:
                return price_words.source_label(route)
            if role == Qt.ItemDataRole.ToolTipRole:
                return price_words.source_detail(route)
            if role == Qt.ItemDataRole.ForegroundRole and price_words.is_estimated(route):
                return QBrush(QColor(ESTIMATED_COLOUR))
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.COST:
                return _cost(self.route_cost(route), self.currency)
            if column == self.TTL:
                return str(route.get("cache_ttl") or "5m")
            if kind is None:
                return str(route.get(name) or "")
            default = 1.0 if name in ("share", "calls_per_task") else 0.0
            return format_estimate(estimate_from_json(route.get(name), default), kind)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if kind is None and column != self.COST:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        overridden = kind is not None and isinstance(route.get(name), ScenarioValue)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = []
            if kind is not None:
                lines.append(describe_estimate(estimate_from_json(route.get(name)), kind))
            if overridden and kind is not None:
                state = self.controller.state
                base = state.base_value("route", self.ids[index.row()], name)
                default = 1.0 if name in ("share", "calls_per_task") else 0.0
                lines.append(f"{state.active_name()} overrides this; the base is "
                             f"{format_estimate(estimate_from_json(base, default), kind)} "
                             "(right-click to reset it to the base).")
            note = (route.get("notes") or {}).get(name) if name else None
            if note:
                lines.append(f"Note: {note}")
            return "\n".join(lines) or self.COLUMNS[column][3]
        if role == Qt.ItemDataRole.BackgroundRole and overridden:
            return QBrush(QColor(OVERRIDDEN_TINT))  # as an overridden field is tinted
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COST:
            return QBrush(QColor("#444444"))
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() in (self.COST, self.PRICES):
            return False
        if index.column() == self.BATCH:
            if role != Qt.ItemDataRole.CheckStateRole:
                return False
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            return self._bill(index.row(), "batch prices" if checked else "standard prices", batch=checked)
        if role != Qt.ItemDataRole.EditRole:
            return False
        if index.column() == self.TTL:
            ttl = str(value).strip().lower().replace(" ", "")
            ttl = {"5": "5m", "5min": "5m", "1": "1h", "60m": "1h", "1hour": "1h"}.get(ttl, ttl)
            if ttl not in CACHE_TTLS:
                self.message.emit("Cache kept: type 5m (five minutes) or 1h (one hour).")
                return False
            return self._bill(index.row(), f"cache writes kept {'1 hour' if ttl == '1h' else '5 minutes'}",
                              cache_ttl=ttl)
        route_id, name, kind = self.ids[index.row()], self.field(index.column()), self.kind(index.column())
        label = f"route {self.COLUMNS[index.column()][2].format(c='').strip().lower()}"
        try:
            if kind is None:
                stored: Any = str(value).strip()
            elif isinstance(value, (dict, int, float)) and not isinstance(value, bool):
                stored = value  # a JSON value, e.g. from the estimate editor
            else:
                current = estimate_from_json(self.route(index.row()).get(name))
                stored = estimate_json(parse_estimate(str(value), kind, current))
            if name in self.PRICE_COLUMNS and self._catalog_priced(index.row()):
                return self._price_by_hand(route_id, name, stored, label)
            self.controller.set_value("route", route_id, name, stored, label)
        except (ParseError, InvalidValueError) as exc:
            text = str(exc)
            self.message.emit(f"{self.COLUMNS[index.column()][2].format(c='').strip()}: {text}"
                              if isinstance(exc, InvalidValueError) else text)
            return False
        self.message.emit("")
        return True

    def _catalog_priced(self, row: int) -> bool:
        """The route's base prices are the catalog's (a scenario's typed price is its override)."""
        state = self.controller.state
        return state.active_scenario is None and not price_words.is_estimated(
            state.base_object("route", self.ids[row]))

    def _price_by_hand(self, route_id: str, name: str, value: Any, label: str) -> bool:
        """A price typed over the catalog's: stored with the route's prices now marked estimated,
        one undo step, so re-pricing never overwrites what the PM typed."""
        state = self.controller.state
        state.check_value("route", route_id, name, value)
        old = state.base_object("route", route_id)
        if old.get(name) == value:
            return True
        edits: list[Edit] = [SetField("route", route_id, name, old.get(name), value),
                             SetField("route", route_id, "price_source", old.get("price_source"), "manual")]
        if not self.controller.edit_structure(edits, f"{label} (prices now estimated)"):
            return False
        self.message.emit("This route's prices are now your estimate: Check prices… leaves them alone. "
                          "Choose the model from the catalog again to go back to its prices.")
        return True

    def _bill(self, row: int, words: str, **terms: Any) -> bool:
        """Batch or standard, or cache writes' lifetime: a catalog route is re-priced to match."""
        route_id = self.ids[row]
        edits = unit_model_edits.set_billing(self.controller.state.data, route_id, **terms)
        batch = [e for e in edits if isinstance(e, SetField) and e.field == "batch"]
        if terms.get("batch") and not batch:
            self.message.emit("The catalog has no batch prices for this model: it keeps its standard prices.")
            return False
        self.message.emit("")
        return self.controller.edit_structure(edits, f"route {words}")


# --- the workspace ----------------------------------------------------------------------


class UnitEconomicsWorkspace(Workspace):
    """Unit models on the left; the selected one's inputs, routes, results and charts on the right."""

    title = "Unit economics"

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.current_id: str | None = None
        self.picker: CatalogPicker | None = None
        self._loading = False
        self._charts_dirty = True
        self._route_note_target: tuple[str, str] | None = None  # (route, field) typed for

        self.units_model = UnitModelsModel(controller)
        self.routes_model = RoutesModel(controller)
        self.banner = problems_banner()

        units = self._build_unit_list()
        self.form = self._build_form()
        self.routes_box = self._build_routes()
        results = self._build_results()
        charts = self._build_charts()

        self.form_scroll = QScrollArea()
        self.form_scroll.setWidget(self.form)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setMinimumWidth(420)
        self.empty = QLabel("No unit model yet.\n\nA unit model works out what one AI task costs "
                            "to serve: the LLM calls on each route, retrieval, tools, people for "
                            "escalations and fixed costs, and the margin against what a task earns.\n\n"
                            "Click “Add unit model” to start one.")
        self.empty.setObjectName("emptyUnitModels")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #555555; padding: 24px;")

        self.left_split = QSplitter(Qt.Orientation.Vertical)
        self.left_split.addWidget(units)
        self.left_split.addWidget(self.form_scroll)
        self.left_split.addWidget(self.empty)
        self.left_split.setStretchFactor(0, 1)
        self.left_split.setStretchFactor(1, 3)
        self.left_split.setStretchFactor(2, 3)
        self.left_split.setChildrenCollapsible(False)

        self.right_panel = QWidget()
        right_layout = QVBoxLayout(self.right_panel)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(results, 0)
        right_layout.addWidget(charts, 1)
        self.right_panel.setMinimumWidth(420)

        self.upper = QSplitter(Qt.Orientation.Horizontal)
        self.upper.addWidget(self.left_split)
        self.upper.addWidget(self.right_panel)
        self.upper.setStretchFactor(0, 5)
        self.upper.setStretchFactor(1, 6)
        self.upper.setSizes([560, 700])
        self.upper.setChildrenCollapsible(False)
        self.main_split = QSplitter(Qt.Orientation.Vertical)
        self.main_split.addWidget(self.upper)
        self.main_split.addWidget(self.routes_box)
        self.main_split.setStretchFactor(0, 2)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([580, 180])
        self.main_split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Unit economics: the cost to serve one AI task"))
        layout.addWidget(self.banner)
        layout.addWidget(self.main_split, 1)

        self._chart_size = QSize()
        self._chart_key: object = None
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(CHART_DELAY_MS)
        self._chart_timer.timeout.connect(self._draw_charts)
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(200)
        self._resize_timer.timeout.connect(self._redraw_after_resize)
        self.chart_tabs.installEventFilter(self)
        # Delete removes the selected row; an event filter, so it works wherever the key is sent.
        self.units_table.installEventFilter(self)
        self.routes_table.installEventFilter(self)

        self._set_tab_order()
        self.refresh_all()

    # --- building ---------------------------------------------------------------------

    def _build_unit_list(self) -> QWidget:
        self.units_table = QTableView()
        self.units_table.setObjectName("unitModels")
        self.units_table.setModel(self.units_model)
        self.units_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.units_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.units_table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                         | QAbstractItemView.EditTrigger.DoubleClicked)
        self.units_table.verticalHeader().hide()
        self.units_table.setWordWrap(False)
        self.units_table.setMinimumHeight(120)
        header = self.units_table.horizontalHeader()
        header.setSectionResizeMode(UnitModelsModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(UnitModelsModel.COST, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(UnitModelsModel.MARGIN, QHeaderView.ResizeMode.ResizeToContents)
        self.units_table.selectionModel().currentRowChanged.connect(self._unit_row_changed)

        self.add_unit_button = QPushButton("Add unit model")
        self.add_unit_button.setToolTip("Start a new unit model (undoable)")
        self.add_unit_button.clicked.connect(self.add_unit_model)
        self.remove_unit_button = QPushButton("Remove")
        self.remove_unit_button.setToolTip("Remove the selected unit model; opportunities that link it "
                                           "are unlinked (Delete; undoable)")
        self.remove_unit_button.clicked.connect(self.remove_unit_model)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_unit_button)
        buttons.addWidget(self.remove_unit_button)
        buttons.addStretch(1)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Unit models"))
        layout.addWidget(self.units_table, 1)
        layout.addLayout(buttons)
        return box

    def _build_form(self) -> QWidget:
        form = QWidget()
        grid = QGridLayout(form)
        grid.setContentsMargins(4, 0, 8, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Support copilot: cost per assisted reply")
        commit_on_leave(self.name_edit, self._name_edited)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("What one task is, and what serving it involves")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(58)
        commit_on_leave(self.description_edit, self._description_edited)
        row = 0
        grid.addWidget(QLabel("Name"), row, 0)
        grid.addWidget(self.name_edit, row, 1, 1, 2)
        row += 1
        grid.addWidget(QLabel("Description"), row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.description_edit, row, 1, 1, 2)
        row += 1

        self.fields: dict[str, EstimateField] = {}
        self.notes: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for group, rows in INPUT_GROUPS:
            title = heading(group)
            grid.addWidget(title, row, 0, 1, 3)
            row += 1
            for name, kind, _label, tip in rows:
                label = QLabel()
                label.setToolTip(tip)
                label.setWordWrap(True)
                label.setMinimumWidth(150)
                field = EstimateField(kind, field=name)
                field.setObjectName(name)
                field.setMinimumWidth(120)
                field.setToolTip(tip)
                field.edited.connect(lambda value, n=name: self._field_edited(n, value))
                note = QLineEdit()
                note.setObjectName(f"note_{name}")
                note.setPlaceholderText("Note: source or reasoning")
                commit_on_leave(note, lambda n=name, note=note: self._note_edited(n, note.text()))
                label.setBuddy(field.line)
                self.fields[name], self.notes[name], self.labels[name] = field, note, label
                grid.addWidget(label, row, 0)
                grid.addWidget(field, row, 1)
                grid.addWidget(note, row, 2)
                row += 1
        self.volume_source = QLabel()
        self.volume_source.setObjectName("volumeSource")
        self.volume_source.setWordWrap(True)
        self.volume_source.setStyleSheet("color: #1f4e79;")
        grid.addWidget(self.volume_source, row, 0, 1, 3)
        row += 1
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 3)
        grid.setRowStretch(row, 1)
        return form

    def _build_routes(self) -> QWidget:
        self.routes_table = QTableView()
        self.routes_table.setObjectName("routes")
        self.routes_table.setModel(self.routes_model)
        self.routes_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.routes_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.routes_table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                          | QAbstractItemView.EditTrigger.DoubleClicked
                                          | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.routes_table.verticalHeader().hide()
        self.routes_table.setWordWrap(False)
        self.routes_table.setMinimumHeight(80)
        header = self.routes_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # many columns: the table scrolls, no model id is cut short
        header.setMinimumSectionSize(60)
        self.routes_table.selectionModel().currentChanged.connect(self._route_cell_changed)
        self.routes_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.routes_table.customContextMenuRequested.connect(self._route_menu)
        self.routes_model.message.connect(self._route_message)

        self.add_route_button = QPushButton("Add route")
        self.add_route_button.setToolTip("Add a route with custom prices; it takes the share of tasks "
                                         "the other routes leave (undoable)")
        self.add_route_button.clicked.connect(lambda: self.add_route())
        self.choose_model_button = QPushButton("Choose model…")
        self.choose_model_button.setToolTip("Pick the selected route's model from the offline price "
                                            "catalog and copy its prices (undoable)")
        self.choose_model_button.clicked.connect(self.choose_model)
        self.range_button = QPushButton("Range…")
        self.range_button.setToolTip("Edit the selected cell as an estimate: base, low, high, distribution")
        self.range_button.clicked.connect(self.edit_cell_as_estimate)
        self.check_prices_button = QPushButton("Check prices…")
        self.check_prices_button.setToolTip("Compare the routes' catalog prices with the bundled "
                                            "catalog, and re-price them if you choose (undoable)")
        self.check_prices_button.clicked.connect(self.check_prices)
        self.remove_route_button = QPushButton("Remove route")
        self.remove_route_button.setToolTip("Remove the selected route (Delete; undoable)")
        self.remove_route_button.clicked.connect(self.remove_route)
        self.share_total = QLabel()
        self.share_total.setObjectName("shareTotal")
        self.share_total.setWordWrap(True)
        self.route_error = QLabel()
        self.route_error.setObjectName("routeError")
        self.route_error.setStyleSheet(ERROR_STYLE)
        self.route_error.setWordWrap(True)
        self.route_error.hide()
        self.route_note_label = QLabel("Note")
        self.route_note = QLineEdit()
        self.route_note.setObjectName("routeNote")
        self.route_note.setPlaceholderText("Select a cell to add a note on where its number comes from")
        self.route_note.textEdited.connect(self._route_note_typed)
        commit_on_leave(self.route_note, self._route_note_edited)

        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_model_button)
        buttons.addWidget(self.add_route_button)
        buttons.addWidget(self.remove_route_button)
        buttons.addWidget(self.range_button)
        buttons.addWidget(self.check_prices_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.share_total, 1)
        note_row = QHBoxLayout()
        note_row.addWidget(self.route_note_label)
        note_row.addWidget(self.route_note, 1)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(heading("Routes: which model handles which share of tasks"))
        layout.addLayout(buttons)
        layout.addWidget(self.routes_table, 1)
        layout.addWidget(self.route_error)
        layout.addLayout(note_row)
        return box

    def _build_results(self) -> QWidget:
        box = QGroupBox("Results for the selected unit model")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        self.result_labels: dict[str, QLabel] = {}
        rows = (
            ("llm_cost_per_task", "LLM cost per task",
             "The routes' cost weighted by their shares, before retries"),
            ("retrieval_cost_per_task", "Retrieval cost per task", "Embeddings plus vector searches"),
            ("variable_cost_per_task", "Variable cost per task",
             "LLM cost with retries, plus retrieval, tools and escalations"),
            ("loaded_cost_per_task", "Loaded cost per task",
             "Variable cost plus the fixed monthly cost spread over the monthly volume"),
            ("gross_margin", "Gross margin", "(revenue − loaded cost) ÷ revenue per task"),
            ("break_even_tasks_month", "Break-even volume",
             "Tasks a month at which revenue covers variable and fixed costs"),
            ("mc_cost", "Loaded cost, P10–P90",
             "80% of the simulated outcomes fall in this range (Monte Carlo over every estimate)"),
            ("mc_margin", "Gross margin, P10–P90",
             "80% of the simulated outcomes fall in this range (Monte Carlo over every estimate)"),
        )
        for i, (key, text, tip) in enumerate(rows):
            label = QLabel(text)
            label.setToolTip(tip)
            value = QLabel("—")
            value.setObjectName(f"result_{key}")
            value.setToolTip(tip)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setStyleSheet("font-weight: 600;")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row, pair = i % 4, i // 4
            grid.addWidget(label, row, 3 * pair)
            grid.addWidget(value, row, 3 * pair + 1)
            self.result_labels[key] = value
        grid.setColumnMinimumWidth(2, 16)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(4, 1)
        self.results_note = QLabel()
        self.results_note.setObjectName("resultsNote")
        self.results_note.setWordWrap(True)
        self.results_note.setStyleSheet("color: #555555;")
        grid.addWidget(self.results_note, 4, 0, 1, 5)
        return box

    def _build_charts(self) -> QWidget:
        # One chart at a time at a readable size: the builders lay out for about 7 x 4 inches.
        self.breakdown_chart = ChartView(height=220)
        self.breakdown_chart.setObjectName("costBreakdownChart")
        self.margin_chart = ChartView(height=220)
        self.margin_chart.setObjectName("marginChart")
        self.chart_tabs = QTabWidget()
        self.chart_tabs.setDocumentMode(True)
        self.chart_tabs.addTab(self.breakdown_chart, "Cost per task")
        self.chart_tabs.addTab(self.margin_chart, "Margin vs volume")
        self.charts_placeholder = QLabel()
        self.charts_placeholder.setWordWrap(True)
        self.charts_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.charts_placeholder.setStyleSheet("color: #555555;")
        self.charts_placeholder.hide()
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chart_tabs, 1)
        layout.addWidget(self.charts_placeholder, 1)
        return box

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.units_table, self.add_unit_button, self.remove_unit_button,
                                self.name_edit, self.description_edit]
        for name in INPUT_FIELDS:
            chain += [self.fields[name].line, self.fields[name].more, self.notes[name]]
        chain += [self.choose_model_button, self.add_route_button, self.remove_route_button,
                  self.range_button, self.routes_table, self.route_note]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)

    # --- refreshing -------------------------------------------------------------------

    def refresh_data(self) -> None:
        data = self.controller.state.data
        self.units_model.refresh()
        if _unit(data, self.current_id) is None:
            self.current_id = data["unit_models"][0]["id"] if data["unit_models"] else None
        self._select_unit_row()
        self.routes_model.set_unit_model(self.current_id)
        self._fill_detail()
        self._route_cell_changed()

    def refresh_results(self) -> None:
        self.units_model.refresh()
        self.routes_model.refresh()
        show_problems(self.banner, self.controller)
        self._show_results()
        self._schedule_charts()

    def refresh_mc(self) -> None:
        self._show_mc()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        # Charts are only rebuilt while the workspace is on screen; catch up when it appears.
        super().showEvent(event)
        if self._charts_dirty:
            self._chart_timer.start()

    def _route_menu(self, point: QPoint) -> None:
        """Right-click on a route value a scenario overrides: reset it to the base."""
        index = self.routes_table.indexAt(point)
        if not index.isValid() or index.data(Qt.ItemDataRole.BackgroundRole) is None:
            return
        route_id, field = self.routes_model.ids[index.row()], self.routes_model.field(index.column())
        menu = QMenu(self.routes_table)
        name = self.controller.state.active_name()
        action = menu.addAction(f"Reset to the base (“{name}” follows it again)")
        action.triggered.connect(lambda: self.controller.reset_override("route", route_id, field))
        menu.popup(self.routes_table.viewport().mapToGlobal(point))
        self.route_menu = menu  # kept for the menu's life (and for tests)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize and watched is self.chart_tabs:
            self._resize_timer.start()
        elif event.type() == QEvent.Type.KeyPress and watched in (self.units_table, self.routes_table):
            key_event: QKeyEvent = event  # type: ignore[assignment]
            view: QTableView = watched  # type: ignore[assignment]
            if key_event.matches(QKeySequence.StandardKey.Delete) \
                    and view.state() != QAbstractItemView.State.EditingState:
                if view is self.units_table:
                    self.remove_unit_model()
                else:
                    self.remove_route()
                return True
        return super().eventFilter(watched, event)

    def _redraw_after_resize(self) -> None:
        # Titles are wrapped for the width a chart is built at: rebuild once resizing settles.
        widget = self.chart_tabs.currentWidget()
        if self.isVisible() and self.chart_tabs.isVisible() and widget.size() != self._chart_size:
            self._chart_key = None
            self._draw_charts()

    def _schedule_charts(self) -> None:
        """Charts follow the numbers, but a few hundred ms later: drawing takes longer than typing."""
        result = _result(self.controller, self.current_id)
        # Whether there are charts at all changes at once, so stale charts never show as current.
        self.chart_tabs.setVisible(result is not None)
        self.charts_placeholder.setVisible(result is None and self.current_id is not None)
        self.charts_placeholder.setText("The charts return when the plan is valid again.")
        self._charts_dirty = True
        if self.isVisible():
            self._chart_timer.start()

    @property
    def charts_pending(self) -> bool:
        """True while a chart update waits for its turn (tests wait on it)."""
        return self._charts_dirty

    def _select_unit_row(self) -> None:
        if self.current_id is None or self.current_id not in self.units_model.ids:
            self._show_detail(False)
            self.units_table.clearSelection()
            return
        self._show_detail(True)
        row = self.units_model.ids.index(self.current_id)
        current = self.units_table.currentIndex()
        if not current.isValid() or current.row() != row:
            self.units_table.selectionModel().setCurrentIndex(
                self.units_model.index(row, UnitModelsModel.NAME),
                self.units_table.selectionModel().SelectionFlag.ClearAndSelect
                | self.units_table.selectionModel().SelectionFlag.Rows)

    def _show_detail(self, shown: bool) -> None:
        """With no unit model there is nothing to edit: say what a unit model is instead."""
        for widget in (self.form_scroll, self.right_panel, self.routes_box):
            widget.setVisible(shown)
        self.empty.setVisible(not shown)

    def _fill_detail(self) -> None:
        data = self.controller.state.data
        unit = _unit(data, self.current_id)
        self.remove_unit_button.setEnabled(unit is not None)
        if unit is None:
            return
        self._loading = True
        try:
            symbol = _currency_symbol(self.currency)
            if self.name_edit.text() != (unit.get("name") or ""):
                self.name_edit.setText(unit.get("name") or "")
            if self.description_edit.toPlainText() != (unit.get("description") or ""):
                self.description_edit.setPlainText(unit.get("description") or "")
            notes = unit.get("notes") or {}
            for name, (_kind, label, _tip) in INPUT_FIELDS.items():
                self.labels[name].setText(label.format(c=symbol))
                field = self.fields[name]
                field.currency = self.currency
                field.set_value(unit.get(name))  # keeps the text the user is typing
                note = notes.get(name) or ""
                if self.notes[name].text() != note:
                    self.notes[name].setText(note)
                    self.notes[name].setCursorPosition(0)
                self.notes[name].setToolTip(note)
        finally:
            self._loading = False
        self._show_volume_source()
        self._show_share_total()

    def _linked_opportunities(self) -> list[str]:
        return [o.get("name") or o["id"] for o in self.controller.state.data["opportunities"]
                if o.get("unit_model_id") == self.current_id]

    def _show_volume_source(self) -> None:
        linked = self._linked_opportunities()
        field = self.fields["volume_tasks_month"]
        field.setEnabled(not linked)
        self.notes["volume_tasks_month"].setEnabled(not linked)
        if not linked:
            self.volume_source.setText("No opportunity links this unit model, so the tasks per month "
                                       "above spread the fixed cost.")
            return
        result = _result(self.controller, self.current_id)
        names = ", ".join(f"“{n}”" for n in linked)
        which = "opportunity" if len(linked) == 1 else f"{len(linked)} opportunities"
        volume = (f"{number(result.volume_tasks_month)} tasks a month"
                  if result is not None else "their tasks a month (shown once the plan is valid)")
        self.volume_source.setText(
            f"The linked {which} {names} set the volume: {volume} at full adoption "
            "(eligible users × adoption × tasks per user). The tasks per month above are not used.")

    def _show_share_total(self) -> None:
        unit = _unit(self.controller.state.data, self.current_id)
        routes = unit["routes"] if unit is not None else []
        self.choose_model_button.setText("Choose model…" if routes else "Add route from catalog…")
        if not routes:
            self.share_total.setText("No routes yet: LLM cost is zero. Choose a model from the catalog, "
                                     "or add a route with custom prices.")
            self.share_total.setStyleSheet(WARNING_STYLE)
            return
        total = sum(_base(r.get("share"), 1.0) for r in routes)
        if abs(total - 1) <= 1e-9:
            self.share_total.setText(f"Route shares total 100% across {len(routes)} "
                                     f"route{'s' if len(routes) != 1 else ''}.")
            self.share_total.setStyleSheet("color: #2e6b30;")
        else:
            gap = (1 - total) * 100
            fix = f"add {gap:.4g} points to a route" if gap > 0 else f"take {-gap:.4g} points off"
            self.share_total.setText(f"⚠ Route shares total {total * 100:.4g}%, not 100%: {fix}. "
                                     "Results wait until they total 100%.")
            self.share_total.setStyleSheet(WARNING_STYLE + " font-weight: 600;")

    def _show_results(self) -> None:
        self._show_volume_source()
        self._show_share_total()
        result = _result(self.controller, self.current_id)
        currency = self.currency
        if result is None:
            for label in self.result_labels.values():
                label.setText("—")
                label.setStyleSheet("font-weight: 600; color: #8a8a8a;")
            self.results_note.setText("Results are on hold until the problem above is fixed."
                                      if self.controller.results is None and self.current_id else "")
            self._show_mc()
            return
        costs = result.costs
        for key in ("llm_cost_per_task", "retrieval_cost_per_task", "variable_cost_per_task",
                    "loaded_cost_per_task"):
            self.result_labels[key].setText(_cost(costs.get(key), currency))
        unit = _unit(self.controller.state.data, self.current_id) or {}
        revenue = _base(unit.get("revenue_per_task"))
        margin = costs.get("gross_margin")
        self.result_labels["gross_margin"].setText(
            percent(margin, 1) if margin is not None else "— (no revenue per task)")
        break_even = costs.get("break_even_tasks_month")
        volume = result.volume_tasks_month
        if break_even is not None:
            text = f"{number(break_even)} tasks a month"
        elif revenue <= 0:
            text = "— (no revenue per task)"
        else:
            text = "never (a task costs more than it earns)"
        self.result_labels["break_even_tasks_month"].setText(text)
        for key in ("llm_cost_per_task", "retrieval_cost_per_task", "variable_cost_per_task",
                    "loaded_cost_per_task", "gross_margin", "break_even_tasks_month"):
            self.result_labels[key].setStyleSheet("font-weight: 600;")
        bad = margin is not None and margin < 0
        if bad:
            self.result_labels["gross_margin"].setStyleSheet("font-weight: 600; color: #b00020;")
        fixed_share = (costs.get("loaded_cost_per_task") or 0) - (costs.get("variable_cost_per_task") or 0)
        if volume > 0:
            note = (f"At {number(volume)} tasks a month, fixed cost adds {_cost(fixed_share, currency)}"
                    " per task")
            if break_even is not None:
                note += (", and the volume is above break-even." if volume >= break_even
                         else ", but the volume is below break-even: each month loses money.")
            else:
                note += "."
        else:
            note = "With no monthly volume the fixed cost cannot be spread per task."
        self.results_note.setText(note)
        self._show_mc()

    def _show_mc(self) -> None:
        c = self.controller
        cost_label, margin_label = self.result_labels["mc_cost"], self.result_labels["mc_margin"]
        if c.results is None or self.current_id is None:
            for label in (cost_label, margin_label):
                label.setText("—")
                label.setStyleSheet("font-weight: 600; color: #8a8a8a;")
            return
        mc = c.mc_results
        unit_mc = next((u.mc for u in mc.unit_models if u.id == self.current_id), None) if mc else None
        stale = c.mc_stale or unit_mc is None
        if unit_mc is None:
            cost_text = margin_text = "updating…" if c.mc_stale else "—"
        else:
            s = unit_mc["loaded_cost_per_task"]
            cost_text = money_range(s.p10, s.p90, self.currency, cents=True)
            m = unit_mc["gross_margin"]
            margin_text = percent_range(m.p10, m.p90, 1)
            if stale:
                cost_text += " (updating…)"
                margin_text += " (updating…)"
        style = "font-weight: 600;" + (f" color: {STALE.name()};" if stale else "")
        cost_label.setText(cost_text)
        margin_label.setText(margin_text)
        for label in (cost_label, margin_label):
            label.setStyleSheet(style)
            label.setToolTip("Monte Carlo is updating after your last change." if stale else
                             "80% of the simulated outcomes fall in this range.")

    def _draw_charts(self) -> None:
        self._chart_timer.stop()
        if not self.isVisible():
            return  # the workspace was left before the timer fired: draw when it shows again
        self._charts_dirty = False
        result = _result(self.controller, self.current_id)
        if result is None:
            return
        from app import charts

        unit = self.controller.state.plan().unit_model(self.current_id)
        assert unit is not None
        # Built at the size they will be shown, so the builders wrap titles to fit.
        size = self.chart_tabs.currentWidget().size()
        key = (unit, tuple(sorted(result.costs.items())), result.volume_tasks_month, self.currency,
               size.width(), size.height())
        if key == self._chart_key:
            return  # e.g. a note or a name elsewhere changed: the same charts
        self._chart_key = key
        figsize = (max(size.width(), 400) / 100, max(size.height(), 220) / 100)
        self._chart_size = size
        self.breakdown_chart.set_figure(charts.cost_per_task_breakdown(unit, result, self.currency,
                                                                       figsize=figsize, dpi=100))
        self.margin_chart.set_figure(charts.margin_vs_volume(unit, result, self.currency,
                                                             figsize=figsize, dpi=100))

    # --- selection --------------------------------------------------------------------

    def _unit_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        unit_id = self.units_model.ids[current.row()] if current.isValid() else None
        if unit_id == self.current_id or unit_id is None:
            return
        self.current_id = unit_id
        self._show_detail(True)
        self.routes_model.set_unit_model(unit_id)
        self.route_error.hide()
        for field in self.fields.values():
            field.show_error("")
        self._fill_detail()
        self._route_cell_changed()
        self._show_results()
        self._schedule_charts()

    def select_unit_model(self, unit_id: str) -> None:
        row = self.units_model.ids.index(unit_id)
        self.units_table.setCurrentIndex(self.units_model.index(row, UnitModelsModel.NAME))

    def current_route_id(self) -> str | None:
        index = self.routes_table.currentIndex()
        if not index.isValid() or index.row() >= len(self.routes_model.ids):
            return None
        return self.routes_model.ids[index.row()]

    def select_route(self, route_id: str, column: int = RoutesModel.MODEL) -> None:
        if route_id in self.routes_model.ids:
            row = self.routes_model.ids.index(route_id)
            self.routes_table.setCurrentIndex(self.routes_model.index(row, column))

    def _route_cell_changed(self, *_args: object) -> None:
        self._route_note_edited()  # a note being typed belongs to the cell it was typed for
        index = self.routes_table.currentIndex()
        has_route = index.isValid() and index.row() < len(self.routes_model.ids)
        self.remove_route_button.setEnabled(has_route)
        column = index.column() if has_route else -1
        numeric = has_route and self.routes_model.kind(column) is not None
        self.range_button.setEnabled(numeric)
        field = self.routes_model.field(column) if has_route else ""
        self.route_note.setEnabled(bool(has_route and field))
        self.route_note.setPlaceholderText("Where does this number come from?" if field else
                                           "Select a cell to add a note on where its number comes from")
        if not has_route or not field:
            self.route_note_label.setText("Note")
            if self.route_note.text():
                self.route_note.setText("")
            return
        route = self.routes_model.route(index.row())
        header = self.routes_model.COLUMNS[column][2].format(c=_currency_symbol(self.currency))
        self.route_note_label.setText(f"Note on {header.lower()} of {route.get('model') or 'this route'}:")
        note = (route.get("notes") or {}).get(field) or ""
        if self.route_note.text() != note:
            self.route_note.setText(note)
            self.route_note.setCursorPosition(0)

    # --- edits ------------------------------------------------------------------------

    def _name_edited(self) -> None:
        if self.current_id is not None:
            self.controller.set_value("unit_model", self.current_id, "name", self.name_edit.text().strip(),
                                      "unit model name")

    def _description_edited(self) -> None:
        if self.current_id is None:
            return
        self.controller.set_value("unit_model", self.current_id, "description",
                                  self.description_edit.toPlainText(), "unit model description")

    def _field_edited(self, name: str, value: Any) -> None:
        if self.current_id is None:
            return
        label = INPUT_FIELDS[name][1].format(c=_currency_symbol(self.currency))
        try:
            self.controller.set_value("unit_model", self.current_id, name, value, label.lower())
        except InvalidValueError as exc:
            self.fields[name].show_error(f"{label} {exc}.")

    def _note_edited(self, name: str, text: str) -> None:
        if self.current_id is not None:
            label = INPUT_FIELDS[name][1].format(c=_currency_symbol(self.currency)).lower()
            self.controller.set_value("unit_model", self.current_id, f"notes.{name}", text,
                                      f"note on {label}")

    def _route_note_typed(self, _text: str) -> None:
        route_id = self.current_route_id()
        field = self.routes_model.field(self.routes_table.currentIndex().column())
        if self._route_note_target is None and route_id is not None and field:
            self._route_note_target = route_id, field

    def _route_note_edited(self) -> None:
        """Store the note typed, on the cell it was typed for (the table may show another now)."""
        target, self._route_note_target = self._route_note_target, None
        if target is None:
            return
        route_id, field = target
        try:
            self.controller.set_value("route", route_id, f"notes.{field}", self.route_note.text(),
                                      "route note")
        except KeyError:
            pass  # the route went away (removed or undone) while the note was typed

    def _route_message(self, text: str) -> None:
        self.route_error.setText(text)
        self.route_error.setVisible(bool(text))

    def edit_cell_as_estimate(self) -> EstimateDialog | None:
        """Open the estimate editor on the selected numeric cell (non-blocking)."""
        index = self.routes_table.currentIndex()
        kind = self.routes_model.kind(index.column()) if index.isValid() else None
        if kind is None:
            return None
        route = self.routes_model.route(index.row())
        dialog = EstimateDialog(estimate_from_json(route.get(self.routes_model.field(index.column()))),
                                kind, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        target = QPersistentModelIndex(index)

        def done() -> None:
            if dialog.result_estimate is not None and target.isValid():
                self.routes_model.setData(self.routes_model.index(target.row(), target.column()),
                                          estimate_json(dialog.result_estimate))

        dialog.accepted.connect(done)
        dialog.open()
        return dialog

    # --- structural changes (one undo step each) -----------------------------------------

    def add_unit_model(self) -> str:
        edits, unit_id = unit_model_edits.add_unit_model(self.controller.state.data)
        name = edits[0].obj["name"]  # type: ignore[union-attr]
        previous, self.current_id = self.current_id, unit_id
        if not self.controller.edit_structure(edits, f"Add unit model “{name}”"):
            self.current_id = previous
            return unit_id
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        return unit_id

    def remove_unit_model(self) -> None:
        if self.current_id is None:
            return
        units = self.controller.state.data["unit_models"]
        index = next(i for i, u in enumerate(units) if u["id"] == self.current_id)
        name = units[index].get("name") or "unnamed"
        edits = unit_model_edits.remove_unit_model(self.controller.state.data, self.current_id)
        remaining = units[:index] + units[index + 1:]
        previous = self.current_id
        self.current_id = remaining[min(index, len(remaining) - 1)]["id"] if remaining else None
        if not self.controller.edit_structure(edits, f"Remove unit model “{name}”"):
            self.current_id = previous

    def add_route(self, model: CatalogModel | None = None) -> str | None:
        """Add a route (custom, or priced from the catalog) taking the share the others leave."""
        if self.current_id is None:
            return None
        edits, route_id = unit_model_edits.add_route(self.controller.state.data, self.current_id, model)
        label = f"Add route {model.model_name}" if model is not None else "Add route"
        if not self.controller.edit_structure(edits, label):
            return None
        self.select_route(route_id)
        return route_id

    def remove_route(self) -> None:
        route_id = self.current_route_id()
        if route_id is None or self.current_id is None:
            return
        row = self.routes_model.ids.index(route_id)
        model = self.controller.state.object("route", route_id).get("model") or "route"
        edits = unit_model_edits.remove_route(self.controller.state.data, self.current_id, route_id)
        self.controller.edit_structure(edits, f"Remove route {model}")
        if self.routes_model.ids:
            self.select_route(self.routes_model.ids[min(row, len(self.routes_model.ids) - 1)])

    def choose_model(self) -> CatalogPicker:
        """Open the catalog picker (window-modal, never blocking) for the selected route."""
        from models import catalog

        route_id = self.current_route_id()
        if route_id is None and self.routes_model.ids:
            route_id = self.routes_model.ids[0]
        text, current = "", None
        if route_id is not None:
            route = self.controller.state.object("route", route_id)
            key = (str(route.get("provider") or ""), str(route.get("model") or ""))
            if catalog.find(*key) is not None:
                text, current = key[1], key
        if self.picker is not None:
            self.picker.deleteLater()
        picker = CatalogPicker(self, text=text, currency=self.currency, current=current)
        picker.accepted.connect(lambda: self._picked(route_id, picker.chosen()))
        self.picker = picker
        picker.open()
        return picker

    def _picked(self, route_id: str | None, model: CatalogModel | None) -> None:
        if model is None:
            return
        if route_id is None or route_id not in self.routes_model.ids:
            self.add_route(model)
        else:
            self.apply_catalog_model(route_id, model)

    def check_prices(self) -> QWidget:
        """The re-price dialog (window-modal, never blocking): nothing changes until Apply."""
        from views.reprice_dialog import RepriceDialog

        dialog = RepriceDialog(self.controller, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        self.reprice_dialog = dialog  # kept while open (and for tests)
        return dialog

    def apply_catalog_model(self, route_id: str, model: CatalogModel) -> None:
        """Copy the model's prices and their source notes into the route: one undo step."""
        edits = unit_model_edits.use_catalog_model(self.controller.state.data, route_id, model)
        self.controller.edit_structure(edits, f"Use {model.model_name} on a route")
        self.select_route(route_id)

__all__ = ["RoutesModel", "UnitEconomicsWorkspace", "UnitModelsModel"]
