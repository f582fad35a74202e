"""How the project state's changes are written to the working copy: one field of one row, or
an object inserted, removed or moved with the positions of its list (the ORM side of
``app.project_state``, loaded when the first change is stored)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, true, update
from sqlalchemy.orm import Session

from app import interchange
from app.edits import Insert, Move, Remove, override_target
from models.estimate import Estimate, estimate_from_json
from models.schema import (
    Base,
    Correlation,
    Criterion,
    Decision,
    DecisionLogEntry,
    KpiTarget,
    LaunchCheck,
    LaunchGate,
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

#: Object kinds the views address, their table and where they live in the JSON.
TABLES: dict[str, type[Base]] = {
    "project": Project, "opportunity": Opportunity, "decision": Decision, "criterion": Criterion,
    "option": Option, "unit_model": UnitModel, "route": Route, "memo": MemoSection,
    "log": DecisionLogEntry, "scenario": Scenario, "correlation": Correlation,
    "kpi": KpiTarget, "launch_check": LaunchCheck,
}


def write_value(session: Session, kind: str, object_id: str, field: str, value: Any,
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
    if kind == "opportunity" and field == "gate":  # the gate decision: its own row, or none
        gate = session.get(LaunchGate, object_id)
        if gate is not None:
            session.delete(gate)
            session.flush()
        if value:
            session.add(LaunchGate(**interchange.gate_columns(value, object_id)))
        return
    if kind == "kpi" and field == "note":
        kpi = session.get(KpiTarget, object_id)
        assert kpi is not None, object_id
        kpi.note_text = value or ""
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
    if kind == "route" and field == "tiers":  # a list, kept as JSON text
        row.tiers = interchange.tiers_text(value)  # type: ignore[attr-defined]
        return
    current = getattr(row, field)
    if isinstance(current, Estimate):
        setattr(row, field, estimate_from_json(value, current.base))
    else:
        setattr(row, field, value)


#: The column that ties a nested object to the object whose list holds it.
_PARENT_COLUMNS = {"route": "unit_model_id", "criterion": "decision_id", "option": "decision_id",
                   "kpi": "opportunity_id", "launch_check": "opportunity_id"}


def write_structure(session: Session, edit: Insert | Remove | Move) -> None:
    """One insert, removal or move in the working copy: the rows of the object (and those it
    holds), and the positions of its list, which stay 0..n-1 in the list's order."""
    table: Any = TABLES[edit.kind]  # every listed table has ``id`` and ``position`` columns
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


def _number_positions(session: Session, table: Any, in_list: Any) -> None:
    """Positions 0..n-1 in the list's order (a file from elsewhere may have gaps or ties)."""
    # Counted in SQLite first: a list already numbered 0..n-1 (after the first edit, always)
    # needs no rows read into Python.
    count, distinct, low, high = session.execute(
        select(func.count(), func.count(table.position.distinct()), func.min(table.position),
               func.max(table.position)).where(in_list)).one()
    if count == 0 or (distinct == count and low == 0 and high == count - 1):
        return
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


