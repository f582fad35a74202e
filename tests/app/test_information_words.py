"""What is worth learning, in the words the window, the exports and ``aiplan calc`` share."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.information_words import evpi_sentence, learn_next_sentences, plan_sentences
from models.engine import OpportunityResult, calculate
from models.information import Worth
from models.plan import plan_from_json


def _result(sample_json: dict[str, Any]) -> tuple[OpportunityResult, Any]:
    results = calculate(plan_from_json(sample_json), monte_carlo=False)
    churn = next(r for r in results.opportunities if r.id == "opp-churn-explain")
    return churn, results.plan


def test_the_top_inputs_in_one_sentence_with_their_worth(sample_json: dict[str, Any]) -> None:
    churn, plan = _result(sample_json)
    hand = dataclasses.replace(churn, evpi=88_000.0, evppi_floor=1_000.0, evppi=(
        Worth(("opportunity", churn.id, "launch_success"), 78_000.0),
        Worth(("opportunity", churn.id, "value_per_success"), 29_600.0),
        Worth(("unit_model", "um-support-copilot", "escalation_rate"), 4_000.0),
        Worth(("opportunity", churn.id, "build_cost"), 900.0),  # below the noise floor
    ))
    assert learn_next_sentences(hand, plan, "USD") == [
        "Learning everything before committing is worth up to $88k.",
        "Knowing whether the launch succeeds before committing is worth up to $78k; value per "
        "successful task, $30k; escalation rate of Support copilot: cost per assisted reply, $4.0k."]
    assert learn_next_sentences(hand, plan, "USD", top=1)[1] == (
        "Knowing whether the launch succeeds before committing is worth up to $78k.")


def test_nothing_to_learn_and_no_simulation_are_said_as_such(sample_json: dict[str, Any]) -> None:
    churn, plan = _result(sample_json)
    assert learn_next_sentences(churn, plan, "USD") == ["Run the simulation to see what is worth learning."]
    assert evpi_sentence(0.0, "EUR") == ("Nothing is worth learning first: no simulated outcome would "
                                         "change the decision.")
    noise = dataclasses.replace(churn, evpi=5_000.0, evppi_floor=2_000.0,
                                evppi=(Worth(("opportunity", churn.id, "build_cost"), 1_500.0),))
    assert learn_next_sentences(noise, plan, "USD")[1] == (
        "No single input stands out: each is worth little on its own.")


def test_the_plans_sentences_name_whose_launch(sample_json: dict[str, Any]) -> None:
    results = calculate(plan_from_json(sample_json), with_tornado=False, samples=4_000)
    first, second = plan_sentences(results)
    assert first.startswith("Learning everything before committing is worth up to $")
    assert second.startswith("Knowing whether the launch of ")  # whose launch, in words
