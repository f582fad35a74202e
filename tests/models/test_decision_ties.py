"""Decisions whose top options tie are said as ties; a flip names every option that overtakes."""

from __future__ import annotations

from typing import Any

from models.decision import (
    evaluate_decision,
    recommendation_sentence,
    recommendations,
    robustness_sentence,
    score_headline,
)
from models.estimate import Estimate
from models.plan import Criterion, Decision, Option, Plan, Settings


def crit(cid: str, name: str, weight: float = 1.0) -> Criterion:
    return Criterion(id=cid, name=name, kind="score", weight=Estimate(weight))


def opt(oid: str, name: str, scores: dict[str, float]) -> Option:
    return Option(id=oid, name=name, scores={k: Estimate(v) for k, v in scores.items()})


def tied_decision(chosen: str | None = None, third: bool = False) -> Decision:
    # Quality and Speed weigh the same. Build (5, 3) -> n (1, 0.5), Partner (3, 5) -> n (0.5, 1): both
    # score 100 * 1.5 / 2 = 75. Buy (2, 2) -> n (0.25, 0.25) scores 25.
    options = [opt("build", "Build", {"q": 5, "s": 3}), opt("partner", "Partner", {"q": 3, "s": 5})]
    if third:
        options.append(opt("buy", "Buy", {"q": 2, "s": 2}))
    return Decision(id="d", name="Copilot", chosen_option_id=chosen,
                    criteria=(crit("q", "Quality"), crit("s", "Speed")), options=tuple(options))


def evaluate(decision: Decision):  # noqa: ANN201
    return evaluate_decision(decision, Plan(Settings(), (), (decision,)))


def test_a_tie_names_both_options_and_which_way_each_weight_breaks_it() -> None:
    decision = tied_decision()
    result = evaluate(decision)
    assert result.tied == ("build", "partner")
    assert result.winner == "build"  # the plan uses the first entered until the PM chooses
    assert result.scores == {"build": 75.0, "partner": 75.0}
    assert not result.robust
    assert score_headline(decision, result) == "Build and Partner tie at 75.0 of 100"
    assert robustness_sentence(decision, result) == (
        "Build and Partner tie at 75.0 of 100. Any change in the weights breaks the tie: more weight on "
        "Quality favours Build; more weight on Speed favours Partner.")
    # Each flip sits at today's share: the option it favours overtakes at once.
    assert [(f.share_now, f.share_flip, f.overtakers) for f in result.flips] == [
        (0.5, 0.5, ("partner",)), (0.5, 0.5, ("partner",))]


def test_a_score_equal_only_up_to_float_noise_is_a_tie() -> None:
    # Weights 0.1, 0.2 and 0.3: Build 0.1 + 0.2 against Partner 0.3, equal on paper, not in floats.
    criteria = (crit("x", "X", 0.1), crit("y", "Y", 0.2), crit("z", "Z", 0.3))
    decision = Decision(id="d", name="Copilot", criteria=criteria, options=(
        opt("build", "Build", {"x": 5, "y": 5, "z": 1}), opt("partner", "Partner", {"x": 1, "y": 1, "z": 5})))
    result = evaluate(decision)
    assert result.tied == ("build", "partner")
    assert score_headline(decision, result) == "Build and Partner tie at 50.0 of 100"


def test_one_leader_is_no_tie() -> None:
    decision = tied_decision()
    decision = Decision(id="d", name="Copilot", criteria=decision.criteria,
                        options=(decision.options[0], opt("partner", "Partner", {"q": 3, "s": 4})))
    result = evaluate(decision)
    assert result.tied == ()
    assert score_headline(decision, result) == "Highest score: Build (75.0 of 100)"


def test_options_alike_on_every_criterion_are_never_separated() -> None:
    decision = Decision(id="d", name="Copilot", criteria=(crit("q", "Quality"),), options=(
        opt("build", "Build", {"q": 4}), opt("partner", "Partner", {"q": 4})))
    result = evaluate(decision)
    assert result.tied == ("build", "partner")
    assert robustness_sentence(decision, result) == (
        "Build and Partner tie at 75.0 of 100. They score alike on every criterion, so no change in the "
        "weights separates them.")


def test_a_flip_names_every_option_that_overtakes() -> None:
    # Quality 4 : Speed 1. A (5, 1) -> 80; B and C (1, 5) -> 20 each. Quality's share falling to 50%
    # brings B and C level with A together, and both lead past it.
    decision = Decision(id="d", name="Copilot", criteria=(crit("q", "Quality", 4), crit("s", "Speed", 1)),
                        options=(opt("a", "A", {"q": 5, "s": 1}), opt("b", "B", {"q": 1, "s": 5}),
                                 opt("c", "C", {"q": 1, "s": 5})))
    result = evaluate(decision)
    assert result.tied == ()
    assert result.flips[0].overtakers == ("b", "c")
    assert result.flips[0].new_winner == "b"
    assert robustness_sentence(decision, result) == (
        "A stays best unless Quality's weight falls from 80% to 50%, when B and C overtake it.")


def test_the_memo_wording_of_a_tie_with_and_without_a_choice() -> None:
    def sentence(decision: Decision) -> str:
        (rec,) = recommendations([decision], [evaluate(decision)])
        return recommendation_sentence(rec, mark=lambda name: f"*{name}*")

    breaks = ("Any change in the weights breaks the tie: more weight on Quality favours Build; more weight "
              "on Speed favours Partner.")
    assert sentence(tied_decision()) == (
        f"*Build* and *Partner* tie at 75.0 of 100, a close call. {breaks} Until one is chosen, the plan "
        "uses Build, the first entered.")
    assert sentence(tied_decision(chosen="partner")) == (
        f"We recommend *Partner*, the option chosen, which ties with Build at 75.0 of 100, a close call. "
        f"{breaks}")
    assert sentence(tied_decision(chosen="buy", third=True)) == (
        f"We recommend *Buy*, the option chosen (score 25 of 100); Build and Partner tie for the highest "
        f"score at 75.0 of 100. {breaks}")


def with_tied_decision(data: dict[str, Any], chosen: str | None = None) -> dict[str, Any]:
    """The plan's JSON with its contract decision rescored so that Build and Partner tie at 75 of 100
    (the exports and the workspace are tested on it)."""
    d = next(d for d in data["decisions"] if d["id"] == "dec-contract")
    d["chosen_option_id"] = chosen
    d["criteria"] = [
        {"id": f"crit-{cid}", "name": name, "kind": "score", "unit": "", "higher_is_better": True,
         "weight": 1} for cid, name in (("q", "Quality"), ("s", "Speed"))]
    for option, name, (q, s) in zip(d["options"], ("Build", "Partner", "Buy"), ((5, 3), (3, 5), (2, 2)),
                                     strict=True):
        option["name"], option["scores"], option["notes"] = name, {"crit-q": q, "crit-s": s}, {}
    return data
