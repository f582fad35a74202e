"""The open project as the app edits it: the document plus its interchange form in memory.

Views read ``data`` (the interchange JSON of docs/file-format.md 4.5) and change it only through
``set_value`` (one field), ``apply_edits`` (adding, removing and moving objects, see
``app.edits``) or ``replace`` (a whole new project, for an import): each commits to the working
copy first and changes ``data`` only once that succeeded. They are what undo commands call.

While a scenario is active (``active_scenario``, a state of the window, not of the file),
``object``, ``value``, ``plan`` and ``calculate`` read the scenario: its overrides applied to the
base (docs/formulas.md 3.7). ``data`` stays the base, and every change is made to the base
objects; an edit meant for the scenario is an edit of its override field.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.edits import (
    Edit,
    Move,
    SetField,
    holder_of,
    override_field,
    override_target,
    put_value,
    value_of,
)
from app.edits import apply as apply_edit
from models import engine
from models.estimate import estimate_from_json
from models.kpis import CHECK_STATUSES, GATE_DECISIONS, kpi_problems
from models.limits import FIGURE, SCORE
from models.plan import Criterion as CriterionInputs
from models.plan import Decision as DecisionInputs
from models.plan import Opportunity as OpportunityInputs
from models.plan import Option as OptionInputs
from models.plan import Plan, estimate_names, plan_from_json
from models.plan import Route as RouteInputs
from models.plan import UnitModel as UnitModelInputs
from models.problems import PlanInvalid, Problem
from models.scenarios import PROJECT_FIELDS, ScenarioInvalid, apply_scenario, scenario_from_json
from models.validation import estimate_rules, value_rules

if TYPE_CHECKING:  # the ORM loads when the first change is stored, not before the window shows
    from app.document import ProjectDocument



#: Per kind, the numeric inputs a scenario may override (docs/formulas.md 3.7); option scores
#: ("scores.<criterion id>") besides.
OVERRIDABLE: dict[str, frozenset[str]] = {
    "opportunity": frozenset(estimate_names(OpportunityInputs)),
    "decision": frozenset(estimate_names(DecisionInputs)),
    "criterion": frozenset(estimate_names(CriterionInputs)),
    "option": frozenset(estimate_names(OptionInputs)),
    "unit_model": frozenset(estimate_names(UnitModelInputs)),
    "route": frozenset(estimate_names(RouteInputs)),
    "project": frozenset(PROJECT_FIELDS),
}


def overridable(kind: str, field: str) -> bool:
    """Whether a scenario may override ``field`` of an object of ``kind`` (a numeric input, or
    the settings' discount rate and budget); names, links, notes and text are shared."""
    if kind == "option" and field.startswith("scores."):
        return True
    return field in OVERRIDABLE.get(kind, frozenset())


class ScenarioValue:
    """Marks a value shown from the active scenario: ``target`` is the (kind, id, field) it
    overrides, so a field that shows it can offer to reset it without being told where it is."""

    target: tuple[str, str, str]


class _OverriddenNumber(float, ScenarioValue):
    pass


class _OverriddenEstimate(dict[str, Any], ScenarioValue):
    pass


def _marked(value: Any, target: tuple[str, str, str]) -> Any:
    marked: Any
    if isinstance(value, dict):
        marked = _OverriddenEstimate(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        marked = _OverriddenNumber(value)
    else:
        return value
    marked.target = target
    return marked


def plain(value: Any) -> Any:
    """A value without the scenario's mark (what the file and the engine hold)."""
    if isinstance(value, _OverriddenNumber):
        return float(value)
    if isinstance(value, _OverriddenEstimate):
        return dict(value)
    return value


class InvalidValueError(ValueError):
    """A value a field must not hold; the message is the plain rule it breaks."""


class ProjectState:
    def __init__(self, document: ProjectDocument) -> None:
        self.document = document
        self.data: dict[str, Any] = document.to_json()
        self._index: dict[tuple[str, str], dict[str, Any]] = {}
        #: Opportunities as the engine reads them, kept between edits (see ``plan``).
        self._built: dict[str, OpportunityInputs] = {}
        #: The scenario the window shows (its id), or None for the base.
        self._active: str | None = None
        #: The active scenario's data and index (values marked), made when first read after a change.
        self._scenario_data: dict[str, Any] | None = None
        self._scenario_index: dict[tuple[str, str], dict[str, Any]] | None = None
        self._scenario_built: dict[str, OpportunityInputs] = {}
        self._reindex()

    # --- the active scenario ------------------------------------------------------------

    @property
    def active_scenario(self) -> str | None:
        """The id of the scenario the window shows, or None for the base plan."""
        return self._active

    @active_scenario.setter
    def active_scenario(self, scenario_id: str | None) -> None:
        if scenario_id is not None and ("scenario", scenario_id) not in self._index:
            scenario_id = None  # a scenario that is gone: the base
        self._active = scenario_id
        self._scenario_changed()

    def active_name(self) -> str:
        """The active scenario's name ("Base" for the base plan)."""
        from models.scenarios import BASE_NAME

        if self._active is None:
            return BASE_NAME
        return str(self._index["scenario", self._active].get("name") or self._active)

    def _scenario_changed(self) -> None:
        self._scenario_data = None
        self._scenario_index = None
        self._scenario_built.clear()

    def _applied(self) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]] | None:
        """The active scenario's data (for the engine) and index (values marked, for the views);
        None when no scenario is active or its overrides cannot be applied (its problems say why)."""
        if self._active is None:
            return None
        if self._scenario_data is None or self._scenario_index is None:
            scenario = scenario_from_json(self._index["scenario", self._active])
            try:
                self._scenario_data = apply_scenario(self.data, scenario)
            except ScenarioInvalid:
                return None
            marked = dataclasses.replace(scenario, overrides=tuple(
                dataclasses.replace(o, value=_marked(o.value, (o.kind, o.id, o.field)))
                for o in scenario.overrides))
            self._scenario_index = _index_of(apply_scenario(self.data, marked))
        return self._scenario_data, self._scenario_index

    def overridden(self, kind: str, object_id: str, field: str) -> bool:
        """Whether the active scenario overrides this input (False on the base)."""
        if self._active is None:
            return False
        return self.override_value(kind, object_id, field) is not None

    def override_value(self, kind: str, object_id: str, field: str) -> Any:
        """The active scenario's value for an input, or None where it follows the base."""
        if self._active is None:
            return None
        return value_of(self._index["scenario", self._active], override_field(kind, object_id, field))

    def base_value(self, kind: str, object_id: str, field: str) -> Any:
        """A field's value in the base plan, whatever scenario is active."""
        return value_of(self._index[kind, object_id], field)

    # --- reading ----------------------------------------------------------------------

    def _reindex(self) -> None:
        self._index = _index_of(self.data)
        if self._active is not None and ("scenario", self._active) not in self._index:
            self._active = None  # the scenario shown was removed: the base again
        self._scenario_changed()

    def object(self, kind: str, object_id: str) -> dict[str, Any]:
        """An object as the window shows it: the active scenario's values where it overrides."""
        applied = self._applied()
        if applied is not None:
            return applied[1][kind, object_id]
        return self._index[kind, object_id]

    def base_object(self, kind: str, object_id: str) -> dict[str, Any]:
        """An object of the base plan (the one every change is made to)."""
        return self._index[kind, object_id]

    def value(self, kind: str, object_id: str, field: str) -> Any:
        """A field's JSON value; ``notes.NAME`` for a note, ``scores.CRITERION`` for a score,
        ``app.edits.override_field(...)`` for a scenario's override (None where it has none)."""
        return value_of(self.object(kind, object_id), field)

    def plan(self) -> Plan:
        """The engine's view of the project (of the active scenario if one is); only
        opportunities changed since the last call are read again (every change below drops
        the ones it touched). Raises PlanInvalid when the active scenario cannot be applied."""
        if self._active is not None:
            applied = self._applied()
            if applied is None:
                raise PlanInvalid([self._scenario_problem()])
            return plan_from_json(applied[0], self._scenario_built)
        return plan_from_json(self.data, self._built)

    def _scenario_problem(self) -> Problem:
        assert self._active is not None
        try:
            apply_scenario(self.data, scenario_from_json(self._index["scenario", self._active]))
        except ScenarioInvalid as exc:
            rule = str(exc)
        else:
            rule = "its overrides cannot be applied"
        return Problem("scenario", self._active, self.active_name(), "", rule)

    def _touched(self, kind: str, object_id: str) -> None:
        if kind in ("kpi", "launch_check"):  # held by an opportunity: that is read again
            kind, object_id = "opportunity", holder_of(self.data, kind, object_id)
        if kind == "opportunity":
            self._built.pop(object_id, None)
            self._scenario_built.pop(object_id, None)
        # The scenario's data is remade on the next read (copy-on-write: cheap); a change to a
        # scenario may change any opportunity of it, so those are read again.
        self._scenario_data = None
        self._scenario_index = None
        if kind == "scenario":
            self._scenario_built.clear()


    def problems(self) -> list[Problem]:
        from models.validation import plan_problems

        return plan_problems(self.plan())

    def calculate(self, *, monte_carlo: bool = False, with_tornado: bool = True,
                  samples: int | None = None) -> engine.PlanResults:
        """Results for the current inputs; raises PlanInvalid when a plan-level rule is broken."""
        return engine.calculate(self.plan(), monte_carlo=monte_carlo, with_tornado=with_tornado,
                                samples=samples)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    @property
    def modified(self) -> bool:
        return self.document.modified

    @property
    def path(self) -> Path | None:
        return self.document.path

    # --- changing ---------------------------------------------------------------------

    def check_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        """Raise InvalidValueError with the plain rule when ``value`` may not be stored."""
        if kind == "scenario" and field.startswith("overrides."):
            if value is not None:  # the rules of the input it replaces
                target_kind, target_id, target_field = override_target(field)
                self.check_value(target_kind, target_id, target_field, value)
            return
        if kind == "scenario" and field == "probability" and value is not None:
            if not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise InvalidValueError("must be a probability between 0% and 100%")
            return
        if kind == "correlation" and field == "rho":
            if not (isinstance(value, (int, float)) and -1 < value < 1):
                raise InvalidValueError("a rank correlation must lie strictly between -1 and 1")
            return
        if (kind == "log" and field == "date") or (kind == "project" and field == "price_date"):
            _check_date(value)
        if kind in ("kpi", "launch_check") or (kind == "opportunity" and field == "gate"):
            self._check_launch_value(kind, object_id, field, value)
            return
        if isinstance(value, (int, float, dict)) and not isinstance(value, bool):
            if field.startswith("scores."):
                self._check_score(field.split(".", 1)[1], value)
                return
            # Each number against the field's limits before anything converts it to a float
            # (an integer of 400 digits has no float).
            for number in _numbers(value):
                for rule in value_rules(field, number):
                    raise InvalidValueError(rule)
            if isinstance(value, dict):  # a plain number was checked exactly just above
                for rule in estimate_rules(estimate_from_json(value), field):
                    raise InvalidValueError(rule)

    def _check_launch_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        """A field of a KPI target, a checklist item, or an opportunity's gate: the rules import
        applies (docs/file-format.md 4.5)."""
        if kind == "kpi":
            if field == "measured_on":
                _check_date(value)
            elif field in ("metric", "direction", "target", "measured", "name", "unit"):
                for rule in kpi_problems({**self.base_object(kind, object_id), field: value}):
                    raise InvalidValueError(rule)
        elif kind == "launch_check":
            if field == "status" and value not in CHECK_STATUSES:
                raise InvalidValueError(f"a checklist item's status is one of {', '.join(CHECK_STATUSES)}")
        elif value is not None:  # the gate: a decision as recorded, or none
            if not isinstance(value, dict) or value.get("decision") not in GATE_DECISIONS:
                raise InvalidValueError(f"a gate decision is one of {', '.join(GATE_DECISIONS)}")
            _check_date(value.get("date"))
            entry = value.get("log_entry_id")
            if entry is not None and ("log", entry) not in self._index:
                raise InvalidValueError(f"no decision-log entry has the id “{entry}”")

    def _check_score(self, criterion_id: str, value: Any) -> None:
        criterion = self.base_object("criterion", criterion_id)
        kind = SCORE if (criterion.get("kind") or "score") == "score" else FIGURE
        for number in _numbers(value):
            for rule in kind.problems(number):
                raise InvalidValueError("a score must be between 1 and 5" if kind is SCORE else rule)
        est = estimate_from_json(value)
        for rule in estimate_rules(est, "scores"):
            if not rule.startswith("must"):  # the order of low, base and high
                raise InvalidValueError(rule)

    def set_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        """Store one field (after check_value): committed to the working copy first, then put
        in ``data``; a commit that fails (``DataFolderError``) leaves ``data`` as it was."""
        value = plain(value)
        self.check_value(kind, object_id, field, value)
        obj = self.base_object(kind, object_id)  # changes are made to the base, never to a view of it
        from app.state_store import write_value

        with self.document.edit() as session:
            write_value(session, kind, object_id, field, value, obj)
        put_value(obj, field, value)
        self._touched(kind, object_id)

    def apply_edits(self, edits: list[Edit]) -> None:
        """Make structural edits (built by the pure functions of ``app``): committed to the
        working copy in one transaction first, then made to ``data``; a failed commit
        (``DataFolderError``) changes neither."""
        from app.state_store import write_structure, write_value

        with self.document.edit() as session:
            for edit in edits:
                if isinstance(edit, SetField):
                    obj = self._index.get((edit.kind, edit.object_id), {})
                    write_value(session, edit.kind, edit.object_id, edit.field, edit.new, obj)
                else:
                    write_structure(session, edit)
        for edit in edits:
            apply_edit(self.data, edit)
            if not isinstance(edit, SetField) and edit.kind in ("kpi", "launch_check"):
                self._touched("opportunity", str(edit.parent_id))  # what holds it is read again
                continue
            self._touched(edit.kind, edit.object_id if isinstance(edit, (SetField, Move))
                          else str(edit.obj.get("id")))
        self._reindex()

    def replace(self, data: dict[str, Any]) -> None:
        """Replace the whole project (validated first; on error nothing changes)."""
        self.document.replace_content(data)
        self.data = copy.deepcopy(data)
        self._built.clear()
        self._reindex()

    def export_json(self) -> str:
        from app import interchange

        return interchange.dumps(self.data)


