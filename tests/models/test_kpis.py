"""KPI targets (docs/formulas.md 3.10): status in both directions at the boundary and without a
measurement; the plan's own value for the metrics the model computes, following the plan; and
the chance of meeting a target, counted directly on the samples the simulation uses."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from models import engine, kpis
from models.engine import calculate, results_json, simulated_inputs
from models.kpis import AT_LEAST, AT_MOST, MET, NOT_MEASURED, NOT_MET, CheckItem, Kpi
from models.plan import Plan, plan_from_json
from models.unit_economics import unit_costs

COPILOT = "opp-support-copilot"
COPILOT_UNIT = "um-support-copilot"


@pytest.mark.parametrize(("direction", "target", "measured", "expected"), [
    (AT_MOST, 0.02, 0.014, MET),
    (AT_MOST, 0.02, 0.02, MET),  # the target itself meets it
    (AT_MOST, 0.02, 0.0200001, NOT_MET),
    (AT_LEAST, 0.9, 0.9, MET),
    (AT_LEAST, 0.9, 0.8999999, NOT_MET),
    (AT_LEAST, 0.9, 1.0, MET),
    (AT_LEAST, 0.9, None, NOT_MEASURED),
    (AT_MOST, 3.0, None, NOT_MEASURED),
])
def test_status_in_each_direction(direction: str, target: float, measured: float | None,
                                  expected: str) -> None:
    kpi = Kpi("kpi-1", "latency_p95_s", direction=direction, target=target, measured=measured)
    assert kpi.status == expected


def test_ready_to_launch_needs_every_kpi_measured_and_met_and_every_item_cleared() -> None:
    met = Kpi("kpi-1", "availability", direction=AT_LEAST, target=0.99, measured=0.995)
    unmeasured = Kpi("kpi-2", "latency_p95_s", direction=AT_MOST, target=3.0)
    done, waived = CheckItem("c1", status="done"), CheckItem("c2", status="waived")
    doing = CheckItem("c3", status="doing")
    assert kpis.ready_to_launch((met,), (done, waived))
    assert not kpis.ready_to_launch((met, unmeasured), (done,))
    assert not kpis.ready_to_launch((met,), (done, doing))


def test_a_catalogue_metric_takes_its_label_unit_and_direction_unless_the_pm_set_them() -> None:
    preset = kpis.kpi_from_json({"id": "kpi-1", "metric": "cost_per_task", "target": 0.1})
    assert (preset.label, preset.unit, preset.direction, preset.tied) == (
        "Cost per AI task", "money", AT_MOST, "loaded_cost_per_task")
    own = kpis.kpi_from_json({"id": "kpi-2", "metric": "custom", "name": "CSAT", "unit": "score",
                              "direction": "at_least", "target": 4.2, "measured": 4.4})
    assert (own.label, own.tied, own.status) == ("CSAT", None, MET)


def _with_kpis(sample: dict[str, Any], opportunity_id: str, *targets: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(sample)
    o = next(o for o in data["opportunities"] if o["id"] == opportunity_id)
    o["kpis"] = [{"id": f"kpi-{i}", **t} for i, t in enumerate(targets, start=1)]
    return data


def _kpi(results: engine.PlanResults, opportunity_id: str, kpi_id: str) -> engine.KpiResult:
    r = next(r for r in results.opportunities if r.id == opportunity_id)
    return next(k for k in r.kpis if k.kpi.id == kpi_id)


def _loaded_cost_samples(plan: Plan, unit_id: str) -> np.ndarray:
    """The unit model's loaded cost per task in each simulation, from the inputs as simulated."""
    values: dict[Any, Any] = {**engine.base_values(plan), **simulated_inputs(plan)}
    u = plan.unit_model(unit_id)
    assert u is not None
    costs = unit_costs(engine._unit_inputs(u, values), engine.structure(plan).unit_volume[unit_id])
    return np.broadcast_to(costs.loaded_cost_per_task, (plan.settings.mc_samples,))


