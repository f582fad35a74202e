"""KPI targets, launch checklists and gate decisions as undoable edits (docs/formulas.md 3.10):
each edit is one step whose undo gives back the exact project, in memory and in the working copy."""

from __future__ import annotations

import copy
import re
import sqlite3
from typing import Any

import pytest

from app import launch_edits, memo_edits, opportunity_edits
from app.edits import Edit, Insert, Move, SetField, inverse
from app.ids import all_ids
from app.interchange import validate
from app.project_state import InvalidValueError, ProjectState
from models.kpis import METRICS, kpi_from_json
from tests.app import test_structural_edits as structural

Data = dict[str, Any]
#: The same project state and working-copy reading as the other structural edits' tests.
state = structural.state
stored = structural.stored
COPILOT, TRIAGE = "opp-support-copilot", "opp-ticket-triage"


def opportunity(state: ProjectState, opportunity_id: str) -> Data:
    return next(o for o in state.data["opportunities"] if o["id"] == opportunity_id)


def without_checklist(state: ProjectState) -> str:
    return next(o["id"] for o in state.data["opportunities"] if not o["launch_checklist"])


def round_trip(state: ProjectState, edits: list[Edit]) -> str:
    """Apply ``edits``, undo them, redo them: each time the export and the working copy agree,
    and the undo gives back the project exactly. Returns the export after the edits."""
    before = state.export_json()
    assert edits
    state.apply_edits(edits)
    after = state.export_json()
    assert after != before and after == stored(state)
    validate(state.data)
    state.apply_edits(inverse(edits))
    assert state.export_json() == before == stored(state)
    state.apply_edits(edits)
    assert state.export_json() == after == stored(state)
    return after


def rows(state: ProjectState, table: str, opportunity_id: str) -> int:
    with sqlite3.connect(state.document.working_path) as con:
        count = con.execute(f"SELECT count(*) FROM {table} WHERE opportunity_id = ?",
                            (opportunity_id,)).fetchone()[0]
    return int(count)


# --- KPI targets ------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["cost_per_task", "latency_p95_s", "adoption_rate"])
def test_a_new_kpi_takes_the_catalogues_unit_and_direction(state: ProjectState, metric: str) -> None:
    count = len(opportunity(state, COPILOT)["kpis"])
    edits, kpi_id = launch_edits.add_kpi(state.data, COPILOT, metric)
    assert re.fullmatch(r"kpi-\d+", kpi_id) and len(edits) == 1
    round_trip(state, edits)
    kpis = opportunity(state, COPILOT)["kpis"]
    assert len(kpis) == count + 1 and kpis[-1]["id"] == kpi_id  # last of the opportunity's
    known = METRICS[metric]
    assert kpis[-1] == {"id": kpi_id, "metric": metric, "name": "", "unit": known.unit,
                        "direction": known.direction, "target": 0, "window": "", "eval_set": "",
                        "measured": None, "measured_on": "", "note": ""}
    assert kpi_from_json(kpis[-1]).label == known.label


def test_a_custom_kpi_is_named_so_the_pm_sees_where_to_type(state: ProjectState) -> None:
    edits, kpi_id = launch_edits.add_kpi(state.data, without_checklist(state), "custom")
    round_trip(state, edits)
    kpi = state.object("kpi", kpi_id)
    assert kpi["metric"] == "custom" and kpi["name"] and kpi["direction"] == "at_least"


def test_removing_a_kpi_and_its_undo(state: ProjectState) -> None:
    kpis = list(opportunity(state, COPILOT)["kpis"])
    middle = kpis[1]["id"]
    round_trip(state, launch_edits.remove_kpi(state.data, middle))
    assert middle not in [k["id"] for k in opportunity(state, COPILOT)["kpis"]]
    assert rows(state, "kpis", COPILOT) == len(kpis) - 1


def test_moving_a_kpi_within_its_opportunity(state: ProjectState) -> None:
    kpis = list(opportunity(state, COPILOT)["kpis"])
    first = kpis[0]["id"]
    round_trip(state, [Move("kpi", COPILOT, first, 0, len(kpis) - 1)])
    assert opportunity(state, COPILOT)["kpis"][-1]["id"] == first


