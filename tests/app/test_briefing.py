"""What the exports say about a plan, before any PDF: sources in words, the bridge, recommendations."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.briefing import Briefing, brief, decision_box, fill_references, missing_references_warning
from app.formatting import money
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json

PARTNER = "Partner: cloud AI platform plus implementation partner"
COPILOT_UNIT = "Support copilot: cost per assisted reply"


def _brief(data: dict[str, Any], samples: int = 500) -> Briefing:
    return brief(data, calculate(plan_from_json(data), samples=samples))


@pytest.fixture(scope="module")
def sample() -> Briefing:
    return _brief(sample_data())


def test_an_input_from_an_option_and_a_unit_model_says_both(sample: Briefing) -> None:
    copilot = sample.by_id("opp-support-copilot")
    assert copilot is not None
    used = {i.field: i for i in copilot.inputs}
    assert used["run_cost_annual"].value == 138_000
    assert used["run_cost_annual"].sentence == (
        f"$138,000 = option “{PARTNER}” $96,000 + unit model “{COPILOT_UNIT}” fixed $3,500 a month × 12")
    assert used["build_cost"].sentence == f"$220,000 = option “{PARTNER}” $220,000"
    assert used["cost_per_task"].sentence == (
        f"$0.0617 = unit model “{COPILOT_UNIT}” variable cost per task $0.0617")
    assert used["adoption_target"].sentence == "75% (own estimate)"
    # The same value and source label as calc --json.
    result = next(r for r in sample.results.opportunities if r.id == "opp-support-copilot")
    assert {i.field: (i.value, i.source) for i in copilot.inputs} == result.effective


def test_an_own_input_plus_a_unit_models_fixed_cost(sample: Briefing) -> None:
    triage = sample.by_id("opp-ticket-triage")
    assert triage is not None
    run = next(i for i in triage.inputs if i.field == "run_cost_annual")
    assert run.sentence == ("$34,800 = own $24,000 + unit model “Ticket triage: cost per routed ticket” "
                            "fixed $900 a month × 12")


def test_the_bridge_is_the_portfolios_numbers(sample: Briefing) -> None:
    p = sample.results.portfolio
    b = sample.bridge
    assert b.npv_all == pytest.approx(sum(r.npv for r in sample.results.opportunities), abs=1e-6)
    assert (b.enpv_all, b.enpv_funded, b.build_funded, b.budget) == (
        p.total_enpv, p.selected_enpv, p.selected_build_cost, p.budget)
    assert b.mc_all is p.mc and b.mc_funded is p.selected_mc
    assert [o.result.id for o in sample.funded] == [i for i in p.ranking if i in p.selected]
    steps = dict(b.steps("USD"))
    assert steps["eNPV of the 4 funded within the $900k budget"] == money(p.selected_enpv, "USD", short=True)


def test_an_unfunded_opportunity_is_never_recommended(sample: Briefing) -> None:
    contract = next(d for d in sample.decisions if d.recommendation.decision.id == "dec-contract")
    sentence = contract.sentence()
    assert sentence.startswith("Not recommended now: Contract review is not funded (negative eNPV of")
    assert "We recommend" not in sentence
    for o in sample.unfunded:
        assert o.why_not and not o.funded
    meetings = sample.by_id("opp-meeting-summaries")
    assert meetings is not None and meetings.status == (
        "Not funded: the $900k budget is spent on higher-eNPV opportunities; its build cost of $150k "
        "does not fit in the $10k left")
    box = dict(decision_box(sample))
    assert box["The ask"] == "Approve $890k of build budget, of the $900k available, for 4 opportunities."
    assert "Contract review: negative eNPV" in box["Not funded"]


def test_a_chosen_option_that_is_not_the_highest_score_names_both() -> None:
    data = copy.deepcopy(sample_data())
    data["decisions"][0]["chosen_option_id"] = "opt-copilot-buy"
    b = _brief(data)
    d = next(d for d in b.decisions if d.recommendation.decision.id == "dec-copilot")
    assert d.sentence().startswith("We recommend Buy an agent-assist product, the option chosen (score ")
    assert f"; {PARTNER} has the highest score (" in d.sentence()
    assert (f"confirm “How do we get the support copilot?”: Buy an agent-assist product is chosen, {PARTNER} "
            "scores higher") in dict(decision_box(b))["Decision needed"]


def test_no_option_chosen_is_a_decision_needed_not_a_recommendation() -> None:
    data = copy.deepcopy(sample_data())
    data["decisions"][0]["chosen_option_id"] = None
    b = _brief(data)
    d = next(d for d in b.decisions if d.recommendation.decision.id == "dec-copilot")
    assert d.sentence().startswith(f"No option is chosen yet: {PARTNER} has the highest score")
    assert "We recommend" not in d.sentence()
    assert (f"choose an option for “How do we get the support copilot?” ({PARTNER} scores highest)"
            in dict(decision_box(b))["Decision needed"])


def test_an_irr_above_200_percent_says_what_drives_it(sample: Briefing) -> None:
    copilot = sample.by_id("opp-support-copilot")
    assert copilot is not None and copilot.result.irr is not None and copilot.result.irr > 2
    assert copilot.irr_note.startswith("An IRR of 961% comes from a small build cost ($220k) against large")
    assert "High IRRs" in dict(decision_box(sample))


def test_references_are_filled_and_a_dangling_one_is_visible(sample: Briefing) -> None:
    p = sample.results.portfolio
    text, missing = fill_references(
        "Ask {portfolio.funded_build_cost} for {portfolio.funded_enpv}; "
        "copilot {opportunity:opp-support-copilot.npv}, sourced from {decision:dec-copilot.chosen}. "
        "Old: {opportunity:opp9.npv} {decision:dec-copilot.colour}.",
        sample)
    copilot = next(r for r in sample.results.opportunities if r.id == "opp-support-copilot")
    assert text == (f"Ask $890k for {money(p.selected_enpv, 'USD', short=True)}; copilot "
                    f"{money(copilot.npv, 'USD', short=True)}, sourced from {PARTNER}. "
                    "Old: [missing: opportunity:opp9.npv] [missing: decision:dec-copilot.colour].")
    assert missing == ["opportunity:opp9.npv", "decision:dec-copilot.colour"]
    line = missing_references_warning(missing)
    assert "\n" not in line and "{opportunity:opp9.npv}" in line and "[missing: …]" in line
    assert missing_references_warning([]) == ""
    # Braces that are not a reference stay as typed.
    assert fill_references("{not a reference} {portfolio}", sample) == ("{not a reference} {portfolio}", [])