def test_the_chance_of_meeting_a_target_is_the_share_of_simulations_that_meet_it(
        sample: dict[str, Any]) -> None:
    sample["project"]["mc_samples"] = 4000
    base_plan = plan_from_json(sample)
    cost_samples = _loaded_cost_samples(base_plan, COPILOT_UNIT)
    cost_target = float(np.quantile(cost_samples, 0.3))
    data = _with_kpis(sample, COPILOT,
                      {"metric": "cost_per_task", "direction": "at_most", "target": cost_target},
                      {"metric": "adoption_rate", "direction": "at_least", "target": 0.7},
                      {"metric": "escalation_rate", "direction": "at_most", "target": 0.05},
                      {"metric": "latency_p95_s", "direction": "at_most", "target": 3, "measured": 3.4})
    plan = plan_from_json(data)
    results = calculate(plan, with_tornado=False, with_information=False)
    drawn = simulated_inputs(plan)

    cost = _kpi(results, COPILOT, "kpi-1")
    assert cost.p_meets == np.mean(_loaded_cost_samples(plan, COPILOT_UNIT) <= cost_target)
    assert 0.25 < cost.p_meets < 0.35  # type: ignore[operator]
    adoption = _kpi(results, COPILOT, "kpi-2")
    assert adoption.p_meets == np.mean(drawn["opportunity", COPILOT, "adoption_target"] >= 0.7)
    escalation = _kpi(results, COPILOT, "kpi-3")
    assert escalation.p_meets == np.mean(drawn["unit_model", COPILOT_UNIT, "escalation_rate"] <= 0.05)
    latency = _kpi(results, COPILOT, "kpi-4")  # the model has no latency: the measurement decides
    assert (latency.planned, latency.p_meets, latency.status) == (None, None, NOT_MET)


def test_the_plans_value_follows_the_unit_model_and_the_opportunity(sample: dict[str, Any]) -> None:
    data = _with_kpis(sample, COPILOT,
                      {"metric": "cost_per_task", "direction": "at_most", "target": 0.15},
                      {"metric": "gross_margin", "direction": "at_least", "target": 0.5},
                      {"metric": "task_success_rate", "direction": "at_least", "target": 0.6})
    before = calculate(plan_from_json(data), monte_carlo=False)
    unit = next(u for u in before.unit_models if u.id == COPILOT_UNIT)
    cost = _kpi(before, COPILOT, "kpi-1")
    assert cost.planned == unit.costs["loaded_cost_per_task"]
    assert cost.plan_meets == (unit.costs["loaded_cost_per_task"] <= 0.15)  # type: ignore[operator]
    assert _kpi(before, COPILOT, "kpi-2").planned == unit.costs["gross_margin"]
    assert _kpi(before, COPILOT, "kpi-3").planned == 0.55  # the success rate's base
    assert _kpi(before, COPILOT, "kpi-3").plan_meets is False
    assert cost.p_meets is None  # no Monte Carlo asked for

    dearer = copy.deepcopy(data)
    route = next(u for u in dearer["unit_models"] if u["id"] == COPILOT_UNIT)["routes"][0]
    route["price_out_mtok"] = 400.0
    after = calculate(plan_from_json(dearer), monte_carlo=False)
    assert _kpi(after, COPILOT, "kpi-1").planned > cost.planned  # type: ignore[operator]
    assert _kpi(after, COPILOT, "kpi-1").plan_meets is False
    assert _kpi(after, COPILOT, "kpi-2").planned < _kpi(before, COPILOT, "kpi-2").planned  # type: ignore[operator]


def test_targets_move_no_number_of_the_plan_and_reach_calc_json(sample: dict[str, Any]) -> None:
    for o in sample["opportunities"]:  # the plan without any target, then with one
        o.update(kpis=[], launch_checklist=[], gate=None)
    data = _with_kpis(sample, COPILOT, {"metric": "cost_per_task", "direction": "at_most", "target": 0.15})
    data["project"]["mc_samples"] = 2000
    sample["project"]["mc_samples"] = 2000
    without, with_targets = (results_json(calculate(plan_from_json(d), with_information=False))
                             for d in (sample, data))
    listed = [o.pop("kpis") for o in with_targets["opportunities"]]
    assert [o.pop("kpis") for o in without["opportunities"]] == [[]] * len(listed)
    assert without == with_targets
    copilot = listed[[o["id"] for o in with_targets["opportunities"]].index(COPILOT)][0]
    assert copilot["status"] == NOT_MEASURED and copilot["label"] == "Cost per AI task"
    assert copilot["planned"] is not None and 0 <= copilot["p_meets"] <= 1
