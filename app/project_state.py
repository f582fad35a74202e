"""The open project as the app edits it: the document plus its interchange form in memory.

Views read ``data`` (the interchange JSON of docs/file-format.md 4.5) and change it only through
``set_value`` (one field), ``apply_edits`` (adding, removing and moving objects, see
``app.edits``) or ``replace`` (a whole new project, for an import): each commits to the working
copy first and changes ``data`` only once that succeeded. They are what undo commands call.
"""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, true, update
from sqlalchemy.orm import Session

from app import interchange
from app.document import ProjectDocument
from app.edits import Edit, Insert, Move, Remove, SetField, override_target, put_value, value_of
from app.edits import apply as apply_edit
from models import engine
from models.estimate import Estimate, estimate_from_json
from models.limits import FIGURE, SCORE
from models.plan import Opportunity as OpportunityInputs
from models.plan import Plan, plan_from_json
from models.problems import PlanInvalid, Problem
from models.schema import (
    Base,
    Correlation,
    Criterion,
    Decision,
    DecisionLogEntry,
    MemoSection,
    Opportunity,
    Option,
    OptionScore,
    Project,
    Route,
    Scenario,
    ScenarioOverride,
    UnitModel,
)
from models.validation import estimate_rules, value_rules

#: Object kinds the views address, their table and where they live in the JSON.
TABLES: dict[str, type[Base]] = {
    "project": Project, "opportunity": Opportunity, "decision": Decision, "criterion": Criterion,
    "option": Option, "unit_model": UnitModel, "route": Route, "memo": MemoSection,
    "log": DecisionLogEntry, "scenario": Scenario, "correlation": Correlation,
}


class InvalidValueError(ValueError):
    """A value a field must not hold; the message is the plain rule it breaks."""


class ProjectState:
    def __init__(self, document: ProjectDocument) -> None:
        self.document = document
        self.data: dict[str, Any] = document.to_json()
        self._index: dict[tuple[str, str], dict[str, Any]] = {}
        #: Opportunities as the engine reads them, kept between edits (see ``plan``).
        self._built: dict[str, OpportunityInputs] = {}
        self._reindex()

    # --- reading ----------------------------------------------------------------------

    def _reindex(self) -> None:
        index: dict[tuple[str, str], dict[str, Any]] = {("project", ""): self.data["project"]}
        for o in self.data["opportunities"]:
            index["opportunity", o["id"]] = o
        for d in self.data["decisions"]:
            index["decision", d["id"]] = d
            for c in d["criteria"]:
                index["criterion", c["id"]] = c
            for o in d["options"]:
                index["option", o["id"]] = o
        for u in self.data["unit_models"]:
            index["unit_model", u["id"]] = u
            for r in u["routes"]:
                index["route", r["id"]] = r
        for m in self.data["memo"]:
            index["memo", m["id"]] = m
        for e in self.data["decision_log"]:
            index["log", e["id"]] = e
        for s in self.data.setdefault("scenarios", []):
            index["scenario", s["id"]] = s
        for c in self.data.setdefault("correlations", []):
            index["correlation", c["id"]] = c
        self._index = index

    def object(self, kind: str, object_id: str) -> dict[str, Any]:
        return self._index[kind, object_id]

    def value(self, kind: str, object_id: str, field: str) -> Any:
        """A field's JSON value; ``notes.NAME`` for a note, ``scores.CRITERION`` for a score,
        ``app.edits.override_field(...)`` for a scenario's override (None where it has none)."""
        return value_of(self.object(kind, object_id), field)

    def plan(self) -> Plan:
        """The engine's view of the project; only opportunities changed since the last call
        are read again (every change below drops the ones it touched)."""
        return plan_from_json(self.data, self._built)

    def _touched(self, kind: str, object_id: str) -> None:
        if kind == "opportunity":
            self._built.pop(object_id, None)

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
        if kind == "log" and field == "date" and value:
            try:
                datetime.date.fromisoformat(str(value))
            except ValueError:
                raise InvalidValueError("must be a date written YYYY-MM-DD") from None
            if len(str(value)) != 10:
                raise InvalidValueError("must be a date written YYYY-MM-DD")
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

    def _check_score(self, criterion_id: str, value: Any) -> None:
        criterion = self.object("criterion", criterion_id)
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
        self.check_value(kind, object_id, field, value)
        obj = self.object(kind, object_id)
        with self.document.edit() as session:
            _write_value(session, kind, object_id, field, value, obj)
        put_value(obj, field, value)
        self._touched(kind, object_id)

    def apply_edits(self, edits: list[Edit]) -> None:
        """Make structural edits (built by the pure functions of ``app``): committed to the
        working copy in one transaction first, then made to ``data``; a failed commit
        (``DataFolderError``) changes neither."""
        with self.document.edit() as session:
            for edit in edits:
                if isinstance(edit, SetField):
                    obj = self._index.get((edit.kind, edit.object_id), {})
                    _write_value(session, edit.kind, edit.object_id, edit.field, edit.new, obj)
                else:
                    _write_structure(session, edit)
        for edit in edits:
            apply_edit(self.data, edit)
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
        return interchange.dumps(self.data)


