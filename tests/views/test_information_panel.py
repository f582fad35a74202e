"""What to learn next, in Opportunities and in Portfolio: the engine's value of information in
the shared sentences, the top inputs with their worth, and a plain word before results arrive."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.information_words import learn_next_sentences, plan_sentences
from models.information import Worth
from views.information_panel import InformationPanel
from views.number_display import money
from views.opportunities_view import OpportunitiesWorkspace
from views.portfolio_view import PortfolioWorkspace


def test_an_opportunity_shows_what_is_worth_learning_as_the_engine_ranks_it(qtbot: Any,
                                                                            controller: Any) -> None:
    ws = OpportunitiesWorkspace(controller)
    qtbot.addWidget(ws)
    ws.resize(1200, 900)
    ws.show()
    ws.table.selectRow(ws.model.row_of("opp-self-service"))
    assert "Run the simulation" in ws.learn_next.sentences.text() or controller.mc_results is not None
    controller.wait_for_monte_carlo()
    qtbot.waitUntil(lambda: "Learning everything" in ws.learn_next.sentences.text())
    result = next(r for r in controller.mc_results.opportunities if r.id == "opp-self-service")
    assert ws.learn_next.sentences.text() == " ".join(
        learn_next_sentences(result, controller.mc_results.plan, "USD"))
    top = result.evppi[0]
    listed = ws.learn_next.inputs.text()
    assert "whether the launch succeeds" in listed and money(top.evppi, "USD", short=True) in listed


def test_the_portfolio_shows_the_plans_value_of_information_and_its_correlations(qtbot: Any,
                                                                               controller: Any) -> None:
    ws = PortfolioWorkspace(controller)
    qtbot.addWidget(ws)
    ws.resize(1200, 900)
    ws.show()
    controller.wait_for_monte_carlo()
    qtbot.waitUntil(lambda: "Learning everything" in ws.learn_next.sentences.text())
    assert ws.learn_next.sentences.text() == " ".join(plan_sentences(controller.mc_results))
    assert "The range includes 2 correlations between inputs" in ws.summary.text()
    controller.set_value("project", "", "discount_rate", 0.12)  # results go stale: said, not shown old
    assert ws.learn_next.sentences.text() == "Run the simulation to see what is worth learning."


def test_a_worth_within_the_simulations_noise_reads_no_clear_value(qtbot: Any, controller: Any) -> None:
    panel = InformationPanel()
    qtbot.addWidget(panel)
    controller.wait_for_monte_carlo()
    result = next(r for r in controller.mc_results.opportunities if r.id == "opp-self-service")
    hand = dataclasses.replace(result, evpi=50_000.0, evppi_floor=3_000.0, evppi=(
        Worth(("opportunity", result.id, "launch_success"), 40_000.0),
        Worth(("opportunity", result.id, "build_cost"), 2_000.0),  # below the noise floor
    ))
    panel.show_opportunity(hand, controller.mc_results, "USD")
    listed = panel.inputs.text()
    assert "whether the launch succeeds" in listed and "$40k" in listed
    assert "build cost" in listed and "no clear value" in listed and "$2.0k" not in listed
    assert panel.sentences.text() == ("Learning everything before committing is worth up to $50k. Knowing "
                                      "whether the launch succeeds before committing is worth up to $40k.")
