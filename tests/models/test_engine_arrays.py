"""Deterministic results computed for all opportunities at once equal those of evaluating each
opportunity on its own, field by field, on plans with every kind of link and edge."""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from models import engine, finance, portfolio, sizing
from models.plan import Opportunity, Plan, UnitModel, plan_from_json
from models.unit_economics import UnitInputs, base_inputs, unit_costs
from tests.benchmarks.plans import scaled_sample

INPUTS = ("eligible_users", "adoption_target", "ramp_months", "tasks_per_user_month", "success_rate",
          "value_per_success", "launch_month", "build_cost", "run_cost_annual", "cost_per_task",
          "p_success", "effort_person_months", "impact", "confidence")


def close(a: float | None, b: float | None, scale: float = 0.0) -> bool:
    """Equal to 1e-9 relative (of the larger value, or of ``scale`` for a sum that cancels)."""
    if a is None or b is None:
        return a is b
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b), scale)


# --- one opportunity at a time, straight from docs/formulas.md 3.1-3.4 --------------------------------


def unit_by_hand(plan: Plan, u: UnitModel) -> tuple[float, dict[str, float | None]]:
    linked = [o for o in plan.opportunities if o.unit_model_id == u.id]
    volume = (sum(o.eligible_users.base * o.adoption_target.base * o.tasks_per_user_month.base
                  for o in linked) if linked else u.volume_tasks_month.base)
    one = {f.name: np.array([getattr(u, f.name).base]) for f in dataclasses.fields(UnitInputs)
           if f.name != "routes"}
    routes = tuple(base_inputs(r) for r in u.routes)
    costs = unit_costs(UnitInputs(**one, routes=routes), volume)
    return volume, {f.name: (lambda v: v if math.isfinite(v) else None)(float(getattr(costs, f.name)[0]))
                    for f in dataclasses.fields(costs)}


def payback_by_hand(net: list[float]) -> int | None:
    total, went_negative = 0.0, False
    for month, value in enumerate(net, start=1):
        total += value
        if total < 0:
            went_negative = True
        elif went_negative:
            return month
    return None if went_negative else 0


def opportunity_by_hand(plan: Plan, st: engine.Structure, units: dict[str, dict[str, float | None]],
                        o: Opportunity) -> dict[str, Any]:
    option = st.chosen.get(o.decision_id) if o.decision_id else None
    unit = plan.unit_model(o.unit_model_id)
    eff = {name: (getattr(o, name).base, "own") for name in INPUTS}
    if option is not None:
        eff["build_cost"] = (option.upfront_cost.base, f"option:{option.id}")
        eff["run_cost_annual"] = (option.annual_cost.base, f"option:{option.id}")
        eff["launch_month"] = (option.launch_months.base, f"option:{option.id}")
    if unit is not None:
        eff["cost_per_task"] = (units[unit.id]["variable_cost_per_task"], f"unit_model:{unit.id}")
        run, source = eff["run_cost_annual"]
        eff["run_cost_annual"] = (run + 12 * unit.fixed_monthly.base, f"{source} + unit_model:{unit.id}")
    elif option is not None and option.cost_per_task.base != 0:
        eff["cost_per_task"] = (option.cost_per_task.base, f"option:{option.id}")
    s = plan.settings
    inputs = sizing.OpportunityInputs(**{f.name: np.array([eff[f.name][0]])
                                         for f in dataclasses.fields(sizing.OpportunityInputs)})
    f = sizing.flows(inputs, finance.discount_factors(s.discount_rate, s.horizon_years), monthly=True)
    assert f.monthly is not None
    npv, pv_cost, pv_build = float(f.npv[0]), float(f.pv_cost[0]), float(f.pv_build[0])
    p = eff["p_success"][0]
    net = f.monthly["net"][0]
    effort = o.effort_person_months.base
    return {
        "npv": npv, "enpv": p * npv - (1 - p) * pv_build, "irr": finance.irr(net),
        "roi": None if pv_cost == 0 else npv / pv_cost, "payback_month": payback_by_hand(net.tolist()),
        "pv_benefit": float(f.pv_benefit[0]), "pv_cost": pv_cost, "pv_build": pv_build,
        "annual_benefit_ss": float(f.annual_benefit_ss[0]), "annual_cost_ss": float(f.annual_cost_ss[0]),
        "rice": None if effort == 0 else (o.eligible_users.base * o.adoption_target.base * o.impact.base
                                          * o.confidence.base / effort),
        "effective": eff, "monthly": {name: series[0] for name, series in f.monthly.items()},
    }


