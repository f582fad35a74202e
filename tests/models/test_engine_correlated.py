"""Correlated inputs in the engine (docs/formulas.md 3.8): the Monte Carlo realises each rank
correlation, keeps every input's values, repairs a matrix that cannot hold and says so, and the
portfolio's range widens when inputs that raise NPV move together."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.correlation import Correlation
from models.engine import calculate, estimate_inputs, estimates_of, simulated_inputs
from models.plan import Plan, plan_from_json
from models.problems import PlanInvalid
from models.validation import plan_problems

COPILOT = ("opportunity", "opp-support-copilot", "adoption_target")
TRIAGE = ("opportunity", "opp-ticket-triage", "adoption_target")
SELF_SERVICE = ("opportunity", "opp-self-service", "adoption_target")
SEARCH = ("opportunity", "opp-knowledge-search", "adoption_target")


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x)).astype(float)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def with_correlations(plan: Plan, *pairs: tuple[tuple[str, str, str], tuple[str, str, str], float]) -> Plan:
    return dataclasses.replace(plan, correlations=tuple(
        Correlation(a, b, rho, f"cor-{i}") for i, (a, b, rho) in enumerate(pairs)))


@pytest.fixture
def plan(sample_json: dict[str, Any]) -> Plan:
    return plan_from_json(sample_json)


def test_each_target_is_realised_within_two_hundredths_at_ten_thousand_samples(plan: Plan) -> None:
    targets = [(COPILOT, TRIAGE, 0.6), (TRIAGE, SELF_SERVICE, -0.4), (SEARCH, COPILOT, 0.3)]
    drawn = simulated_inputs(with_correlations(plan, *targets), 10_000)
    for a, b, rho in targets:
        assert spearman(drawn[a], drawn[b]) == pytest.approx(rho, abs=0.02)


def test_each_input_keeps_exactly_its_values(plan: Plan) -> None:
    independent = simulated_inputs(with_correlations(plan), 10_000)
    correlated = simulated_inputs(with_correlations(plan, (COPILOT, TRIAGE, 0.8)), 10_000)
    assert independent.keys() == correlated.keys()
    for key, values in independent.items():
        assert np.array_equal(np.sort(values), np.sort(correlated[key])), key
    assert not np.array_equal(independent[TRIAGE], correlated[TRIAGE])  # reordered, not redrawn


def test_without_correlations_the_results_are_those_of_independent_draws(plan: Plan) -> None:
    plain = with_correlations(plan)
    assert plain.correlations == ()
    a = calculate(plain, with_tornado=False, samples=2_000)
    b = calculate(dataclasses.replace(plan, correlations=()), with_tornado=False, samples=2_000)
    assert a.portfolio.npv_samples is not None and b.portfolio.npv_samples is not None
    assert np.array_equal(a.portfolio.npv_samples, b.portfolio.npv_samples)
    assert a.correlation_repairs == ()


def test_a_matrix_that_cannot_hold_is_repaired_and_reported(plan: Plan) -> None:
    # A moves with B and with C, but B against C: no set of three inputs can do that.
    impossible = with_correlations(plan, (COPILOT, TRIAGE, 0.9), (TRIAGE, SEARCH, 0.9),
                                   (COPILOT, SEARCH, -0.9))
    assert plan_problems(impossible) == []  # not a problem: the simulation uses the nearest valid set
    results = calculate(impossible, with_tornado=False, samples=2_000)
    moved = {frozenset((r.a, r.b)): (r.old, r.new) for r in results.correlation_repairs}
    assert moved.keys() == {frozenset((COPILOT, TRIAGE)), frozenset((TRIAGE, SEARCH)),
                            frozenset((COPILOT, SEARCH))}
    for old, new in moved.values():
        assert abs(new) < abs(old)  # each pulled back towards what can hold together
    drawn = simulated_inputs(impossible, 10_000)
    assert spearman(drawn[COPILOT], drawn[SEARCH]) == pytest.approx(
        moved[frozenset((COPILOT, SEARCH))][1], abs=0.03)


def test_a_correlation_the_plan_cannot_use_is_a_plain_problem(sample_json: dict[str, Any]) -> None:
    data = copy.deepcopy(sample_json)
    triage = next(o for o in data["opportunities"] if o["id"] == "opp-ticket-triage")
    triage["adoption_target"] = 0.9  # no longer a range
    with pytest.raises(PlanInvalid) as caught:
        calculate(plan_from_json(data), monte_carlo=False)
    words = str(caught.value.problems[0])
    assert "Ticket triage and routing · adoption target has no range" in words
    assert "give it a low and a high value, or remove the correlation" in words


def test_a_correlation_end_is_read_as_the_simulation_reads_its_input(plan: Plan) -> None:
    """The check of a correlation's ends reads only those inputs, and reads each exactly as the
    simulation's full list of inputs has it, for every kind of input and for names that are
    not inputs (a text field, a field the simulation never draws, an object not in the plan)."""
    every = estimate_inputs(plan)
    asked = set(list(every)[::7]) | {
        ("opportunity", "opp-support-copilot", "name"),
        ("opportunity", "opp-gone", "adoption_target"),
        ("route", "no-such-route", "share"),
    }
    assert estimates_of(plan, asked) == {key: every[key] for key in asked if key in every}
    assert {key[0] for key in asked if key in every} >= {"opportunity", "unit_model", "route", "option"}


def test_the_tornado_moves_a_correlated_input_of_the_same_opportunity_with_it(plan: Plan) -> None:
    users = ("opportunity", "opp-support-copilot", "tasks_per_user_month")
    alone = calculate(plan, monte_carlo=False)
    together = calculate(with_correlations(plan, (COPILOT, users, 0.8)), monte_carlo=False)

    def bar(results: Any, key: tuple[str, str, str]) -> Any:
        copilot = next(r for r in results.opportunities if r.id == "opp-support-copilot")
        return next(b for b in copilot.tornado if b.key == key)

    # Adoption at its low now brings fewer tasks per user with it, so the swing is wider.
    assert bar(together, COPILOT).swing > bar(alone, COPILOT).swing
    assert bar(together, COPILOT).npv_low < bar(alone, COPILOT).npv_low
    assert bar(together, COPILOT).npv_high > bar(alone, COPILOT).npv_high


@settings(max_examples=12, deadline=None)
@given(st.floats(0.0, 0.45), st.floats(0.05, 0.5))
def test_more_correlation_between_inputs_that_raise_npv_never_narrows_the_range(
        sample_json: dict[str, Any], rho: float, more: float) -> None:
    plan = plan_from_json(sample_json)

    def width(r: float) -> float:
        correlated = with_correlations(plan, (COPILOT, SELF_SERVICE, r)) if r else with_correlations(plan)
        mc = calculate(correlated, with_tornado=False, with_information=False, samples=4_000).portfolio.mc
        assert mc is not None
        return mc.p90 - mc.p10

    # The same draws reordered: only sampling noise in the P10 and P90 can narrow it, a few
    # tenths of a percent of the width at 4,000 samples.
    assert width(rho + more) >= width(rho) * (1 - 0.005)


def _copilot_npv(data: dict[str, Any], **inputs: float) -> float:
    fixed = copy.deepcopy(data)
    next(o for o in fixed["opportunities"] if o["id"] == "opp-support-copilot").update(inputs)
    fixed["correlations"] = []
    results = calculate(plan_from_json(fixed), monte_carlo=False, with_tornado=False)
    return next(r.npv for r in results.opportunities if r.id == "opp-support-copilot")


def test_a_partner_follows_to_its_median_given_a_bounded_low_read_as_the_10th_percentile(
        sample_json: dict[str, Any]) -> None:
    from statistics import NormalDist

    data = copy.deepcopy(sample_json)
    copilot = next(o for o in data["opportunities"] if o["id"] == "opp-support-copilot")
    copilot["tasks_per_user_month"] = {"base": 190, "low": 150, "high": 230, "dist": "uniform"}
    users = ("opportunity", "opp-support-copilot", "tasks_per_user_month")
    plan = with_correlations(plan_from_json(data), (COPILOT, users, 0.5))
    bar = next(b for r in calculate(plan, monte_carlo=False).opportunities if r.id == "opp-support-copilot"
               for b in r.tornado if b.key == COPILOT)
    # Adoption is a PERT range: its low is read as its 10th percentile, so the uniform partner
    # sits at its quantile Phi(r Phi^-1(0.1)), r = 2 sin(pi rho / 6); the engine reads that
    # quantile from 4,001 draws, a few thousandths off at most, so bracket it by two hundredths.
    unit, r = NormalDist(), 2 * np.sin(np.pi * 0.5 / 6)
    for q, npv, end in ((0.1, bar.npv_low, 0.55), (0.9, bar.npv_high, 0.9)):
        level = unit.cdf(r * unit.inv_cdf(q))
        around = [_copilot_npv(data, adoption_target=end, tasks_per_user_month=150 + p * 80)
                  for p in (level - 0.02, level + 0.02)]
        assert min(around) <= npv <= max(around)


def test_a_correlation_of_zero_leaves_the_tornado_as_it_was(plan: Plan) -> None:
    # A skewed range: its median is not its base, so moving it to its median would show.
    value = ("opportunity", "opp-support-copilot", "value_per_success")
    alone = calculate(with_correlations(plan), monte_carlo=False)
    zero = calculate(with_correlations(plan, (COPILOT, value, 0.0)), monte_carlo=False)
    assert [r.tornado for r in zero.opportunities] == [r.tornado for r in alone.opportunities]