def _index_of(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, id) -> the object, for every object of the interchange data."""
    index: dict[tuple[str, str], dict[str, Any]] = {("project", ""): data["project"]}
    for o in data["opportunities"]:
        index["opportunity", o["id"]] = o
        for k in o.get("kpis") or ():
            index["kpi", k["id"]] = k
        for c in o.get("launch_checklist") or ():
            index["launch_check", c["id"]] = c
    for d in data["decisions"]:
        index["decision", d["id"]] = d
        for c in d["criteria"]:
            index["criterion", c["id"]] = c
        for o in d["options"]:
            index["option", o["id"]] = o
    for u in data["unit_models"]:
        index["unit_model", u["id"]] = u
        for r in u["routes"]:
            index["route", r["id"]] = r
    for m in data["memo"]:
        index["memo", m["id"]] = m
    for e in data["decision_log"]:
        index["log", e["id"]] = e
    for s in data.setdefault("scenarios", []):
        index["scenario", s["id"]] = s
    for c in data.setdefault("correlations", []):
        index["correlation", c["id"]] = c
    return index


def _check_date(value: Any) -> None:
    """A date field: empty, or a day written YYYY-MM-DD."""
    if not value:
        return
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidValueError("must be a date written YYYY-MM-DD") from None
    if len(str(value)) != 10:
        raise InvalidValueError("must be a date written YYYY-MM-DD")


def _numbers(value: Any) -> list[Any]:
    """The numbers of a plain number or an estimate object (anything else checks nothing)."""
    parts = [value.get(k) for k in ("base", "low", "high")] if isinstance(value, dict) else [value]
    return [p for p in parts if isinstance(p, (int, float)) and not isinstance(p, bool)]


__all__ = ["OVERRIDABLE", "InvalidValueError", "PlanInvalid", "ProjectState", "ScenarioValue",
           "overridable", "plain"]
