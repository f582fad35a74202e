"""The Build / partner / buy workspace: criteria and weights, the options grid, scores and robustness."""

from __future__ import annotations

import textwrap
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import decision_edits
from app.decision_edits import OPTION_KINDS, linked_opportunities
from app.formatting import SYMBOLS
from app.project_state import InvalidValueError
from models.decision import (
    ROBUST_MARGIN,
    DecisionResult,
    annual_volume,
    decision_problems,
    names_and,
    robustness_sentence,
    tco,
    tie_sentence,
)
from models.estimate import Estimate, estimate_from_json, estimate_json
from models.plan import Decision, Plan
from models.problems import Problem
from views.chart_canvas import ChartView
from views.controller import ProjectController
from views.estimate_field import EstimateField, ParseError, format_estimate, parse_estimate
from views.number_display import money, number
from views.table_model import HeaderedTableModel
from views.text_undo import commit_on_leave
from views.workspace import (
    Workspace,
    button,
    delete_key,
    heading,
    problems_banner,
    reference_tip,
    show_problems,
)

Index = QModelIndex | QPersistentModelIndex
#: A cell's choices as (label, value) pairs, for the combo-box delegate.
CHOICES_ROLE = Qt.ItemDataRole.UserRole + 1
#: True for a choice cell drawn as the drop-down it opens (where the column is wide enough for one).
DROP_DOWN_ROLE = Qt.ItemDataRole.UserRole + 2

CRITERION_KINDS = {"score": "Score 1–5", "value": "Value", "tco": "TCO"}
#: A value criterion's direction, higher_is_better -> what the PM reads and picks.
DIRECTIONS = {True: "higher is better", False: "lower is better"}
WINNER_BACKGROUND = QColor("#e3f4e8")
ERROR_BACKGROUND = QColor("#fde7e9")
CLOSE_CALL_BACKGROUND = QColor("#fff4e5")
COMPUTED_FOREGROUND = QColor("#5f6368")
ERROR_STYLE = "color: #b00020;"
#: How long typing must pause before the charts are redrawn.
CHART_DELAY_MS = 150
#: A neutral value for a new score: the middle of 1..5.


# --- reading the project ------------------------------------------------------------------


def _decision(controller: ProjectController, decision_id: str | None) -> dict[str, Any] | None:
    """The decision as the window shows it: the active scenario's values where it overrides."""
    if decision_id is None or not any(d["id"] == decision_id for d in controller.state.data["decisions"]):
        return None
    return controller.state.object("decision", decision_id)


def _result(controller: ProjectController, decision_id: str | None) -> DecisionResult | None:
    results = controller.results
    if results is None:
        return None
    return next((r for r in results.decisions if r.decision_id == decision_id), None)


def _estimate(value: Any, default: float = 0.0) -> Estimate:
    return estimate_from_json(value, default)


def _text_of(value: Any, kind: str, default: float = 0.0) -> str:
    return format_estimate(_estimate(value, default), kind)


def _share_text(share: float) -> str:
    """A share of the total weight: whole percents, one decimal when that hides a difference."""
    points = share * 100
    places = 0 if abs(points - round(points)) < 0.05 else 1
    return QLocale().toString(points, "f", places) + "%"


def _parse(value: Any, kind: str, current: Any) -> Any:
    """A cell's new value as JSON: typed text parses with the locale, numbers pass through."""
    if isinstance(value, bool):
        raise ParseError("Type a number.")
    if isinstance(value, (int, float)):
        return estimate_json(Estimate(float(value)))
    if isinstance(value, dict):
        return value
    return estimate_json(parse_estimate(str(value), kind, _estimate(current)))


def _sentence(text: str) -> str:
    """The text with its first letter in capitals (str.capitalize would lower every name in it)."""
    return text[:1].upper() + text[1:]


def _problem_text(problem: Problem) -> str:
    """A decision's problem in the PM's words: the object by name, never a field id."""
    name = f"“{problem.object_name}”" if problem.object_name else "This " + problem.object_kind
    if problem.object_kind == "criterion" and problem.field == "weight":
        return f"{name}'s weight {problem.rule}."
    if problem.object_kind == "decision":
        return f"{_sentence(problem.rule)}."
    if problem.rule.startswith("needs"):
        return f"{name} {problem.rule}."
    return f"{name}: {problem.rule}."


# --- item models ----------------------------------------------------------------------------


class _ProjectTableModel(HeaderedTableModel):
    """Shared plumbing: a structure key that decides reset versus a plain repaint, and edits
    that go through the controller with their rule reported instead of stored."""

    #: The rule an edit broke ("" when an edit went through), for the status line beside the table.
    message = Signal(str)

    def __init__(self, controller: ProjectController) -> None:
        super().__init__()
        self.controller = controller
        self.decision_id: str | None = None
        self._key: tuple[Any, ...] = ()
        #: The rule each refused cell broke, shown in its tooltip until it is edited again.
        self.cell_errors: dict[tuple[str, int], str] = {}

    def set_decision(self, decision_id: str | None) -> None:
        if decision_id != self.decision_id:
            self.decision_id = decision_id
            self.cell_errors.clear()
        self.refresh()

    def structure(self) -> tuple[Any, ...]:
        return ()

    def refresh(self) -> None:
        """Reset only when rows or columns changed, so an open editor and the selection survive
        the refresh that every edit triggers."""
        key = (self.decision_id, *self.structure())
        if key != self._key:
            self.beginResetModel()
            self._key = key
            self.reload()
            self.endResetModel()
            return
        self.reload()
        rows, columns = self.rowCount(), self.columnCount()
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))
        if columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, columns - 1)

    def reload(self) -> None:
        """Re-read what the cells show."""

    def _store(self, row_id: str, column: int, kind: str, object_id: str, field: str, value: Any,
               label: str) -> bool:
        try:
            self.controller.set_value(kind, object_id, field, value, label)
        except InvalidValueError as exc:
            return self._refuse(row_id, column, f"{_sentence(label)}: {exc}.")
        self.cell_errors.pop((row_id, column), None)
        self.message.emit("")
        return True

    def _refuse(self, row_id: str, column: int, rule: str) -> bool:
        self.cell_errors[row_id, column] = rule
        self.message.emit(rule)
        return False


