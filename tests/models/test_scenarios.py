"""Scenarios: overlays on the base plan, calculated exactly as the base, checked in plain sentences."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from models.engine import PlanResults, calculate, results_json
from models.plan import plan_from_json
from models.scenarios import (
    BASE_NAME,
    Override,
    Scenario,
    ScenarioInvalid,
    apply_scenario,
    calculate_scenarios,
    dangling_overrides,
    probabilities,
    scenario_from_json,
    scenario_json,
    scenario_problems,
    weighted_enpv,
)

SAMPLES = 2_000
PERT = {"base": 0.5, "low": 0.3, "high": 0.7, "dist": "pert"}


def _by_id(items: list[dict[str, Any]], identifier: str) -> dict[str, Any]:
    return next(item for item in items if item["id"] == identifier)


def _opportunity(results: PlanResults, identifier: str) -> Any:
    return next(r for r in results.opportunities if r.id == identifier)


def _same(a: PlanResults, b: PlanResults) -> None:
    """Every result of calc --json identical, and every kept Monte Carlo sample too."""
    assert results_json(a) == results_json(b)
    for ra, rb in zip(a.opportunities, b.opportunities, strict=True):
        assert ra.npv_samples is not None and rb.npv_samples is not None
        assert np.array_equal(ra.npv_samples, rb.npv_samples)
    assert a.portfolio.npv_samples is not None and b.portfolio.npv_samples is not None
    assert np.array_equal(a.portfolio.npv_samples, b.portfolio.npv_samples)


def test_editing_the_base_moves_every_scenario_that_did_not_override_the_field_and_no_other(
        sample: dict[str, Any]) -> None:
    keeps = Scenario("s-keeps", "Email priced", overrides=(
        Override("opportunity", "opp-sales-email", "value_per_success", 9.0),))
    follows = Scenario("s-follows", "Slow churn adoption", overrides=(
        Override("opportunity", "opp-churn-explain", "adoption_target", PERT),))
    before = calculate_scenarios(sample, [keeps, follows], samples=SAMPLES)
    edited = copy.deepcopy(sample)
    _by_id(edited["opportunities"], "opp-sales-email")["value_per_success"] = 0.5
    after = calculate_scenarios(edited, [keeps, follows], samples=SAMPLES)

    _same(before["Email priced"], after["Email priced"])  # it overrides the edited field
    for name in (BASE_NAME, "Slow churn adoption"):
        was, now = _opportunity(before[name], "opp-sales-email"), _opportunity(after[name], "opp-sales-email")
        assert now.npv < was.npv
        assert before[name].portfolio.total_enpv != after[name].portfolio.total_enpv
    # The scenario that follows the base sees exactly the base's new numbers for the edited opportunity.
    assert results_json(after["Slow churn adoption"])["opportunities"][2] == \
        results_json(after[BASE_NAME])["opportunities"][2]


def test_each_scenario_equals_the_plan_built_by_hand_from_its_overrides(sample: dict[str, Any]) -> None:
    downside = Scenario("s-down", "Downside", overrides=(
        Override("route", "route-copilot-haiku", "price_in_mtok", 0.13),
        Override("option", "opt-copilot-partner", "upfront_cost", {"base": 260000, "low": 200000,
                                                                   "high": 400000, "dist": "triangular"}),
        Override("opportunity", "opp-support-copilot", "adoption_target", PERT),
        Override("unit_model", "um-ticket-triage", "fixed_monthly", 9000),
        Override("criterion", "crit-copilot-accuracy", "weight", 5),
        Override("option", "opt-contract-buy", "scores.crit-contract-accuracy", 2),
        Override("decision", "dec-contract", "annual_volume", 1000),
        Override("project", "", "discount_rate", 0.14),
        Override("project", "", "budget", 700000),
    ))
    assert _by_id(_by_id(sample["decisions"], "dec-contract")["criteria"], "crit-contract-accuracy")
    by_hand = copy.deepcopy(sample)
    copilot = _by_id(by_hand["unit_models"], "um-support-copilot")
    _by_id(copilot["routes"], "route-copilot-haiku")["price_in_mtok"] = 0.13
    dec_copilot = _by_id(by_hand["decisions"], "dec-copilot")
    _by_id(dec_copilot["options"], "opt-copilot-partner")["upfront_cost"] = {
        "base": 260000, "low": 200000, "high": 400000, "dist": "triangular"}
    _by_id(by_hand["opportunities"], "opp-support-copilot")["adoption_target"] = dict(PERT)
    _by_id(by_hand["unit_models"], "um-ticket-triage")["fixed_monthly"] = 9000
    _by_id(dec_copilot["criteria"], "crit-copilot-accuracy")["weight"] = 5
    dec_contract = _by_id(by_hand["decisions"], "dec-contract")
    _by_id(dec_contract["options"], "opt-contract-buy")["scores"]["crit-contract-accuracy"] = 2
    dec_contract["annual_volume"] = 1000
    by_hand["project"]["discount_rate"] = 0.14
    by_hand["project"]["budget"] = 700000

    results = calculate_scenarios(sample, [downside], samples=SAMPLES)
    alone = calculate(plan_from_json(by_hand), samples=SAMPLES)
    _same(results["Downside"], alone)
    assert results["Downside"].portfolio.total_enpv != results[BASE_NAME].portfolio.total_enpv
    assert list(results) == [BASE_NAME, "Downside"]  # the base first


def test_an_opportunity_no_override_reaches_draws_bitwise_the_same_samples(sample: dict[str, Any]) -> None:
    scenario = Scenario("s", "Churn", overrides=(
        Override("opportunity", "opp-churn-explain", "adoption_target", PERT),))
    results = calculate_scenarios(sample, [scenario], samples=SAMPLES)
    base, churn = results[BASE_NAME], results["Churn"]
    untouched = _opportunity(base, "opp-meeting-summaries").npv_samples
    assert np.array_equal(untouched, _opportunity(churn, "opp-meeting-summaries").npv_samples)
    assert not np.array_equal(_opportunity(base, "opp-churn-explain").npv_samples,
                              _opportunity(churn, "opp-churn-explain").npv_samples)


@pytest.mark.parametrize(("field", "value", "funded"), [
    ("budget", 300000, ("opp-support-copilot",)),
    ("discount_rate", 0.5, ("opp-support-copilot", "opp-ticket-triage", "opp-knowledge-search")),
])
def test_discount_rate_and_budget_change_the_funded_set_as_calculate_does(
        sample: dict[str, Any], field: str, value: float, funded: tuple[str, ...]) -> None:
    scenario = Scenario("s", "Tight", overrides=(Override("project", "", field, value),))
    results = calculate_scenarios(sample, [scenario], monte_carlo=False)
    by_hand = copy.deepcopy(sample)
    by_hand["project"][field] = value
    alone = calculate(plan_from_json(by_hand), monte_carlo=False)
    assert results["Tight"].portfolio.selected == alone.portfolio.selected == funded
    assert results[BASE_NAME].portfolio.selected == (
        "opp-support-copilot", "opp-ticket-triage", "opp-knowledge-search", "opp-self-service")
    assert results_json(results["Tight"]) == results_json(alone)


def test_applying_copies_only_what_changes_and_leaves_the_base_untouched(sample: dict[str, Any]) -> None:
    before = copy.deepcopy(sample)
    scenario = Scenario("s", "S", overrides=(
        Override("route", "route-copilot-haiku", "share", 0.8),
        Override("opportunity", "opp-sales-email", "build_cost", 1.0),
        Override("project", "", "budget", 5.0),
    ))
    out = apply_scenario(sample, scenario)
    assert sample == before
    assert out["project"]["budget"] == 5.0 and sample["project"]["budget"] == 900000
    assert _by_id(out["opportunities"], "opp-sales-email")["build_cost"] == 1.0
    assert out["opportunities"][0] is sample["opportunities"][0]  # not overridden: shared
    assert out["decisions"] is sample["decisions"]
    assert out["unit_models"][1] is sample["unit_models"][1]


def test_problems_are_plain_sentences(sample: dict[str, Any]) -> None:
    bad = Scenario("s1", "base", probability=1.5, overrides=(
        Override("opportunity", "opp-gone", "adoption_target", 0.5),
        Override("opportunity", "opp-sales-email", "colour", 0.5),
        Override("planet", "mars", "gravity", 3.7),
        Override("project", "", "discount_rate", 1.5),
        Override("project", "", "budget", PERT),
        Override("opportunity", "opp-sales-email", "adoption_target",
                 {"base": 0.5, "low": 0.6, "high": 0.9, "dist": "pert"}),
        Override("opportunity", "opp-sales-email", "ramp_months", 2.5),
        Override("opportunity", "opp-sales-email", "eligible_users", -3),
        Override("option", "opt-copilot-partner", "scores.crit-copilot-accuracy", 7),
        Override("option", "opt-copilot-partner", "scores.crit-nothing", 3),
    ))
    twin = Scenario("s2", "Twin", overrides=(
        Override("opportunity", "opp-sales-email", "build_cost", 1),
        Override("opportunity", "opp-sales-email", "build_cost", 2),
    ))
    assert scenario_problems(sample, [bad, twin, Scenario("s3", " twin ", probability=0.5)]) == [
        "Scenario “base”: “base” is already the base plan's name; give it another name.",
        "Scenario “base”: its probability must be between 0% and 100%.",
        "Scenario “base” overrides adoption_target of opportunity “opp-gone”, which the plan no longer has; "
        "remove the override or restore the opportunity.",
        "Scenario “base” overrides “colour” of opportunity “opp-sales-email”, which is not a number a "
        "scenario can change there.",
        "Scenario “base” overrides a “planet”, which is not a kind of object a scenario can change (one of: "
        "opportunity, decision, criterion, option, unit model, route, project).",
        "Scenario “base”, discount_rate of the project's settings: must be a fraction between 0% and 100%.",
        "Scenario “base”, budget of the project's settings: must be a plain number.",
        "Scenario “base”, adoption_target of opportunity “opp-sales-email”: the low value must not exceed "
        "the base.",
        "Scenario “base”, ramp_months of opportunity “opp-sales-email”: must be a whole number.",
        "Scenario “base”, eligible_users of opportunity “opp-sales-email”: must not be negative.",
        "Scenario “base”, scores.crit-copilot-accuracy of option “opt-copilot-partner”: a score must be "
        "between 1 and 5.",
        "Scenario “base” overrides the score of option “opt-copilot-partner” on criterion “crit-nothing”, "
        "which its decision does not have.",
        "Scenario “Twin” overrides build_cost of opportunity “opp-sales-email” twice; keep one.",
        "Scenario “ twin ”: “ twin ” is already another scenario's name; give it another name.",
    ]
    with pytest.raises(ScenarioInvalid, match="already the base plan's name"):
        calculate_scenarios(sample, [bad], monte_carlo=False)


def test_probabilities_over_100_percent_are_refused(sample: dict[str, Any]) -> None:
    scenarios = [Scenario("a", "A", probability=0.7), Scenario("b", "B", probability=0.4)]
    assert scenario_problems(sample, scenarios) == [
        "The scenarios' probabilities total 110%; the base plan takes what is left of 100%, so lower them "
        "to total at most 100%."]
    assert scenario_problems(sample, [Scenario("a", "A", probability=0.7), Scenario("b", "B")]) == []


def test_weighted_total_is_the_hand_computed_sum_when_probabilities_total_one(sample: dict[str, Any]) -> None:
    down = Scenario("d", "Downside", probability=0.25, overrides=(
        Override("opportunity", "opp-sales-email", "value_per_success", 0.5),))
    up = Scenario("u", "Upside", probability=0.15, overrides=(
        Override("project", "", "discount_rate", 0.05),))
    results = calculate_scenarios(sample, [down, up], monte_carlo=False)
    weights = probabilities([down, up])
    assert weights == {BASE_NAME: pytest.approx(0.6), "Downside": 0.25, "Upside": 0.15}
    by_hand = (0.6 * results[BASE_NAME].portfolio.total_enpv + 0.25 * results["Downside"].portfolio.total_enpv
               + 0.15 * results["Upside"].portfolio.total_enpv)
    weighted = weighted_enpv(results, weights)
    assert weighted is not None and math.isclose(weighted, by_hand, rel_tol=1e-12)
    assert len({round(r.portfolio.total_enpv) for r in results.values()}) == 3  # the weights matter
    # Not reported unless every scenario gives a probability and they total 1.
    assert probabilities([down, Scenario("x", "X")]) is None
    assert weighted_enpv(results, None) is None
    assert weighted_enpv(results, {BASE_NAME: 0.5, "Downside": 0.25, "Upside": 0.15}) is None
    assert weighted_enpv(results, {BASE_NAME: 0.6, "Downside": 0.4}) is None  # Upside has none


def test_an_override_of_a_deleted_object_is_reported_not_dropped(sample: dict[str, Any]) -> None:
    scenario = Scenario("s", "Email", overrides=(
        Override("opportunity", "opp-sales-email", "build_cost", 1.0),
        Override("route", "route-copilot-haiku", "share", 0.8),
    ))
    sample["opportunities"] = [o for o in sample["opportunities"] if o["id"] != "opp-sales-email"]
    assert dangling_overrides(sample, scenario) == [scenario.overrides[0]]
    sentence = ("Scenario “Email” overrides build_cost of opportunity “opp-sales-email”, which the plan no "
                "longer has; remove the override or restore the opportunity.")
    with pytest.raises(ScenarioInvalid) as raised:
        apply_scenario(sample, scenario)
    assert raised.value.problems == [sentence]
    with pytest.raises(ScenarioInvalid) as raised:
        calculate_scenarios(sample, [scenario], monte_carlo=False)
    assert raised.value.problems == [sentence]


def test_the_interchange_form_round_trips() -> None:
    scenario = Scenario("s", "Downside", "Vendor prices rise", 0.2, (
        Override("route", "r1", "price_in_mtok", {"base": 1.3, "low": 1.0, "high": 2.0, "dist": "pert"}),
        Override("project", "", "budget", 500000)))
    assert scenario_from_json(scenario_json(scenario)) == scenario


def test_the_bases_results_are_reused_only_when_made_from_this_very_plan(sample: dict[str, Any]) -> None:
    scenario = Scenario("s", "Churn", overrides=(
        Override("opportunity", "opp-churn-explain", "adoption_target", PERT),))
    fresh = calculate_scenarios(sample, [scenario], samples=SAMPLES)
    ready = calculate(plan_from_json(sample), samples=SAMPLES)
    reused = calculate_scenarios(sample, [scenario], samples=SAMPLES, base=ready)
    assert reused[BASE_NAME] is ready
    _same(reused["Churn"], fresh["Churn"])
    edited = copy.deepcopy(sample)
    _by_id(edited["opportunities"], "opp-sales-email")["value_per_success"] = 0.5
    stale = calculate(plan_from_json(edited), samples=SAMPLES)
    other_count = calculate(plan_from_json(sample), samples=SAMPLES + 1)
    no_tornado = calculate(plan_from_json(sample), samples=SAMPLES, with_tornado=False)
    for wrong in (stale, other_count, no_tornado):
        again = calculate_scenarios(sample, [scenario], samples=SAMPLES, base=wrong)
        assert again[BASE_NAME] is not wrong
        _same(again[BASE_NAME], fresh[BASE_NAME])


def test_a_rule_across_fields_the_scenario_breaks_is_named_with_the_scenario(sample: dict[str, Any]) -> None:
    cheap = Scenario("s", "Cheap", overrides=(Override("route", "route-copilot-haiku", "share", 0.5),))
    sentence = ("Scenario “Cheap”: unit model “Support copilot: cost per assisted reply”, routes.share: "
                "total 70%; they must total 100%.")
    assert scenario_problems(sample, [cheap]) == [sentence]
    with pytest.raises(ScenarioInvalid) as raised:
        calculate_scenarios(sample, [cheap], monte_carlo=False)
    assert raised.value.problems == [sentence]
    both = Scenario("s", "Moved", overrides=(Override("route", "route-copilot-haiku", "share", 0.5),
                                             Override("route", "route-copilot-sonnet", "share", 0.5)))
    assert scenario_problems(sample, [both]) == []
