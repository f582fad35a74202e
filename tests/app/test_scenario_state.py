"""The open project read under a scenario: the scenario's values and results, while every change
is still made to the base plan (docs/formulas.md 3.7)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from app.document import ProjectDocument
from app.edits import override_field
from app.project_state import ProjectState, ScenarioValue, overridable, plain
from app.scenario_edits import remove_scenario
from models.problems import PlanInvalid
from models.scenarios import calculate_scenarios, scenario_from_json

COPILOT = "opp-support-copilot"
RANGE = {"base": 0.5, "low": 0.3, "high": 0.7, "dist": "pert"}
SEARCH = "opp-knowledge-search"


@pytest.fixture
def state(sample_json: dict[str, Any]) -> Iterator[ProjectState]:
    document = ProjectDocument.from_data(sample_json)
    yield ProjectState(document)
    document.close()


def expected(state: ProjectState, name: str) -> float:
    scenarios = [scenario_from_json(s) for s in state.data["scenarios"]]
    return calculate_scenarios(state.data, scenarios, monte_carlo=False)[name].portfolio.total_enpv


def test_a_scenario_shown_reads_its_values_and_results_and_the_base_stays(state: ProjectState) -> None:
    base_adoption = copy.deepcopy(state.value("opportunity", COPILOT, "adoption_target"))
    base_total = state.calculate().portfolio.total_enpv
    state.active_scenario = "scn-downside"
    shown = state.value("opportunity", COPILOT, "adoption_target")
    assert plain(shown) == {"base": 0.6, "low": 0.4, "high": 0.8, "dist": "pert"}
    assert isinstance(shown, ScenarioValue) and shown.target == ("opportunity", COPILOT, "adoption_target")
    assert state.overridden("opportunity", COPILOT, "adoption_target")
    assert not state.overridden("opportunity", COPILOT, "eligible_users")
    assert not isinstance(state.value("opportunity", COPILOT, "eligible_users"), ScenarioValue)
    assert state.calculate().portfolio.total_enpv == expected(state, "Downside")
    assert state.calculate().portfolio.total_enpv != base_total
    assert state.base_value("opportunity", COPILOT, "adoption_target") == base_adoption
    state.active_scenario = None
    assert state.value("opportunity", COPILOT, "adoption_target") == base_adoption
    assert state.calculate().portfolio.total_enpv == base_total


def test_a_base_edit_while_a_scenario_is_shown_changes_the_base_and_every_scenario_not_overriding_it(
        state: ProjectState) -> None:
    state.active_scenario = "scn-downside"
    state.set_value("opportunity", SEARCH, "eligible_users", 2400)  # Downside does not override it
    assert state.base_value("opportunity", SEARCH, "eligible_users") == 2400
    assert state.value("opportunity", SEARCH, "eligible_users") == 2400
    assert state.calculate().portfolio.total_enpv == expected(state, "Downside")
    # A field Downside overrides: the base takes the value, the scenario keeps its own.
    # (a range: the base correlates this input, and only a range can be correlated)
    state.set_value("opportunity", COPILOT, "adoption_target", RANGE)
    assert state.base_value("opportunity", COPILOT, "adoption_target") == RANGE
    assert plain(state.value("opportunity", COPILOT, "adoption_target"))["base"] == 0.6
    assert state.calculate().portfolio.total_enpv == expected(state, "Downside")
    # The mark never reaches the stored data.
    shown = state.value("opportunity", COPILOT, "adoption_target")
    state.set_value("opportunity", SEARCH, "success_rate", shown)
    assert type(state.base_value("opportunity", SEARCH, "success_rate")) is dict


def test_an_override_of_the_scenario_shown_is_what_it_reads_and_calculates(state: ProjectState) -> None:
    state.active_scenario = "scn-upside"
    field = override_field("opportunity", SEARCH, "eligible_users")
    state.set_value("scenario", "scn-upside", field, 5000)
    assert state.value("opportunity", SEARCH, "eligible_users") == 5000
    assert state.base_value("opportunity", SEARCH, "eligible_users") != 5000
    assert state.calculate().portfolio.total_enpv == expected(state, "Upside")


def test_removing_the_scenario_shown_shows_the_base_again(state: ProjectState) -> None:
    base_total = state.calculate().portfolio.total_enpv
    state.active_scenario = "scn-downside"
    state.apply_edits(remove_scenario(state.data, "scn-downside"))
    assert state.active_scenario is None
    assert state.calculate().portfolio.total_enpv == base_total
    state.active_scenario = "scn-gone"  # a scenario the plan does not have: the base
    assert state.active_scenario is None


def test_a_scenario_whose_override_cannot_apply_holds_results_with_a_sentence(state: ProjectState) -> None:
    # A file from elsewhere whose override names an input the plan does not have.
    state.data["scenarios"][0]["overrides"].append(
        {"kind": "opportunity", "id": "opp-gone", "field": "eligible_users", "value": 10})
    state.active_scenario = "scn-downside"
    with pytest.raises(PlanInvalid) as caught:
        state.calculate()
    assert "opp-gone" in str(caught.value) and "no longer has" in str(caught.value)
    assert state.value("opportunity", COPILOT, "name")  # the pages still read the base's values


def test_which_inputs_a_scenario_may_override() -> None:
    assert overridable("opportunity", "adoption_target")
    assert overridable("route", "price_in_mtok")
    assert overridable("option", "scores.crit-1")
    assert overridable("project", "discount_rate") and overridable("project", "budget")
    for kind, field in (("opportunity", "name"), ("opportunity", "unit_model_id"), ("opportunity", "notes.x"),
                        ("project", "horizon_years"), ("project", "mc_seed"), ("memo", "body")):
        assert not overridable(kind, field)