@pytest.mark.parametrize(("field", "value"), [
    ("target", 0.01), ("measured", 0.03), ("measured", None), ("measured_on", "2026-12-01"),
    ("measured_on", ""), ("eval_set", "golden set v4"), ("window", "first 90 days"),
    ("note", "Graded by three reviewers."), ("direction", "at_least"), ("name", "Hallucinations"),
])
def test_each_field_of_a_kpi_is_one_undoable_step(state: ProjectState, field: str, value: Any) -> None:
    kpi = copy.deepcopy(opportunity(state, COPILOT)["kpis"][0])
    edits: list[Edit] = [SetField("kpi", kpi["id"], field, kpi[field], value)]
    after = round_trip(state, edits)
    assert state.object("kpi", kpi["id"])[field] == value
    # A value typed in a cell takes the same path, checked first.
    state.apply_edits(inverse(edits))
    state.set_value("kpi", kpi["id"], field, value)
    assert state.export_json() == after == stored(state)


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("target", 1.5, "fraction between 0% and 100%"),  # the hallucination rate is a fraction
    ("measured", -0.1, "fraction between 0% and 100%"),
    ("target", None, "needs a target"),
    ("measured_on", "20/11/2026", "YYYY-MM-DD"),
    ("direction", "sideways", "at_least or at_most"),
    ("metric", "happiness", "not one the app knows"),
])
def test_a_kpi_value_import_would_refuse_is_not_stored(
    state: ProjectState, field: str, value: Any, rule: str
) -> None:
    kpi_id = opportunity(state, COPILOT)["kpis"][0]["id"]
    before = state.export_json()
    with pytest.raises(InvalidValueError, match=re.escape(rule)):
        state.set_value("kpi", kpi_id, field, value)
    assert state.export_json() == before == stored(state)


def test_a_custom_kpi_keeps_its_name_and_a_latency_may_exceed_one(state: ProjectState) -> None:
    edits, kpi_id = launch_edits.add_kpi(state.data, COPILOT, "custom")
    state.apply_edits(edits)
    with pytest.raises(InvalidValueError, match="needs a name"):
        state.set_value("kpi", kpi_id, "name", "")
    latency = next(k["id"] for k in opportunity(state, COPILOT)["kpis"] if k["metric"] == "latency_p95_s")
    state.set_value("kpi", latency, "measured", 4.2)  # seconds, not a fraction
    assert state.object("kpi", latency)["measured"] == 4.2 and state.export_json() == stored(state)


# --- launch checklists ------------------------------------------------------------------------


def test_a_new_checklist_item_is_last_and_to_do(state: ProjectState) -> None:
    items = len(opportunity(state, COPILOT)["launch_checklist"])
    edits, check_id = launch_edits.add_check(state.data, COPILOT, "Load test at twice the peak")
    assert re.fullmatch(r"check-\d+", check_id)
    round_trip(state, edits)
    item = opportunity(state, COPILOT)["launch_checklist"][-1]
    assert len(opportunity(state, COPILOT)["launch_checklist"]) == items + 1
    assert item == {"id": check_id, "text": "Load test at twice the peak", "owner": "", "status": "todo",
                    "evidence": ""}


def test_removing_a_checklist_item_and_its_undo(state: ProjectState) -> None:
    items = list(opportunity(state, COPILOT)["launch_checklist"])
    doomed = items[2]["id"]
    round_trip(state, launch_edits.remove_check(state.data, doomed))
    assert doomed not in [c["id"] for c in opportunity(state, COPILOT)["launch_checklist"]]
    assert rows(state, "launch_checks", COPILOT) == len(items) - 1


@pytest.mark.parametrize(("field", "value"), [
    ("status", "done"), ("status", "waived"), ("owner", "Data protection officer"),
    ("evidence", "DPIA signed 2026-12-02"), ("text", "Privacy impact assessment (EU)"),
])
def test_each_field_of_a_checklist_item_is_one_undoable_step(
    state: ProjectState, field: str, value: Any
) -> None:
    item = next(c for c in opportunity(state, COPILOT)["launch_checklist"] if c["status"] == "doing")
    round_trip(state, [SetField("launch_check", item["id"], field, item[field], value)])
    assert state.object("launch_check", item["id"])[field] == value


def test_a_checklist_status_outside_the_list_is_not_stored(state: ProjectState) -> None:
    item = opportunity(state, COPILOT)["launch_checklist"][0]["id"]
    before = state.export_json()
    with pytest.raises(InvalidValueError, match="todo, doing, done, waived"):
        state.set_value("launch_check", item, "status", "finished")
    assert state.export_json() == before == stored(state)