class DecisionsModel(_ProjectTableModel):
    """The decisions of the project, with the option each one is going with."""

    NAME, GOING_WITH = range(2)
    HEADERS = ("Decision", "Going with")

    def structure(self) -> tuple[Any, ...]:
        return tuple(d["id"] for d in self.controller.state.data["decisions"])

    def decision_ids(self) -> list[str]:
        return [d["id"] for d in self.controller.state.data["decisions"]]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's names)
        return 0 if parent.isValid() else len(self.controller.state.data["decisions"])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        d = self.controller.state.data["decisions"][index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == self.NAME:
                return d.get("name") or "Untitled decision"
            return self.going_with(d)
        if role == Qt.ItemDataRole.UserRole:
            return d["id"]
        return None

    def going_with(self, d: dict[str, Any]) -> str:
        names = {o["id"]: o.get("name") or "Unnamed option" for o in d.get("options") or []}
        chosen = d.get("chosen_option_id")
        if chosen in names:
            return f"{names[chosen]} (chosen)"
        result = _result(self.controller, d["id"])
        if result is None:
            return "— (waiting for valid inputs)"
        if result.tied:
            return f"{names_and([names.get(o, o) for o in result.tied])} (tied, highest score)"
        return f"{names.get(result.winner, result.winner)} (highest score)"


class CriteriaModel(_ProjectTableModel):
    """The selected decision's criteria: name, kind, unit, direction, weight and its share."""

    NAME, KIND, UNIT, HIGHER, WEIGHT, SHARE = range(6)
    HEADERS = ("Criterion", "Kind", "Unit", "Direction", "Weight", "Share")
    TIPS = (
        "What the options are judged on",
        "Score 1–5: your judgement (5 is best). Value: a measured figure such as latency. "
        "TCO: computed from each option's costs, lower is better.",
        "The unit of a value criterion, such as ms or %",
        "Which way is better: choose higher or lower for a value; a score's 5 is best and a TCO is "
        "always better lower",
        "How much this criterion counts; weights need not add up to 100",
        "This weight as a share of all the weights",
    )

    def structure(self) -> tuple[Any, ...]:
        return tuple(c["id"] for c in self.criteria())

    def criteria(self) -> list[dict[str, Any]]:
        d = _decision(self.controller, self.decision_id)
        return list(d["criteria"]) if d else []

    def criterion_id(self, row: int) -> str:
        return str(self.criteria()[row]["id"])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.criteria())

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        c = self.criteria()[index.row()]
        column = index.column()
        if column == self.HIGHER:
            if (c.get("kind") or "score") == "value":
                flags |= Qt.ItemFlag.ItemIsEditable  # a choice of two directions, not a checkbox
        elif column in (self.NAME, self.KIND, self.UNIT, self.WEIGHT):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        criteria = self.criteria()
        c = criteria[index.row()]
        column, kind = index.column(), c.get("kind") or "score"
        total = sum(_estimate(x.get("weight"), 1.0).base for x in criteria)
        weight = _estimate(c.get("weight"), 1.0)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            edit = role == Qt.ItemDataRole.EditRole
            if column == self.NAME:
                return c.get("name") or ("" if edit else "Unnamed criterion")
            if column == self.KIND:
                return kind if edit else CRITERION_KINDS.get(kind, kind)
            if column == self.UNIT:
                return c.get("unit") or ""
            if column == self.HIGHER:
                if kind == "score":
                    return "5 is best"
                if kind == "tco":
                    return "lower is better"
                higher = c.get("higher_is_better", True) is not False
                if edit and kind == "value":
                    return higher
                return DIRECTIONS[higher]
            if column == self.WEIGHT:
                return format_estimate(weight, "number")
            if column == self.SHARE:
                return _share_text(weight.base / total) if total > 0 else "—"
        if role == CHOICES_ROLE and column == self.KIND:
            return list((label, value) for value, label in CRITERION_KINDS.items())
        if role in (CHOICES_ROLE, DROP_DOWN_ROLE) and column == self.HIGHER and kind == "value":
            return [(label, value) for value, label in DIRECTIONS.items()] if role == CHOICES_ROLE else True
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.WEIGHT, self.SHARE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and (column == self.SHARE
                                                       or (column == self.HIGHER and kind != "value")):
            return QBrush(COMPUTED_FOREGROUND)
        if role == Qt.ItemDataRole.BackgroundRole and (c["id"], column) in self.cell_errors:
            return QBrush(ERROR_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole:
            if (c["id"], column) in self.cell_errors:
                return self.cell_errors[c["id"], column]
            if column == self.WEIGHT:
                note = (c.get("notes") or {}).get("weight")
                return f"Source: {note}" if note else self.TIPS[column]
            return self.TIPS[column]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or self.decision_id is None or index.row() >= self.rowCount():
            return False
        criteria = self.criteria()
        c = criteria[index.row()]
        column, name = index.column(), c.get("name") or "this criterion"
        if role != Qt.ItemDataRole.EditRole:
            return False
        if column == self.HIGHER:
            if not isinstance(value, bool):
                return self._refuse(c["id"], column, "Direction: choose higher is better or lower is better.")
            if value == (c.get("higher_is_better", True) is not False):
                return True
            return self._store(c["id"], column, "criterion", c["id"], "higher_is_better", value,
                               f"“{name}” direction")
        if column == self.NAME:
            return self._store(c["id"], column, "criterion", c["id"], "name", str(value).strip(),
                               "criterion name")
        if column == self.UNIT:
            return self._store(c["id"], column, "criterion", c["id"], "unit", str(value).strip(),
                               f"“{name}” unit")
        if column == self.KIND:
            if value not in CRITERION_KINDS:
                return self._refuse(c["id"], column, "Kind: choose score, value or TCO.")
            if value == (c.get("kind") or "score"):
                return True
            edits = decision_edits.set_criterion_kind(self.controller.state.data, self.decision_id, c["id"],
                                                      str(value))
            self.controller.edit_structure(edits, f"Make “{name}” a {CRITERION_KINDS[value]} criterion")
            self.message.emit("")
            return True
        if column == self.WEIGHT:
            try:
                weight = _parse(value, "number", c.get("weight"))
            except ParseError as exc:
                return self._refuse(c["id"], column, f"Weight: {exc}")
            others = sum(_estimate(x.get("weight"), 1.0).base for x in criteria if x["id"] != c["id"])
            new = _estimate(weight).base
            if new >= 0 and others + new <= 0:
                return self._refuse(c["id"], column, "Weight: at least one criterion needs a weight "
                                                     "above zero, or nothing can be compared.")
            return self._store(c["id"], column, "criterion", c["id"], "weight", weight,
                               f"“{name}” weight")
        return False


class OptionGridModel(_ProjectTableModel):
    """Options x criteria: each option's costs and launch time, then its value on each criterion.

    TCO criteria show the computed total cost of ownership, read-only."""

    NAME, KIND, UPFRONT, ANNUAL, PER_TASK, LAUNCH = range(6)
    FIXED = 6
    #: column -> (field, estimate kind, header, tooltip)
    FIELDS = {
        UPFRONT: ("upfront_cost", "money", "Upfront cost", "One-off cost to get the option live"),
        ANNUAL: ("annual_cost", "money", "Annual cost", "Fixed cost a year: licences, hosting, support"),
        PER_TASK: ("cost_per_task", "money_small", "Cost per task",
                   "Variable cost of each task (0 when it has none)"),
        LAUNCH: ("launch_months", "integer", "Launch (months)", "Months until the option is live"),
    }

    def __init__(self, controller: ProjectController) -> None:
        super().__init__(controller)
        self._tco: dict[str, float] = {}
        self._problems: dict[tuple[str, str], str] = {}
        self._leaders: tuple[str, ...] = ()  # the winner, or every option tied for the top score

    @property
    def currency(self) -> str:
        return str(self.controller.state.data["project"].get("currency") or "USD")

    def structure(self) -> tuple[Any, ...]:
        return tuple(o["id"] for o in self.options()), tuple(c["id"] for c in self.criteria())

    def options(self) -> list[dict[str, Any]]:
        d = _decision(self.controller, self.decision_id)
        return list(d["options"]) if d else []

    def criteria(self) -> list[dict[str, Any]]:
        d = _decision(self.controller, self.decision_id)
        return list(d["criteria"]) if d else []

    def option_id(self, row: int) -> str:
        return str(self.options()[row]["id"])

    def criterion_at(self, column: int) -> dict[str, Any] | None:
        criteria = self.criteria()
        i = column - self.FIXED
        return criteria[i] if 0 <= i < len(criteria) else None

    def reload(self) -> None:
        """TCO, the winner and the decision's own problems, read once per refresh."""
        self._tco, self._problems, self._leaders = {}, {}, ()
        if self.decision_id is None:
            return
        result = _result(self.controller, self.decision_id)
        if result is not None:
            self._tco, self._leaders = dict(result.tco), result.tied or (result.winner,)
            return
        # The plan is invalid: TCO needs only the option's costs, so show it anyway, and mark
        # the cells that stop this decision from being scored.
        plan = self.controller.state.plan()
        decision = plan.decision(self.decision_id)
        if decision is None:
            return
        volume = annual_volume(decision, plan)
        self._tco = {o.id: tco(o, volume, plan.settings.horizon_years) for o in decision.options}
        for p in decision_problems(decision):
            self._problems[p.object_id, p.field] = p.rule

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.options())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self.decision_id is None:
            return 0
        return self.FIXED + len(self.criteria())

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.columnCount():
            return None
        symbol = SYMBOLS.get(self.currency, f"{self.currency} ").strip()
        if role == Qt.ItemDataRole.DisplayRole:
            if section == self.NAME:
                return "Option"
            if section == self.KIND:
                return "Kind"
            if section in self.FIELDS:
                field, kind, header, _tip = self.FIELDS[section]
                return f"{header}\n({symbol})" if kind.startswith("money") else header.replace(" (", "\n(")
            c = self.criterion_at(section)
            assert c is not None
            # Long names wrap onto a second line so the grid's columns stay narrow.
            name = "\n".join(textwrap.wrap(c.get("name") or "Unnamed criterion", 18,
                                            max_lines=2, placeholder="…"))
            kind = c.get("kind") or "score"
            if kind == "score":
                return f"{name}\n(1–5)"
            if kind == "tco":
                return f"{name}\n(computed, {symbol})"
            return f"{name}\n({c['unit']})" if c.get("unit") else name
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == self.NAME:
                return "The option's name"
            if section == self.KIND:
                return "Build in-house, partner, or buy a product"
            if section in self.FIELDS:
                return self.FIELDS[section][3]
            c = self.criterion_at(section)
            assert c is not None
            kind = c.get("kind") or "score"
            if kind == "score":
                return "A score from 1 to 5; 5 is best"
            if kind == "tco":
                return ("Total cost of ownership over the horizon: upfront + years × (annual cost + "
                        "cost per task × annual volume). Computed; lower is better.")
            better = "higher" if c.get("higher_is_better", True) is not False else "lower"
            return f"A measured value; {better} is better"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        c = self.criterion_at(index.column())
        if c is None or (c.get("kind") or "score") != "tco":
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        o = self.options()[index.row()]
        column = index.column()
        c = self.criterion_at(column)
        c_kind = (c.get("kind") or "score") if c else ""
        field = self._field(column, c)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            edit = role == Qt.ItemDataRole.EditRole
            if column == self.NAME:
                return o.get("name") or ("" if edit else "Unnamed option")
            if column == self.KIND:
                kind = o.get("kind") or "build"
                return kind if edit else OPTION_KINDS.get(kind, kind)
            if column in self.FIELDS:
                _f, kind, _h, _t = self.FIELDS[column]
                return _text_of(o.get(_f), kind)
            if c_kind == "tco":
                value = self._tco.get(o["id"])
                return "—" if value is None else money(value, self.currency)
            value = (o.get("scores") or {}).get(c["id"]) if c else None
            return "" if value is None else _text_of(value, "number")
        if role == CHOICES_ROLE and column == self.KIND:
            return list((label, value) for value, label in OPTION_KINDS.items())
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= self.UPFRONT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == self.NAME and o["id"] in self._leaders:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and c_kind == "tco":
            return QBrush(COMPUTED_FOREGROUND)
        error = self.cell_errors.get((o["id"], column)) or self._problems.get((o["id"], field))
        if role == Qt.ItemDataRole.BackgroundRole and error:
            return QBrush(ERROR_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole:
            if error:
                return _sentence(error)
            if column == self.NAME and o["id"] in self._leaders:
                return "Tied for the highest weighted score" if len(self._leaders) > 1 \
                    else "The highest weighted score"
            note = (o.get("notes") or {}).get(field) if field else None
            if note:
                return f"Source: {note}"
            if c_kind == "tco":
                return "Computed from the option's costs and the annual volume; not typed in"
            value = (o.get("scores") or {}).get(c["id"]) if c else o.get(field) if field else None
            return None if value is None or not isinstance(value, dict) else (
                f"Range {_text_of(value, 'number')}, base {number(_estimate(value).base, 2)}, "
                f"{value.get('dist')}")
        return None

    def _field(self, column: int, c: dict[str, Any] | None) -> str:
        if column == self.NAME:
            return "name"
        if column == self.KIND:
            return "kind"
        if column in self.FIELDS:
            return self.FIELDS[column][0]
        return f"scores.{c['id']}" if c else ""

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.row() >= self.rowCount():
            return False
        o = self.options()[index.row()]
        column, name = index.column(), o.get("name") or "this option"
        c = self.criterion_at(column)
        if column == self.NAME:
            return self._store(o["id"], column, "option", o["id"], "name", str(value).strip(),
                               "option name")
        if column == self.KIND:
            if value not in OPTION_KINDS:
                return self._refuse(o["id"], column, "Kind: choose build, partner or buy.")
            return self._store(o["id"], column, "option", o["id"], "kind", value, f"“{name}” kind")
        if column in self.FIELDS:
            field, kind, header, _tip = self.FIELDS[column]
            label = f"{header.split(' (')[0].lower()} of “{name}”"
            try:
                parsed = _parse(value, kind, o.get(field))
            except ParseError as exc:
                return self._refuse(o["id"], column, f"{_sentence(label)}: {exc}")
            return self._store(o["id"], column, "option", o["id"], field, parsed, label)
        if c is None or (c.get("kind") or "score") == "tco":
            return False
        field = f"scores.{c['id']}"
        label = f"“{name}” on “{c.get('name') or 'this criterion'}”"
        try:
            parsed = _parse(value, "number", (o.get("scores") or {}).get(c["id"]))
        except ParseError as exc:
            return self._refuse(o["id"], column, f"{label}: {exc}")
        return self._store(o["id"], column, "option", o["id"], field, parsed, label)


class ScoresModel(_ProjectTableModel):
    """The result per option: weighted score, TCO, and which option is best or chosen."""

    OPTION, SCORE, TCO, STATUS = range(4)
    HEADERS = ("Option", "Score (of 100)", "TCO", "")

    def __init__(self, controller: ProjectController) -> None:
        super().__init__(controller)
        self.rows: list[tuple[str, str, float, float, str]] = []  # id, name, score, tco, status
        self.winner: str | None = None
        self.tied: tuple[str, ...] = ()  # every option tied for the top score, all shown as leading

    def structure(self) -> tuple[Any, ...]:
        return (self.controller.results is None,
                tuple(o["id"] for o in (_decision(self.controller, self.decision_id) or {})
                      .get("options", [])))

    def reload(self) -> None:
        self.rows, self.winner, self.tied = [], None, ()
        d = _decision(self.controller, self.decision_id)
        result = _result(self.controller, self.decision_id)
        if d is None or result is None:
            return
        self.winner, self.tied = result.winner, result.tied
        chosen = d.get("chosen_option_id")
        for o in d["options"]:
            status = []
            if o["id"] in result.tied:
                status.append("tied for highest score")
            elif o["id"] == result.winner:
                status.append("highest score")
            if o["id"] == chosen:
                status.append("chosen")
            self.rows.append((o["id"], o.get("name") or "Unnamed option", result.scores[o["id"]],
                              result.tco[o["id"]], ", ".join(status)))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and section == self.TCO:
            return f"TCO ({SYMBOLS.get(self.currency, self.currency + ' ').strip()})"
        return super().headerData(section, orientation, role)

    @property
    def currency(self) -> str:
        return str(self.controller.state.data["project"].get("currency") or "USD")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        option_id, name, score, cost, status = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, QLocale().toString(score, "f", 1), money(cost, self.currency), status)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.OPTION:
            return name
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.SCORE, self.TCO):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if option_id == self.winner or option_id in self.tied:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(WINNER_BACKGROUND)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None