def _write_value(session: Session, kind: str, object_id: str, field: str, value: Any,
                 obj: dict[str, Any]) -> None:
    """One field of one row, as ``set_value`` stores it (``data`` is not touched here)."""
    if kind == "scenario" and field.startswith("overrides."):
        key = (object_id, *override_target(field))
        override = session.get(ScenarioOverride, key)
        if value is None:
            if override is not None:
                session.delete(override)
        elif override is None:
            added = interchange.override_row({"kind": key[1], "id": key[2], "field": key[3], "value": value})
            added.scenario_id = object_id
            session.add(added)
        else:
            override.value = estimate_from_json(value, 0.0)
        return
    if kind == "correlation" and field in ("a", "b", "note"):
        correlation = session.get(Correlation, object_id)
        assert correlation is not None, object_id
        if field == "note":
            correlation.reason = value or ""
        else:
            setattr(correlation, f"{field}_kind", value["kind"])
            setattr(correlation, f"{field}_id", value.get("id") or "")
            setattr(correlation, f"{field}_field", value["field"])
        return
    if field.startswith("scores."):
        criterion_id = field.split(".", 1)[1]
        score = session.get(OptionScore, (object_id, criterion_id))
        if value is None:  # the option has no value for that criterion (it is being removed)
            if score is not None:
                session.delete(score)
            return
        if score is None:
            score = OptionScore(option_id=object_id, criterion_id=criterion_id,
                                position=len(obj.get("scores") or {}))
            session.add(score)
        score.value = estimate_from_json(value)
        return
    row = session.get(TABLES[kind], 1 if kind == "project" else object_id)
    assert row is not None, (kind, object_id)
    if field.startswith("notes."):
        name = field.split(".", 1)[1]
        if name.startswith("scores."):
            score = session.get(OptionScore, (object_id, name.split(".", 1)[1]))
            if score is not None:
                score.value_note = value or ""
        else:
            row.set_note(name, value or "")
        return
    current = getattr(row, field)
    if isinstance(current, Estimate):
        setattr(row, field, estimate_from_json(value, current.base))
    else:
        setattr(row, field, value)


#: The column that ties a nested object to the object whose list holds it.
_PARENT_COLUMNS = {"route": "unit_model_id", "criterion": "decision_id", "option": "decision_id"}


def _write_structure(session: Session, edit: Insert | Remove | Move) -> None:
    """One insert, removal or move in the working copy: the rows of the object (and those it
    holds), and the positions of its list, which stay 0..n-1 in the list's order."""
    table = TABLES[edit.kind]
    column = _PARENT_COLUMNS.get(edit.kind)
    in_list = getattr(table, column) == edit.parent_id if column else true()
    _number_positions(session, table, in_list)
    if isinstance(edit, Insert):
        session.execute(update(table).where(in_list, table.position >= edit.index)
                        .values(position=table.position + 1))
        session.add(_new_row(edit.kind, edit.obj, edit.parent_id, edit.index))
        session.flush()
    elif isinstance(edit, Remove):
        # Rows it holds (routes, criteria, options, scores) go with it by the schema's cascade.
        session.execute(delete(table).where(table.id == edit.obj["id"]))
        session.execute(update(table).where(in_list, table.position > edit.index)
                        .values(position=table.position - 1))
    else:
        old, new = edit.old_index, edit.new_index
        if new > old:
            shift = update(table).where(in_list, table.position > old, table.position <= new)
            session.execute(shift.values(position=table.position - 1))
        else:
            shift = update(table).where(in_list, table.position >= new, table.position < old)
            session.execute(shift.values(position=table.position + 1))
        session.execute(update(table).where(table.id == edit.object_id).values(position=new))


def _number_positions(session: Session, table: type[Base], in_list: Any) -> None:
    """Positions 0..n-1 in the list's order (a file from elsewhere may have gaps or ties)."""
    rows = session.execute(select(table.id, table.position).where(in_list)
                           .order_by(table.position, table.id)).all()
    for i, (row_id, position) in enumerate(rows):
        if position != i:
            session.execute(update(table).where(table.id == row_id).values(position=i))


def _new_row(kind: str, obj: dict[str, Any], parent_id: str | None, position: int) -> Base:
    """The row of one object, as import makes it, placed under its parent."""
    row = interchange.new_row(kind, obj, position)
    if parent_id is not None:
        setattr(row, _PARENT_COLUMNS[kind], parent_id)
    return row


def _numbers(value: Any) -> list[Any]:
    """The numbers of a plain number or an estimate object (anything else checks nothing)."""
    parts = [value.get(k) for k in ("base", "low", "high")] if isinstance(value, dict) else [value]
    return [p for p in parts if isinstance(p, (int, float)) and not isinstance(p, bool)]


__all__ = ["InvalidValueError", "PlanInvalid", "ProjectState", "TABLES"]