def test_the_usual_checklist_is_added_in_one_step_and_only_once(state: ProjectState) -> None:
    target = without_checklist(state)
    edits = launch_edits.default_checklist(state.data, target)
    assert len(edits) == len(launch_edits.DEFAULT_CHECKLIST) and all(isinstance(e, Insert) for e in edits)
    round_trip(state, edits)
    items = opportunity(state, target)["launch_checklist"]
    assert [c["text"] for c in items] == list(launch_edits.DEFAULT_CHECKLIST)
    assert {c["status"] for c in items} == {"todo"}
    assert all(re.fullmatch(r"check-\d+", c["id"]) for c in items)
    ids = list(all_ids(state.data))
    assert len(ids) == len(set(ids))
    assert launch_edits.default_checklist(state.data, target) == []  # every item is there already
    # The support copilot has the usual list, partly done: nothing is added twice.
    assert launch_edits.default_checklist(state.data, COPILOT) == []


def test_the_usual_checklist_adds_only_what_is_missing(state: ProjectState) -> None:
    search = "opp-knowledge-search"
    have = [c["text"] for c in opportunity(state, search)["launch_checklist"]]
    round_trip(state, launch_edits.default_checklist(state.data, search))
    texts = [c["text"] for c in opportunity(state, search)["launch_checklist"]]
    assert texts[:len(have)] == have and sorted(texts) == sorted(launch_edits.DEFAULT_CHECKLIST)


# --- gate decisions ---------------------------------------------------------------------------


def test_a_gate_decision_writes_the_decision_log_in_the_same_step(state: ProjectState) -> None:
    before = state.export_json()
    log = len(state.data["decision_log"])
    assert opportunity(state, COPILOT)["gate"] is None
    edits = launch_edits.record_gate(state.data, COPILOT, "conditional", "VP Support; CISO", "2026-11-28",
                                     "Latency P95 under 3 s before general availability")
    round_trip(state, edits)
    gate = opportunity(state, COPILOT)["gate"]
    entry = state.data["decision_log"][-1]
    assert len(state.data["decision_log"]) == log + 1
    assert gate == {"decision": "conditional", "approvers": "VP Support; CISO", "date": "2026-11-28",
                    "conditions": "Latency P95 under 3 s before general availability",
                    "log_entry_id": entry["id"]}
    assert entry["date"] == "2026-11-28" and entry["owner"] == "VP Support; CISO"
    assert "Support copilot" in entry["decision"] and "approved with conditions" in entry["decision"]
    assert entry["rationale"] == gate["conditions"]
    assert rows(state, "gates", COPILOT) == 1
    # One undo takes both away.
    state.apply_edits(inverse(edits))
    assert state.export_json() == before == stored(state)
    assert opportunity(state, COPILOT)["gate"] is None and len(state.data["decision_log"]) == log
    assert rows(state, "gates", COPILOT) == 0


@pytest.mark.parametrize(("decision", "words"), [("approve", "approved"), ("reject", "rejected")])
def test_a_new_gate_decision_replaces_the_gate_and_keeps_the_old_entry(
    state: ProjectState, decision: str, words: str
) -> None:
    old = copy.deepcopy(opportunity(state, TRIAGE)["gate"])
    assert old is not None
    round_trip(state, launch_edits.record_gate(state.data, TRIAGE, decision, "Head of Platform",
                                               "2026-12-10", ""))
    gate = opportunity(state, TRIAGE)["gate"]
    assert gate["decision"] == decision and gate["log_entry_id"] != old["log_entry_id"]
    log = {e["id"]: e for e in state.data["decision_log"]}
    assert old["log_entry_id"] in log  # the decision log is history: the earlier entry stays
    assert words in log[gate["log_entry_id"]]["decision"]


def test_a_gate_set_by_hand_is_checked_like_an_import(state: ProjectState) -> None:
    before = state.export_json()
    for value, rule in [({"decision": "maybe"}, "approve, conditional, reject"),
                        ({"decision": "approve", "date": "soon"}, "YYYY-MM-DD"),
                        ({"decision": "approve", "log_entry_id": "log-nowhere"}, "log-nowhere")]:
        with pytest.raises(InvalidValueError, match=re.escape(rule)):
            state.set_value("opportunity", COPILOT, "gate", value)
    assert state.export_json() == before == stored(state)
    gate = {"decision": "reject", "approvers": "CISO", "date": "2026-12-01", "conditions": "",
            "log_entry_id": None}
    state.set_value("opportunity", COPILOT, "gate", gate)
    assert opportunity(state, COPILOT)["gate"] == gate and state.export_json() == stored(state)
    state.set_value("opportunity", COPILOT, "gate", None)
    assert state.export_json() == before == stored(state)