class FlipsModel(_ProjectTableModel):
    """For each criterion, the share of the weight at which another option would become best."""

    CRITERION, SHARE_NOW, FLIP_AT, NEW_WINNER = range(4)
    HEADERS = ("Criterion", "Share now", "Winner changes at", "New best option")
    TIPS = ("", "", "The nearest share of the total weight, for this criterion, at which another "
                    "option overtakes; the other weights keep their proportions", "")

    def __init__(self, controller: ProjectController) -> None:
        super().__init__(controller)
        self.rows: list[tuple[str, float, float | None, str]] = []

    def structure(self) -> tuple[Any, ...]:
        d = _decision(self.controller, self.decision_id) or {}
        return (self.controller.results is None, tuple(c["id"] for c in d.get("criteria", [])))

    def reload(self) -> None:
        self.rows = []
        d = _decision(self.controller, self.decision_id)
        result = _result(self.controller, self.decision_id)
        if d is None or result is None:
            return
        criteria = {c["id"]: c.get("name") or "Unnamed criterion" for c in d["criteria"]}
        options = {o["id"]: o.get("name") or "Unnamed option" for o in d["options"]}
        for f in result.flips:
            overtakers = [options.get(o, o) for o in f.overtakers] if f.share_flip is not None else []
            new = names_and(overtakers) if overtakers else ""
            self.rows.append((criteria.get(f.criterion, f.criterion), f.share_now, f.share_flip, new))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def close_call(self, row: int) -> bool:
        _name, now, flip, _new = self.rows[row]
        return flip is not None and abs(flip - now) <= ROBUST_MARGIN + 1e-9

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        name, now, flip, new = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.CRITERION:
                return name
            if column == self.SHARE_NOW:
                return _share_text(now)
            if column == self.FLIP_AT:
                return "never" if flip is None else _share_text(flip)
            return new or "—"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.SHARE_NOW, self.FLIP_AT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.close_call(index.row()):
            return QBrush(CLOSE_CALL_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole:
            if flip is None:
                return f"No share of “{name}” alone changes the winner"
            if self.close_call(index.row()):
                return "A close call: within 10 points of today's share"
        return None


# --- widgets ---------------------------------------------------------------------------------


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box for cells that offer choices (CHOICES_ROLE); committed as soon as one is picked.

    A cell that asks for it (DROP_DOWN_ROLE) is drawn as the drop-down it opens, so it reads as a
    choice rather than as text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if not index.data(DROP_DOWN_ROLE) or not index.flags() & Qt.ItemFlag.ItemIsEditable:
            super().paint(painter, option, index)
            return
        box = QStyleOptionComboBox()
        box.rect = option.rect.adjusted(1, 1, -1, -1)
        box.state = option.state | QStyle.StateFlag.State_Enabled
        box.palette = option.palette
        box.fontMetrics = option.fontMetrics
        box.currentText = str(index.data() or "")
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, box, painter, option.widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, box, painter, option.widget)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        choices = index.data(CHOICES_ROLE)
        if not choices:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        for label, value in choices:
            combo.addItem(label, value)
        combo.activated.connect(lambda _i, c=combo: self._commit(c))
        return combo

    def _commit(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo)

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            at = editor.findData(index.data(Qt.ItemDataRole.EditRole))
            editor.setCurrentIndex(max(at, 0))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