def assert_matches_one_at_a_time(plan: Plan) -> None:
    results = engine.calculate(plan, monte_carlo=False, with_tornado=False)
    st = engine.structure(plan)
    units = {}
    for u, got in zip(plan.unit_models, results.unit_models, strict=True):
        volume, costs = unit_by_hand(plan, u)
        assert (got.id, got.name) == (u.id, u.name)
        assert close(got.volume_tasks_month, volume)
        assert got.costs.keys() == costs.keys()
        assert all(close(got.costs[k], costs[k]) for k in costs), (u.id, got.costs, costs)
        units[u.id] = costs

    checked = set()
    by_hand = []
    for o, got in zip(plan.opportunities, results.opportunities, strict=True):
        want = opportunity_by_hand(plan, st, units, o)
        by_hand.append(want)
        assert (got.id, got.name) == (o.id, o.name)
        scale = max(want["pv_benefit"], want["pv_cost"])
        for name in ("npv", "enpv", "irr", "roi", "pv_benefit", "pv_cost", "pv_build",
                     "annual_benefit_ss", "annual_cost_ss", "rice"):
            assert close(getattr(got, name), want[name], scale if name in ("npv", "enpv") else 0.0), \
                (o.id, name, getattr(got, name), want[name])
            checked.add(name)
        assert got.payback_month == want["payback_month"], o.id
        assert list(got.effective) == list(INPUTS)
        for name, (value, source) in want["effective"].items():
            assert got.effective[name][1] == source, (o.id, name)
            assert close(got.effective[name][0], value), (o.id, name)
        assert got.monthly.keys() == want["monthly"].keys()
        for name, series in want["monthly"].items():
            np.testing.assert_allclose(got.monthly[name], series, rtol=1e-9, atol=1e-9 * scale)
        assert got.mc is None and got.npv_samples is None and got.tornado == ()
    assert checked

    enpvs = [w["enpv"] for w in by_hand]
    costs = [w["effective"]["build_cost"][0] for w in by_hand]
    ids = [o.id for o in plan.opportunities]
    budget = plan.settings.budget
    selected = [] if budget is None else portfolio.select_within_budget(enpvs, costs, budget)
    p = results.portfolio
    assert p.ranking == tuple(sorted(ids, key=lambda i: -enpvs[ids.index(i)]))
    assert close(p.total_enpv, sum(enpvs), sum(abs(v) for v in enpvs))
    assert p.budget == budget
    assert p.selected == tuple(ids[i] for i in selected)
    assert close(p.selected_enpv, sum(enpvs[i] for i in selected))
    assert close(p.selected_build_cost, math.fsum(costs[i] for i in selected))
    assert p.mc is None and p.selected_mc is None and p.npv_samples is None


# --- the plans -------------------------------------------------------------------------------


def edge_plan(sample_json: dict[str, Any]) -> Plan:
    """The sample with every link and edge at once: decisions linked (a chosen option and a
    winner), unit models linked (one shared, one beside a decision), launch month 0, ramp 0, an
    opportunity that costs nothing, one that never pays back."""
    data = copy.deepcopy(sample_json)
    opps = {o["id"]: o for o in data["opportunities"]}
    opps["opp-sales-email"]["launch_month"] = 0
    opps["opp-churn-explain"]["ramp_months"] = 0
    free = opps["opp-meeting-summaries"]
    free["build_cost"], free["run_cost_annual"], free["cost_per_task"] = 0, 0, 0
    opps["opp-self-service"].update(decision_id="dec-copilot", unit_model_id="um-knowledge-search")
    never = copy.deepcopy(opps["opp-churn-explain"])
    never.update(id="opp-never", name="Never pays back", value_per_success=0.0001, ramp_months=3)
    data["opportunities"].append(never)
    return plan_from_json(data)


def test_sixty_opportunities_match_one_at_a_time() -> None:
    assert_matches_one_at_a_time(plan_from_json(scaled_sample(60)))


