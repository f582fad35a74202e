"""Adding, removing and moving objects: one undo step each that changes only the rows concerned,
and undo and redo give back exactly the project before and after (in memory and on disk)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from app import decision_edits, launch_edits, memo_edits, opportunity_edits, scenario_edits, unit_model_edits
from app.document import ProjectDocument
from app.edits import Edit, Move, SetField
from app.interchange import dumps, export_project, validate
from app.project_state import ProjectState
from models import catalog

Data = dict[str, Any]
Step = Callable[[Data], list[Edit]]


def _first(key: str, n: int = 0) -> Callable[[Data], str]:
    return lambda data: str(data[key][n]["id"])


def _linked_unit(data: Data) -> str:
    return next(str(o["unit_model_id"]) for o in data["opportunities"] if o.get("unit_model_id"))


def _linked_decision(data: Data) -> str:
    return next(str(o["decision_id"]) for o in data["opportunities"] if o.get("decision_id"))


def _unit_with_routes(data: Data) -> Data:
    return next(u for u in data["unit_models"] if len(u["routes"]) >= 2)


def _chosen(data: Data) -> tuple[str, str]:
    d = next(d for d in data["decisions"] if d.get("chosen_option_id"))
    return d["id"], d["chosen_option_id"]


def _middle_criterion(data: Data) -> tuple[str, str]:
    d = next(d for d in data["decisions"] if len(d["criteria"]) >= 3)
    return d["id"], d["criteria"][1]["id"]


STEPS: dict[str, Step] = {
    "add an opportunity": lambda d: opportunity_edits.add_opportunity(d)[0],
    "add an opportunity first": lambda d: opportunity_edits.add_opportunity(d, 0)[0],
    "remove an opportunity": lambda d: opportunity_edits.remove_opportunity(d, _first("opportunities", 1)(d)),
    "move an opportunity": lambda d: opportunity_edits.move_opportunity(d, _first("opportunities")(d), 2),
    "add a unit model": lambda d: unit_model_edits.add_unit_model(d)[0],
    "remove a linked unit model": lambda d: unit_model_edits.remove_unit_model(d, _linked_unit(d)),
    "move a unit model": lambda d: unit_model_edits.move_unit_model(d, _first("unit_models")(d), 5),
    "add a route": lambda d: unit_model_edits.add_route(d, _first("unit_models")(d))[0],
    "add a catalog route": lambda d: unit_model_edits.add_route(
        d, _first("unit_models")(d), catalog.all_models()[0])[0],
    "remove a route": lambda d: unit_model_edits.remove_route(
        d, _unit_with_routes(d)["id"], _unit_with_routes(d)["routes"][0]["id"]),
    "move a route": lambda d: unit_model_edits.move_route(
        d, _unit_with_routes(d)["id"], _unit_with_routes(d)["routes"][0]["id"], 1),
    "price a route from the catalog": lambda d: unit_model_edits.use_catalog_model(
        d, _unit_with_routes(d)["routes"][0]["id"], catalog.all_models()[-1]),
    "add a memo section": lambda d: memo_edits.add_section(d, _first("memo")(d))[0],
    "remove a memo section": lambda d: memo_edits.remove_section(d, _first("memo", 1)(d)),
    "move a memo section": lambda d: memo_edits.move_section(d, _first("memo")(d), 2),
    "add a log entry": lambda d: memo_edits.add_log_entry(d)[0],
    "remove two log entries": lambda d: memo_edits.remove_log_entries(
        d, [e["id"] for e in d["decision_log"][:2]]),
    "add a decision": lambda d: decision_edits.add_decision(d)[0],
    "remove a linked decision": lambda d: decision_edits.remove_decision(d, _linked_decision(d)),
    "add a criterion": lambda d: decision_edits.add_criterion(d, _first("decisions")(d))[0],
    "remove a middle criterion": lambda d: decision_edits.remove_criterion(d, *_middle_criterion(d)),
    "make a criterion a TCO criterion": lambda d: decision_edits.set_criterion_kind(
        d, *_middle_criterion(d), "tco"),
    "add an option": lambda d: decision_edits.add_option(
        d, _first("decisions")(d), d["decisions"][0]["options"][0]["id"])[0],
    "remove the chosen option": lambda d: decision_edits.remove_option(d, *_chosen(d)),
    # Scenarios and correlations: an override is one field of its scenario; removing an object
    # takes the overrides and correlations that name it in the same step.
    "add a scenario": lambda d: scenario_edits.add_scenario(d)[0],
    "duplicate a scenario": lambda d: scenario_edits.duplicate_scenario(d, _first("scenarios")(d))[0],
    "remove a scenario": lambda d: scenario_edits.remove_scenario(d, _first("scenarios")(d)),
    "override an input in a scenario": lambda d: scenario_edits.set_override(
        d, _first("scenarios")(d), ("opportunity", _first("opportunities", 4)(d), "value_per_success"),
        {"base": 3, "low": 2, "high": 5, "dist": "triangular"}),
    "override the budget in a scenario": lambda d: scenario_edits.set_override(
        d, _first("scenarios")(d), ("project", "", "budget"), 600000),
    "reset a scenario's overrides": lambda d: scenario_edits.reset_scenario(d, _first("scenarios")(d)),
    "add a correlation": lambda d: scenario_edits.add_correlation(
        d, ("opportunity", _first("opportunities", 4)(d), "adoption_target"),
        ("opportunity", _first("opportunities", 3)(d), "adoption_target"), -0.3)[0],
    "remove a correlation": lambda d: scenario_edits.remove_correlation(d, _first("correlations")(d)),
    "remove an opportunity a scenario and a correlation name": lambda d: opportunity_edits.remove_opportunity(
        d, _overridden_and_correlated(d)),
    # Launch gates (formulas.md 3.10): KPIs and checklist items are held by their opportunity;
    # a gate decision writes its decision-log entry in the same step.
    "add a KPI": lambda d: launch_edits.add_kpi(d, _first("opportunities")(d), "cost_per_task")[0],
    "remove a KPI": lambda d: launch_edits.remove_kpi(d, d["opportunities"][0]["kpis"][1]["id"]),
    "add a checklist item": lambda d: launch_edits.add_check(d, _first("opportunities", 3)(d))[0],
    "move a KPI": lambda d: [Move("kpi", _first("opportunities")(d), d["opportunities"][0]["kpis"][0]["id"],
                                  0, len(d["opportunities"][0]["kpis"]) - 1)],
    "set a KPI's measurement": lambda d: [SetField("kpi", d["opportunities"][0]["kpis"][0]["id"], "measured",
                                                   d["opportunities"][0]["kpis"][0]["measured"], None)],
    "tick a checklist item": lambda d: [SetField(
        "launch_check", d["opportunities"][0]["launch_checklist"][0]["id"], "status",
        d["opportunities"][0]["launch_checklist"][0]["status"], "waived")],
    "remove a checklist item": lambda d: launch_edits.remove_check(
        d, d["opportunities"][0]["launch_checklist"][0]["id"]),
    "add the usual checklist": lambda d: launch_edits.default_checklist(d, _first("opportunities", 4)(d)),
    "record a gate decision": lambda d: launch_edits.record_gate(
        d, _first("opportunities")(d), "conditional", "VP Support", "2026-12-01", "Privacy review first"),
    "remove an opportunity with KPIs, a checklist and a gate": lambda d: opportunity_edits.remove_opportunity(
        d, next(o["id"] for o in d["opportunities"] if o.get("gate"))),
    "remove the log entry a gate wrote": lambda d: memo_edits.remove_log_entries(
        d, [next(o["gate"]["log_entry_id"] for o in d["opportunities"] if o.get("gate"))]),
}


def _overridden_and_correlated(data: Data) -> str:
    overridden = {o["id"] for s in data["scenarios"] for o in s["overrides"] if o["kind"] == "opportunity"}
    return next(c["a"]["id"] for c in data["correlations"] if c["a"]["id"] in overridden)


def test_removing_an_object_takes_what_names_it_with_it(state: ProjectState) -> None:
    from app.edits import inverse

    doomed = _overridden_and_correlated(state.data)
    unit = next(u for u in state.data["unit_models"]
                if any(o["kind"] == "route" and o["id"] in {r["id"] for r in u["routes"]}
                       for s in state.data["scenarios"] for o in s["overrides"]))
    before = state.export_json()
    edits = opportunity_edits.remove_opportunity(state.data, doomed)
    state.apply_edits(edits)
    more = unit_model_edits.remove_unit_model(state.data, unit["id"])
    state.apply_edits(more)
    edits += more
    named = [o["id"] for s in state.data["scenarios"] for o in s["overrides"]]
    named += [c[end]["id"] for c in state.data["correlations"] for end in ("a", "b")]
    assert doomed not in named and not {r["id"] for r in unit["routes"]} & set(named)
    validate(state.data)  # the file is still a valid project: nothing points at nothing
    state.apply_edits(inverse(edits))
    assert state.export_json() == before == stored(state)


def test_an_override_is_checked_by_the_rules_of_the_input_it_replaces(state: ProjectState) -> None:
    from app.edits import override_field
    from app.project_state import InvalidValueError

    scenario = state.data["scenarios"][0]["id"]
    target = override_field("opportunity", state.data["opportunities"][0]["id"], "adoption_target")
    with pytest.raises(InvalidValueError, match="100%"):
        state.set_value("scenario", scenario, target, 1.5)
    with pytest.raises(InvalidValueError, match="between -1 and 1"):
        state.set_value("correlation", state.data["correlations"][0]["id"], "rho", 1.0)
    before = state.export_json()
    assert before == stored(state)  # nothing was stored on the way


@pytest.fixture
def state(sample: Data) -> Iterator[ProjectState]:
    with ProjectDocument.from_data(sample) as document:
        yield ProjectState(document)


def stored(state: ProjectState) -> str:
    """The project as the working copy holds it, read by a fresh session."""
    with state.document.session() as session:
        return dumps(export_project(session))


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_edit_and_its_undo_give_back_the_exact_project(state: ProjectState, name: str) -> None:
    from app.edits import inverse

    before = state.export_json()
    edits = STEPS[name](state.data)
    assert edits
    state.apply_edits(edits)
    after = state.export_json()
    assert after != before and after == stored(state)
    validate(state.data)
    state.apply_edits(inverse(edits))
    assert state.export_json() == before == stored(state)
    state.apply_edits(edits)
    assert state.export_json() == after == stored(state)


def test_removing_a_unit_model_unlinks_its_opportunities_in_the_same_step(state: ProjectState) -> None:
    from app.edits import inverse

    unit = _linked_unit(state.data)
    linked = [o["id"] for o in state.data["opportunities"] if o.get("unit_model_id") == unit]
    edits = unit_model_edits.remove_unit_model(state.data, unit)
    state.apply_edits(edits)
    assert all(state.object("opportunity", o)["unit_model_id"] is None for o in linked)
    state.apply_edits(inverse(edits))
    assert all(state.object("opportunity", o)["unit_model_id"] == unit for o in linked)


def _rows_written(state: ProjectState, edits: list[Edit]) -> int:
    written = 0

    def count(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal written
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            written += max(cursor.rowcount, 0)

    event.listen(state.document.engine, "after_cursor_execute", count)
    try:
        state.apply_edits(edits)
    finally:
        event.remove(state.document.engine, "after_cursor_execute", count)
    return written


def test_an_edit_writes_only_the_rows_it_concerns(sample: Data) -> None:
    from tests.benchmarks.plans import scaled_sample

    with ProjectDocument.from_data(scaled_sample(500)) as document:
        state = ProjectState(document)
        edits, _ = opportunity_edits.add_opportunity(state.data)
        assert _rows_written(state, edits) == 1
        last = state.data["opportunities"][-1]["id"]
        assert _rows_written(state, opportunity_edits.remove_opportunity(state.data, last)) == 1


def test_a_structural_edit_the_disk_refuses_changes_nothing(state: ProjectState) -> None:
    from app.errors import DataFolderError

    def refuse(_connection: Any) -> None:
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise error

    before = state.export_json()
    edits = unit_model_edits.remove_unit_model(state.data, _linked_unit(state.data))
    event.listen(state.document.engine, "commit", refuse)
    try:
        with pytest.raises(DataFolderError):
            state.apply_edits(edits)
    finally:
        event.remove(state.document.engine, "commit", refuse)
    assert state.export_json() == before == stored(state)


def test_new_ids_come_from_the_whole_project(state: ProjectState) -> None:
    from app.ids import all_ids

    for add in (opportunity_edits.add_opportunity, unit_model_edits.add_unit_model,
                memo_edits.add_log_entry, decision_edits.add_decision):
        state.apply_edits(add(state.data)[0])
    ids = list(all_ids(state.data))
    assert len(ids) == len(set(ids))