def _table(model: QAbstractTableModel, *, editable: bool = True, min_height: int = 90) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(ChoiceDelegate(view))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems if editable
                              else QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed if editable
        else QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.setMinimumHeight(min_height)
    view.setTabKeyNavigation(False)  # Tab leaves the table, as in a form; arrows move between cells
    return view


def _status_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class DecisionsWorkspace(Workspace):
    """Compare building, partnering and buying: weights, the grid, the winner and how firm it is."""

    title = "Build / partner / buy"

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.decision_id: str | None = None
        self.decisions_model = DecisionsModel(controller)
        self.criteria_model = CriteriaModel(controller)
        self.grid_model = OptionGridModel(controller)
        self.scores_model = ScoresModel(controller)
        self.flips_model = FlipsModel(controller)
        self._chart_key: Any = None
        # Figures take a few hundred ms to build and draw: typing (a name, a volume) must not
        # wait for them, so they are redrawn once the typing pauses.
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(CHART_DELAY_MS)
        self._chart_timer.timeout.connect(self.draw_charts)
        self._build()
        ids = self.decisions_model.decision_ids()
        self.select_decision(ids[0] if ids else None)

    # --- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = problems_banner()

        self.picker = QComboBox()
        self.picker.setModel(self.decisions_model)
        self.picker.setModelColumn(DecisionsModel.NAME)
        self.picker.setMinimumWidth(260)
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setToolTip("The decision to work on")
        self.picker.activated.connect(self._picked)
        self.add_decision_button = QPushButton("Add decision")
        self.add_decision_button.setToolTip("A new build / partner / buy comparison")
        self.add_decision_button.clicked.connect(self.add_decision)
        self.remove_decision_button = QPushButton("Remove decision")
        self.remove_decision_button.clicked.connect(self.remove_decision)
        top = QHBoxLayout()
        top.addWidget(QLabel("Decision:"))
        top.addWidget(self.picker, 1)
        top.addWidget(self.add_decision_button)
        top.addWidget(self.remove_decision_button)

        self.empty = QWidget()
        empty_layout = QVBoxLayout(self.empty)
        empty_text = QLabel("No build / partner / buy decisions yet.\n\nAdd one to weigh building in-house "
                            "against partnering and buying, on your own criteria and costs.")
        empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty_text.setWordWrap(True)
        empty_layout.addStretch(1)
        empty_layout.addWidget(empty_text)
        empty_layout.addStretch(2)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self._detail())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        # Tab walks the page as it reads: the decision, its form, the weights, the grid, then
        # the (read-only) results.
        chain = [self.picker, self.add_decision_button, self.remove_decision_button, self.name_edit,
                 self.description_edit, self.chosen_combo, self.volume_field.line, self.volume_field.more,
                 self.criteria_view, self.add_criterion_button, self.remove_criterion_button,
                 self.grid_view, self.add_option_button, self.remove_option_button, self.scores_view,
                 self.flips_view]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _detail(self) -> QWidget:
        # Weights beside what they decide (the winner, and the share at which each criterion
        # would change it); the grid across the full width, as it has a column per criterion;
        # the charts below. A scroll area keeps every part usable on a short screen.
        top = QSplitter(Qt.Orientation.Horizontal)
        top.setChildrenCollapsible(False)
        top.addWidget(self._inputs())
        top.addWidget(self._results())
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 1)
        top.setSizes([600, 640])
        self.radar_chart = ChartView(height=300)
        self.tco_chart = ChartView(height=300)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.setChildrenCollapsible(False)
        charts.addWidget(self.radar_chart)
        charts.addWidget(self.tco_chart)
        content = QSplitter(Qt.Orientation.Vertical)
        content.setChildrenCollapsible(False)
        content.addWidget(top)
        content.addWidget(self._grid())
        content.addWidget(charts)
        content.setStretchFactor(0, 0)
        content.setStretchFactor(1, 0)
        content.setStretchFactor(2, 1)
        content.setMinimumHeight(1060)
        content.setSizes([400, 200, 460])
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        return scroll

    def _inputs(self) -> QWidget:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("What are we deciding?")
        commit_on_leave(self.name_edit, lambda: self._set_decision_field(
            "name", self.name_edit.text().strip(), "decision name"))
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("The question, the context, what is still open")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(54)
        commit_on_leave(self.description_edit, self._description_typed)
        self.chosen_combo = QComboBox()
        self.chosen_combo.setToolTip("The option linked opportunities take their costs and launch "
                                     "time from; the highest score unless you choose one")
        self.chosen_combo.activated.connect(self._chosen_picked)
        self.volume_field = EstimateField("number", field="annual_volume")
        self.volume_field.edited.connect(self._volume_edited)
        self.volume_note = QLabel()
        self.volume_note.setWordWrap(True)
        self.volume_note.setStyleSheet("color: #5f6368;")
        volume = QWidget()
        volume_layout = QVBoxLayout(volume)
        volume_layout.setContentsMargins(0, 0, 0, 0)
        volume_layout.setSpacing(2)
        volume_layout.addWidget(self.volume_field)
        volume_layout.addWidget(self.volume_note)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Going with", self.chosen_combo)
        form.addRow("Tasks a year", volume)

        self.criteria_view = _table(self.criteria_model, min_height=120)
        header = self.criteria_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CriteriaModel.NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((CriteriaModel.KIND, 84), (CriteriaModel.UNIT, 44),
                              (CriteriaModel.HIGHER, 124), (CriteriaModel.WEIGHT, 58),
                              (CriteriaModel.SHARE, 54)):
            self.criteria_view.setColumnWidth(column, width)
        self.criteria_status = _status_label()
        self.criteria_model.message.connect(lambda text: _show(self.criteria_status, text))
        self.add_criterion_button = button(
            "Add criterion", "A new criterion with weight 0, so nothing moves until you weigh it",
            self.add_criterion)
        self.remove_criterion_button = button(
            "Remove criterion", "Remove the selected criterion (Delete)", self.remove_criterion)
        self.delete_criterion = delete_key(self.criteria_view, self.remove_criterion)

        panel = QWidget()
        panel.setMinimumWidth(480)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addLayout(form)
        layout.addWidget(heading("Criteria and weights"))
        layout.addWidget(self.criteria_view, 1)
        layout.addWidget(self.criteria_status)
        layout.addLayout(_buttons(self.add_criterion_button, self.remove_criterion_button))
        return panel

    def _grid(self) -> QWidget:
        self.grid_view = _table(self.grid_model, min_height=110)
        header = self.grid_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(60)
        header.setDefaultSectionSize(118)
        self.grid_status = _status_label()
        self.grid_model.message.connect(lambda text: _show(self.grid_status, text))
        self.grid_model.modelReset.connect(self._fit_grid_columns)
        self.add_option_button = button(
            "Add option", "A copy of the selected option, so nothing moves until you change it",
            self.add_option)
        self.remove_option_button = button(
            "Remove option", "Remove the selected option (Delete)", self.remove_option)
        self.delete_option = delete_key(self.grid_view, self.remove_option)

        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Options, and their value on each criterion"))
        layout.addWidget(self.grid_view, 1)
        layout.addWidget(self.grid_status)
        layout.addLayout(_buttons(self.add_option_button, self.remove_option_button))
        return panel

    def _fit_grid_columns(self) -> None:
        """Columns as wide as their header or values, names capped so the criteria stay in view."""
        self.grid_view.resizeColumnsToContents()
        if self.grid_model.columnCount():
            name_width = min(self.grid_view.columnWidth(OptionGridModel.NAME), 220)
            self.grid_view.setColumnWidth(OptionGridModel.NAME, name_width)

    def _results(self) -> QWidget:
        self.winner_label = QLabel()
        self.winner_label.setWordWrap(True)
        self.winner_label.setTextFormat(Qt.TextFormat.PlainText)
        self.winner_label.setStyleSheet("font-size: 14px; font-weight: 600;")
        self.robustness_label = QLabel()
        self.robustness_label.setWordWrap(True)
        self.robustness_label.setTextFormat(Qt.TextFormat.PlainText)
        self.robustness_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scores_view = _table(self.scores_model, editable=False, min_height=80)
        self.flips_view = _table(self.flips_model, editable=False, min_height=80)
        for view in (self.scores_view, self.flips_view):
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            view.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
            view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        panel = QWidget()
        panel.setMinimumWidth(420)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.winner_label)
        layout.addWidget(self.robustness_label)
        layout.addWidget(self.scores_view)
        layout.addWidget(heading("What would change the winner"))
        layout.addWidget(self.flips_view)
        layout.addStretch(1)
        return panel

    # --- selection ---------------------------------------------------------------------

    def select_decision(self, decision_id: str | None) -> None:
        self.decision_id = decision_id
        for model in (self.criteria_model, self.grid_model, self.scores_model, self.flips_model):
            model.set_decision(decision_id)
        _show(self.criteria_status, "")
        _show(self.grid_status, "")
        self.refresh_all()

    def _picked(self, row: int) -> None:
        ids = self.decisions_model.decision_ids()
        if 0 <= row < len(ids):
            self.select_decision(ids[row])

    # --- refresh -----------------------------------------------------------------------

    def refresh_data(self) -> None:
        ids = self.decisions_model.decision_ids()
        if self.decision_id not in ids:
            # Removed (or undone away): stay near where it was, else the first.
            self.decision_id = ids[min(max(self.picker.currentIndex(), 0), len(ids) - 1)] if ids else None
            for model in (self.criteria_model, self.grid_model, self.scores_model, self.flips_model):
                model.set_decision(self.decision_id)
        self.decisions_model.refresh()
        for model in (self.criteria_model, self.grid_model):
            model.refresh()
        with QSignalBlocker(self.picker):
            self.picker.setCurrentIndex(ids.index(self.decision_id) if self.decision_id in ids else -1)
        d = _decision(self.controller, self.decision_id)
        self.stack.setCurrentIndex(0 if d is None else 1)
        self.remove_decision_button.setEnabled(d is not None)
        if d is None:
            return
        if self.name_edit.text() != (d.get("name") or ""):
            self.name_edit.setText(d.get("name") or "")
        self.name_edit.setToolTip(reference_tip("decision", d["id"], "winner"))
        if self.description_edit.toPlainText() != (d.get("description") or ""):
            self.description_edit.setPlainText(d.get("description") or "")
        self._refresh_chosen(d)
        self.volume_field.set_value(d.get("annual_volume"))
        self._refresh_volume_note(d)
        self.remove_option_button.setEnabled(len(d["options"]) > 2)
        self.remove_option_button.setToolTip(
            "Remove the selected option (Delete)" if len(d["options"]) > 2
            else "A decision needs at least two options to compare")
        self.remove_criterion_button.setEnabled(bool(d["criteria"]))

    def _refresh_chosen(self, d: dict[str, Any]) -> None:
        result = _result(self.controller, d["id"])
        names = {o["id"]: o.get("name") or "Unnamed option" for o in d["options"]}
        best = f" (now {names[result.winner]})" if result is not None and result.winner in names else ""
        if result is not None and result.tied:
            others = names_and([names.get(o, o) for o in result.tied if o != result.winner])
            best = f" (now {names[result.winner]}, tied with {others})"
        with QSignalBlocker(self.chosen_combo):
            self.chosen_combo.clear()
            self.chosen_combo.addItem(f"The highest score{best}", None)
            for option_id, name in names.items():
                self.chosen_combo.addItem(name, option_id)
            at = self.chosen_combo.findData(d.get("chosen_option_id"))
            self.chosen_combo.setCurrentIndex(max(at, 0))

    def _refresh_volume_note(self, d: dict[str, Any]) -> None:
        linked = linked_opportunities(self.controller.state.data, d["id"])
        # The engine's figure when there is one; the same formula on base values otherwise.
        result = _result(self.controller, d["id"])
        if result is not None:
            volume = result.annual_volume
        else:
            plan = self.controller.state.plan()
            decision = plan.decision(d["id"])
            volume = annual_volume(decision, plan) if decision is not None else 0.0
        self.volume_field.setEnabled(not linked)
        if linked:
            names = ", ".join(f"“{o.get('name') or 'Unnamed opportunity'}”" for o in linked)
            which = "opportunity" if len(linked) == 1 else "opportunities"
            self.volume_note.setText(
                f"Set by the linked {which} {names}: {number(volume)} tasks a year at full "
                f"adoption. The number above counts only when no opportunity links this decision.")
            self.volume_note.setToolTip("12 × eligible users × adoption target × tasks per user a month, "
                                        "summed over the linked opportunities (base values)")
        else:
            self.volume_note.setText("Used for each option's cost per task in its TCO, because no "
                                     "opportunity links this decision.")
            self.volume_note.setToolTip("")

    def refresh_results(self) -> None:
        show_problems(self.banner, self.controller)
        self.decisions_model.refresh()
        for model in (self.grid_model, self.scores_model, self.flips_model):
            model.refresh()
        d = _decision(self.controller, self.decision_id)
        if d is not None:
            self._refresh_chosen(d)
            self._refresh_volume_note(d)
        self._refresh_summary(d)
        if self.isVisible():
            self._chart_timer.start()

    def _refresh_summary(self, d: dict[str, Any] | None) -> None:
        result = _result(self.controller, self.decision_id)
        if d is None or result is None:
            self.winner_label.setText("" if d is None else "Scores wait until the plan is valid.")
            problems = [] if d is None else self._decision_problem_texts(d)
            self.robustness_label.setText("\n".join(problems))
            return
        decision = self._plan_decision()
        assert decision is not None
        names = {o["id"]: o.get("name") or "Unnamed option" for o in d["options"]}
        winner = names[result.winner]
        top = QLocale().toString(result.scores[result.winner], 'f', 1)
        chosen = d.get("chosen_option_id")
        if result.tied:  # a tie is said as one: no option is "the highest" among equals
            self.winner_label.setText(f"{names_and([names[o] for o in result.tied])} tie at {top} of 100")
            lines = [tie_sentence(decision, result)]
            if chosen in result.tied:
                others = names_and([names[o] for o in result.tied if o != chosen])
                lines.append(f"You chose {names[chosen]}, which ties with {others}; linked opportunities "
                             f"use it.")
            elif chosen not in names:
                lines.append(f"Until you choose one, linked opportunities use {winner}, the first entered.")
        else:
            self.winner_label.setText(f"Highest score: {winner} ({top} of 100)")
            lines = [robustness_sentence(decision, result)]
            lines.append("A firm result: no single weight within 10 points of today's share changes it."
                         if result.robust else
                         "A close call: moving one weight by 10 points or less changes the winner.")
        if chosen in names and chosen not in (result.winner, *result.tied):
            gap = result.scores[result.winner] - result.scores[chosen]
            lines.append(f"You chose {names[chosen]}, {QLocale().toString(gap, 'f', 1)} points "
                         f"behind; linked opportunities use it.")
        self.robustness_label.setText(" ".join(lines))

    def _decision_problem_texts(self, d: dict[str, Any]) -> list[str]:
        decision = self._plan_decision()
        if decision is None:
            return []
        return [_problem_text(p) for p in decision_problems(decision)]

    def _plan(self) -> Plan:
        results = self.controller.results
        return results.plan if results is not None else self.controller.state.plan()

    def _plan_decision(self) -> Decision | None:
        return self._plan().decision(self.decision_id)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.draw_charts()

    @property
    def charts_pending(self) -> bool:
        """A redraw of the charts is waiting for typing to pause."""
        return self._chart_timer.isActive()

    def draw_charts(self) -> None:
        """Rebuild the charts if what they show changed (a hidden workspace catches up when shown)."""
        self._chart_timer.stop()
        if not self.isVisible():
            return
        result = _result(self.controller, self.decision_id)
        plan = self._plan()
        decision = plan.decision(self.decision_id)
        # Charts are rebuilt only when what they draw changed: typing a name elsewhere must not
        # cost two matplotlib figures per keystroke.
        key = (decision, result, plan.settings.horizon_years, plan.settings.currency)
        if key == self._chart_key:
            return
        self._chart_key = key
        if decision is None:
            return  # the empty page is showing
        from app import charts

        # Without a result (an invalid plan) the radar says why, and the TCO lines still draw:
        # they need only the options' costs and the volume.
        volume = result.annual_volume if result is not None else annual_volume(decision, plan)
        self.radar_chart.set_figure(charts.radar(decision, result, figsize=_figsize(self.radar_chart)))
        self.tco_chart.set_figure(charts.cumulative_tco(decision, result, plan.settings.horizon_years,
                                                        volume, plan.settings.currency,
                                                        figsize=_figsize(self.tco_chart)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        # Titles wrap to the figure's width, so a new size needs new figures (once it settles).
        self._chart_key = None
        if self.isVisible():
            self._chart_timer.start()

    # --- edits ---------------------------------------------------------------------------

    def _set_decision_field(self, field: str, value: Any, label: str) -> None:
        if self.decision_id is not None:
            self.controller.set_value("decision", self.decision_id, field, value, label)

    def _description_typed(self) -> None:
        self._set_decision_field("description", self.description_edit.toPlainText(),
                                 "decision description")

    def _chosen_picked(self, row: int) -> None:
        self._set_decision_field("chosen_option_id", self.chosen_combo.itemData(row), "chosen option")

    def _volume_edited(self, value: Any) -> None:
        if self.decision_id is None:
            return
        try:
            self.controller.set_value("decision", self.decision_id, "annual_volume", value,
                                      "tasks a year")
        except InvalidValueError as exc:
            self.volume_field.show_error(f"Tasks a year {exc}.")

    def add_decision(self) -> None:
        edits, decision_id = decision_edits.add_decision(self.controller.state.data)
        if not self.controller.edit_structure(edits, "Add decision"):
            return
        self.select_decision(decision_id)
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def remove_decision(self) -> None:
        d = _decision(self.controller, self.decision_id)
        if d is None:
            return
        self.controller.edit_structure(decision_edits.remove_decision(self.controller.state.data, d["id"]),
                                       f"Remove decision “{d.get('name') or 'Untitled'}”")

    def add_criterion(self) -> None:
        if self.decision_id is None:
            return
        edits, criterion_id = decision_edits.add_criterion(self.controller.state.data, self.decision_id)
        if not self.controller.edit_structure(edits, "Add criterion"):
            return
        row = self.criteria_model.structure().index(criterion_id)
        index = self.criteria_model.index(row, CriteriaModel.NAME)
        self.criteria_view.setCurrentIndex(index)
        self.criteria_view.setFocus()
        self.criteria_view.edit(index)
        _show(self.criteria_status, "")

    def remove_criterion(self) -> None:
        index = self.criteria_view.currentIndex()
        if self.decision_id is None or not index.isValid():
            _show(self.criteria_status, "Select the criterion to remove first.")
            return
        criteria = self.criteria_model.criteria()
        c = criteria[index.row()]
        if not any(_estimate(x.get("weight"), 1.0).base > 0 for x in criteria if x["id"] != c["id"]):
            _show(self.criteria_status, "A decision needs at least one criterion with a weight above "
                                        "zero: give another criterion a weight first.")
            return
        _show(self.criteria_status, "")
        self.controller.edit_structure(
            decision_edits.remove_criterion(self.controller.state.data, self.decision_id, c["id"]),
            f"Remove criterion “{c.get('name') or 'Unnamed'}”")

    def add_option(self) -> None:
        if self.decision_id is None:
            return
        index = self.grid_view.currentIndex()
        template = self.grid_model.option_id(index.row()) if index.isValid() else None
        edits, option_id = decision_edits.add_option(self.controller.state.data, self.decision_id, template)
        if not self.controller.edit_structure(edits, "Add option"):
            return
        row = [o["id"] for o in self.grid_model.options()].index(option_id)
        index = self.grid_model.index(row, OptionGridModel.NAME)
        self.grid_view.setCurrentIndex(index)
        self.grid_view.setFocus()
        self.grid_view.edit(index)
        _show(self.grid_status, "")

    def remove_option(self) -> None:
        index = self.grid_view.currentIndex()
        options = self.grid_model.options()
        if self.decision_id is None:
            return
        if len(options) <= 2:
            _show(self.grid_status, "A decision needs at least two options to compare.")
            return
        if not index.isValid():
            _show(self.grid_status, "Select the option to remove first.")
            return
        o = options[index.row()]
        _show(self.grid_status, "")
        self.controller.edit_structure(
            decision_edits.remove_option(self.controller.state.data, self.decision_id, o["id"]),
            f"Remove option “{o.get('name') or 'Unnamed'}”")


def _figsize(view: ChartView) -> tuple[float, float]:
    """The chart's size in inches at the builders' dpi, so their titles wrap to what is shown."""
    from app.charts import DPI

    return max(view.width(), 360) / DPI, max(view.height(), 260) / DPI


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in buttons:
        row.addWidget(widget)
    row.addStretch(1)
    return row


__all__ = [
    "ChoiceDelegate",
    "CriteriaModel",
    "DecisionsModel",
    "DecisionsWorkspace",
    "FlipsModel",
    "OptionGridModel",
    "ScoresModel",
]