def test_removing_the_log_entry_a_gate_wrote_leaves_the_gate(state: ProjectState) -> None:
    entry = opportunity(state, TRIAGE)["gate"]["log_entry_id"]
    round_trip(state, memo_edits.remove_log_entries(state.data, [entry]))
    assert opportunity(state, TRIAGE)["gate"]["decision"] == "approve"
    assert opportunity(state, TRIAGE)["gate"]["log_entry_id"] is None


# --- what holds them --------------------------------------------------------------------------


@pytest.mark.parametrize("opportunity_id", [COPILOT, TRIAGE])
def test_removing_an_opportunity_takes_its_kpis_checklist_and_gate(
    state: ProjectState, opportunity_id: str
) -> None:
    held = copy.deepcopy(opportunity(state, opportunity_id))
    assert held["kpis"] and held["launch_checklist"]
    counts = [rows(state, t, opportunity_id) for t in ("kpis", "launch_checks", "gates")]
    assert counts == [len(held["kpis"]), len(held["launch_checklist"]), int(held["gate"] is not None)]
    edits = opportunity_edits.remove_opportunity(state.data, opportunity_id)
    round_trip(state, edits)  # the undo gives back every KPI, item and gate exactly
    assert [rows(state, t, opportunity_id) for t in ("kpis", "launch_checks", "gates")] == [0, 0, 0]
    state.apply_edits(inverse(edits))
    assert [rows(state, t, opportunity_id) for t in ("kpis", "launch_checks", "gates")] == counts


def test_new_ids_are_unique_across_the_whole_project(state: ProjectState) -> None:
    made: list[str] = []
    for _ in range(3):
        edits, kpi_id = launch_edits.add_kpi(state.data, TRIAGE, "latency_p50_s")
        state.apply_edits(edits)
        edits, check_id = launch_edits.add_check(state.data, TRIAGE)
        state.apply_edits(edits)
        made += [kpi_id, check_id]
    state.apply_edits(launch_edits.default_checklist(state.data, without_checklist(state)))
    ids = list(all_ids(state.data))
    assert len(ids) == len(set(ids)) and set(made) <= set(ids)
    validate(state.data)
    assert state.export_json() == stored(state)


# --- the sample plan --------------------------------------------------------------------------


def test_the_samples_targets_change_no_calculated_number(sample: Data) -> None:
    from app.calc import as_json, results_for

    bare = copy.deepcopy(sample)
    for o in bare["opportunities"]:
        o.update(kpis=[], launch_checklist=[], gate=None)

    def numbers(data: Data) -> Data:
        out = as_json(results_for(data), data)
        for o in out["opportunities"]:
            o.pop("kpis", None)  # what the targets add; everything else must stay to the bit
        return out

    assert numbers(sample) == numbers(bare)


def test_the_sample_gates_one_launch_and_shows_a_plan_the_gate_disagrees_with(sample: Data) -> None:
    from app.calc import as_json, results_for
    from models.kpis import MET, NOT_MEASURED, NOT_MET, check_from_json, ready_to_launch

    by_id = {o["id"]: o for o in sample["opportunities"]}
    copilot = {k["metric"]: kpi_from_json(k) for k in by_id[COPILOT]["kpis"]}
    assert copilot["critical_error_rate"].eval_set == "golden set v3"
    assert [copilot[m].status for m in ("critical_error_rate", "latency_p95_s", "cost_per_task")] == [
        MET, NOT_MET, NOT_MEASURED]
    assert {c["status"] for c in by_id[COPILOT]["launch_checklist"]} == {"done", "doing", "todo"}
    triage = by_id[TRIAGE]
    assert triage["status"] == "launched" and triage["gate"]["decision"] == "approve"
    assert ready_to_launch(tuple(kpi_from_json(k) for k in triage["kpis"]),
                           tuple(check_from_json(c) for c in triage["launch_checklist"]))
    assert triage["gate"]["log_entry_id"] in {e["id"] for e in sample["decision_log"]}
    # A cost-per-task target below what the plan's own unit model costs: plan and gate disagree.
    out = as_json(results_for(sample, monte_carlo=False))
    costs = {u["id"]: u["loaded_cost_per_task"] for u in out["unit_models"]}
    conflicts = [o["id"] for o in sample["opportunities"] for k in o["kpis"]
                 if k["metric"] == "cost_per_task" and o.get("unit_model_id")
                 and costs[o["unit_model_id"]] > k["target"]]
    assert conflicts == ["opp-knowledge-search"]

