"""Value of information from the engine's own Monte Carlo (docs/formulas.md 3.9): a linear case
against the closed form, inputs that cannot change the decision worth nothing, and every EVPPI
between 0 and the EVPI."""

from __future__ import annotations

import copy
import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

from models.engine import calculate, simulated_inputs
from models.plan import plan_from_json

SAMPLES = 10_000


def _single(sample_json: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    """The sample's churn-explanations opportunity alone, with the inputs given and every other
    input a plain number (launch always succeeds, so NPV is linear in the value per success)."""
    data = copy.deepcopy(sample_json)
    o = next(o for o in data["opportunities"] if o["id"] == "opp-churn-explain")
    for field, value in list(o.items()):
        if isinstance(value, dict) and field != "notes":
            o[field] = value["base"]
    o.update(p_success=1, **inputs)
    data["opportunities"] = [o]
    data["scenarios"], data["correlations"], data["project"]["budget"] = [], [], None
    data["project"]["mc_samples"] = SAMPLES
    return data


def _npv_at(data: dict[str, Any], **inputs: Any) -> float:
    fixed = copy.deepcopy(data)
    fixed["opportunities"][0].update(inputs)
    return calculate(plan_from_json(fixed), monte_carlo=False).opportunities[0].npv


def test_a_normal_linear_case_matches_the_closed_form(sample_json: dict[str, Any]) -> None:
    data = _single(sample_json)
    slope = _npv_at(data, value_per_success=3.0) - _npv_at(data, value_per_success=2.0)
    # Pick the build cost that puts the mean NPV a third of a standard deviation above zero,
    # where learning the input is worth the most it can be for its spread.
    sd_value = 0.3 / 1.6448536269514722  # a normal range is its 5th to 95th percentile
    build_slope = _npv_at(data, value_per_success=2.0, build_cost=100_000.0) - _npv_at(
        data, value_per_success=2.0, build_cost=0.0)
    target = slope * sd_value / 3
    build = (target - _npv_at(data, value_per_success=2.0, build_cost=0.0)) / build_slope * 100_000.0
    data["opportunities"][0].update(build_cost=build, value_per_success={
        "base": 2.0, "low": 1.7, "high": 2.3, "dist": "normal"})
    result = calculate(plan_from_json(data), with_tornado=False).opportunities[0]
    m, s = _npv_at(data, value_per_success=2.0), slope * sd_value
    unit = NormalDist()
    closed = m * unit.cdf(m / s) + s * unit.pdf(m / s) - max(m, 0.0)
    # The estimate is a mean over samples: its standard error is that of the regret max(-Y, 0).
    y = result.npv_samples
    assert y is not None and result.evpi is not None
    error = float(np.std(np.maximum(-y, 0.0))) / math.sqrt(y.size)
    assert abs(result.evpi - closed) <= 3 * error
    # Y depends on the value per success alone: learning it is learning everything, up to the bins.
    value = next(w for w in result.evppi if w.key[2] == "value_per_success")
    assert result.evppi[0] is value
    assert value.evppi == pytest.approx(result.evpi, rel=0.03)


def test_an_input_that_cannot_change_the_decision_is_worth_nothing(sample_json: dict[str, Any]) -> None:
    data = _single(sample_json, value_per_success={"base": 40, "low": 30, "high": 50, "dist": "pert"})
    result = calculate(plan_from_json(data), with_tornado=False).opportunities[0]
    assert result.npv_samples is not None and (result.npv_samples > 0).all()  # go in every sample
    assert result.evpi == 0.0
    assert all(w.evppi == 0.0 for w in result.evppi)


def test_with_no_uncertainty_nothing_is_worth_learning(sample_json: dict[str, Any]) -> None:
    data = _single(sample_json)
    result = calculate(plan_from_json(data), with_tornado=False)
    assert result.opportunities[0].evpi == 0.0 and result.portfolio.evpi == 0.0
    assert [w.key[2] for w in result.opportunities[0].evppi] == ["launch_success"]


def test_every_evppi_lies_between_zero_and_the_evpi(sample_json: dict[str, Any]) -> None:
    results = calculate(plan_from_json(sample_json), with_tornado=False, samples=4_000)
    for r in results.opportunities:
        assert r.evpi is not None and r.evppi
        assert all(0.0 <= w.evppi <= r.evpi + 1e-9 for w in r.evppi), r.name
        assert [w.evppi for w in r.evppi] == sorted((w.evppi for w in r.evppi), reverse=True)
    p = results.portfolio
    assert p.evpi == pytest.approx(sum(r.evpi or 0.0 for r in results.opportunities))
    assert all(0.0 <= w.evppi <= p.evpi + 1e-9 for w in p.evppi)


def test_launch_success_and_linked_inputs_are_ranked(sample_json: dict[str, Any]) -> None:
    results = calculate(plan_from_json(sample_json), with_tornado=False, samples=4_000)
    copilot = next(r for r in results.opportunities if r.id == "opp-support-copilot")
    keys = {w.key for w in copilot.evppi}
    assert ("opportunity", "opp-support-copilot", "launch_success") in keys
    assert ("unit_model", "um-support-copilot", "escalation_rate") in keys  # its cost model's input
    assert ("opportunity", "opp-ticket-triage", "adoption_target") in keys  # correlated with its adoption


def test_value_of_information_reads_the_samples_the_simulation_used(sample_json: dict[str, Any]) -> None:
    """The EVPPI of an opportunity's own input, recomputed by hand from the same draws."""
    from models.information import evppi

    plan = plan_from_json(sample_json)
    results = calculate(plan, with_tornado=False, samples=4_000)
    churn = next(r for r in results.opportunities if r.id == "opp-churn-explain")
    key = ("opportunity", "opp-churn-explain", "value_per_success")
    x = simulated_inputs(plan, 4_000)[key]
    assert churn.npv_samples is not None
    by_hand = evppi(churn.npv_samples, x)
    assert next(w.evppi for w in churn.evppi if w.key == key) == pytest.approx(by_hand, rel=1e-12)