def test_links_and_edges_match_one_at_a_time(sample_json: dict[str, Any]) -> None:
    plan = edge_plan(sample_json)
    assert_matches_one_at_a_time(plan)
    # the plan really holds each case it is meant to
    results = {r.id: r for r in engine.calculate(plan, monte_carlo=False, with_tornado=False).opportunities}
    assert results["opp-meeting-summaries"].pv_cost == 0
    assert results["opp-meeting-summaries"].roi is None and results["opp-meeting-summaries"].irr is None
    assert results["opp-meeting-summaries"].payback_month == 0
    assert results["opp-never"].payback_month is None and results["opp-never"].irr is None
    assert results["opp-sales-email"].effective["launch_month"][0] == 0
    assert results["opp-churn-explain"].effective["ramp_months"][0] == 0
    assert results["opp-self-service"].effective["run_cost_annual"][1] == \
        "option:opt-copilot-partner + unit_model:um-knowledge-search"
    assert results["opp-contract-review"].effective["cost_per_task"][1].startswith("option:")
    assert any(r.irr is not None and r.payback_month not in (None, 0) for r in results.values())


def test_a_plan_without_opportunities_has_empty_results(sample_json: dict[str, Any]) -> None:
    data = copy.deepcopy(sample_json)
    data["opportunities"] = data["correlations"] = []
    results = engine.calculate(plan_from_json(data), monte_carlo=False)
    assert results.opportunities == ()
    assert results.portfolio.ranking == () and results.portfolio.total_enpv == 0


def test_an_opportunitys_figures_do_not_depend_on_the_others_beside_it(sample_json: dict[str, Any]) -> None:
    # Adding opportunities to a plan leaves an unlinked one's figures the same to the last digit.
    plan = plan_from_json(scaled_sample(200))
    alone = dataclasses.replace(plan, opportunities=(plan.opportunities[2],), correlations=())
    assert plan.opportunities[2].decision_id is None and plan.opportunities[2].unit_model_id is None
    many = engine.calculate(plan, monte_carlo=False, with_tornado=False).opportunities[2]
    one = engine.calculate(alone, monte_carlo=False, with_tornado=False).opportunities[0]
    for name in ("npv", "enpv", "roi", "pv_benefit", "pv_cost", "pv_build", "payback_month"):
        assert getattr(many, name) == getattr(one, name), name
    for name, series in one.monthly.items():
        assert np.array_equal(many.monthly[name], series), name


@pytest.mark.parametrize("rows", [1, 7, 300])
def test_payback_months_of_many_rows_are_each_rows_payback_month(rows: int) -> None:
    rng = np.random.default_rng(rows)
    net = np.cumsum(rng.normal(0, 1, size=(rows, 36)), axis=1) + rng.normal(0, 3, size=(rows, 1))
    net[0, :] = 0.0
    assert finance.payback_months(net) == [payback_by_hand(row.tolist()) for row in net]


@pytest.mark.parametrize(("net", "monthly_rate"), [
    ([-100.0, 230.0, -132.0], 0.10),  # roots at 10% and 20% a month: 10% is nearer zero
    ([-100.0, 215.0, -114.0], -0.05),  # roots at -5% and 20% a month: -5% is nearer zero
])
def test_irr_of_many_rows_reports_each_rows_root_nearest_zero(net: list[float], monthly_rate: float) -> None:
    rows = np.array([net, [5.0, 5.0, 5.0], net[::-1]])
    irr = finance.irr_many(rows)
    assert irr[0] == pytest.approx((1 + monthly_rate) ** 12 - 1, rel=1e-9)
    assert np.isnan(irr[1])
    assert irr[2] == pytest.approx(finance.irr(np.array(net[::-1])), rel=1e-12)


def test_the_tornado_of_the_opportunity_on_screen_is_its_tornado_in_the_whole_results(
        sample_json: dict[str, Any]) -> None:
    plan = edge_plan(sample_json)
    results = engine.calculate(plan, monte_carlo=False, with_tornado=True)
    assert any(r.tornado for r in results.opportunities)
    for r in results.opportunities:
        assert engine.tornado_for(plan, r.id) == r.tornado, r.id
