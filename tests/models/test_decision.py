"""Build / partner / buy decisions: hand-worked scores and TCO, the tie rule, flips against a sweep."""

from __future__ import annotations

import random

import numpy as np
import pytest

from models.decision import (
    DecisionResult,
    Flip,
    annual_volume,
    chosen_option,
    decision_problems,
    evaluate_decision,
    robustness_sentence,
    tco,
)
from models.estimate import Estimate
from models.plan import Criterion, Decision, Opportunity, Option, Plan, Settings
from models.problems import PlanInvalid


def crit(cid: str, kind: str = "score", weight: float = 1.0, higher: bool = True,
         name: str = "") -> Criterion:
    return Criterion(id=cid, name=name or cid, kind=kind, higher_is_better=higher, weight=Estimate(weight))


def opt(oid: str, scores: dict[str, float] | None = None, upfront: float = 0.0, annual: float = 0.0,
        per_task: float = 0.0, name: str = "") -> Option:
    return Option(id=oid, name=name or oid, upfront_cost=Estimate(upfront), annual_cost=Estimate(annual),
                  cost_per_task=Estimate(per_task),
                  scores={k: Estimate(v) for k, v in (scores or {}).items()})


def decide(criteria: list[Criterion], options: list[Option], volume: float = 0.0,
           chosen: str | None = None) -> Decision:
    return Decision(id="d", name="Copilot", chosen_option_id=chosen, annual_volume=Estimate(volume),
                    criteria=tuple(criteria), options=tuple(options))


def plan_of(decision: Decision, horizon_years: int = 3, opportunities: tuple[Opportunity, ...] = ()) -> Plan:
    return Plan(Settings(horizon_years=horizon_years), opportunities, (decision,))


def flip_of(result: DecisionResult, criterion_id: str) -> Flip:
    return next(f for f in result.flips if f.criterion == criterion_id)


# A 3-option decision worked by hand. Horizon 3 years, 10,000 tasks a year, weights 2 : 1 : 1.
#   quality (score):          Build 5, Partner 4, Buy 2      -> n = (s-1)/4 = 1, 0.75, 0.25
#   latency (value, lower):   800, 1,200, 2,000 ms           -> n = (2000-v)/1200 = 1, 2/3, 0
#   tco (flag says higher, ignored: always lower is better):
#     Build   300,000 + 3 * (50,000 + 1.00 * 10,000) = 480,000
#     Partner 100,000 + 3 * (80,000 + 2.00 * 10,000) = 400,000
#     Buy           0 + 3 * (150,000 + 0)            = 450,000  -> n = (480k-v)/80k = 0, 1, 0.375
#   scores = 100 * (2 n_q + n_l + n_t) / 4:
#     Build 100 * (2 + 1 + 0) / 4 = 75;  Partner 100 * (1.5 + 2/3 + 1) / 4 = 79.1667;
#     Buy 100 * (0.5 + 0 + 0.375) / 4 = 21.875  -> Partner wins.
# Flips (f_o(s) = s n_oc + (1-s) R_o, R_o the weighted mean of the other n):
#   quality, share 1/2: R_Build = 1/2, R_Partner = 5/6; 1/2 + s/2 = 5/6 - s/12 at s = 4/7 -> Build
#   latency, share 1/4: R_Build = 2/3, R_Partner = 5/6; 2/3 + s/3 = 5/6 - s/6 at s = 1/3 -> Build
#   tco, share 1/4: R_Build = 1, R_Partner = 13/18; 1 - s = 13/18 + 5s/18 at s = 5/23 -> Build
#   (Buy stays far behind on every line.) Nearest: tco, 25% -> 21.7%, within 10 points: not robust.
def three_options() -> Decision:
    return decide(
        [crit("q", "score", 2, name="Quality"), crit("lat", "value", 1, higher=False, name="Latency"),
         crit("t", "tco", 1, higher=True, name="TCO")],
        [opt("build", {"q": 5, "lat": 800}, 300_000, 50_000, 1.0, name="Build"),
         opt("partner", {"q": 4, "lat": 1200}, 100_000, 80_000, 2.0, name="Partner"),
         opt("buy", {"q": 2, "lat": 2000}, 0, 150_000, 0.0, name="Buy")],
        volume=10_000,
    )


def test_hand_worked_three_option_decision() -> None:
    decision = three_options()
    result = evaluate_decision(decision, plan_of(decision))
    assert result.annual_volume == 10_000
    assert result.tco == pytest.approx({"build": 480_000, "partner": 400_000, "buy": 450_000})
    assert result.normalised["build"] == pytest.approx({"q": 1, "lat": 1, "t": 0})
    assert result.normalised["partner"] == pytest.approx({"q": 0.75, "lat": 2 / 3, "t": 1})
    assert result.normalised["buy"] == pytest.approx({"q": 0.25, "lat": 0, "t": 0.375})
    assert result.scores == pytest.approx({"build": 75, "partner": 475 / 6, "buy": 21.875})
    assert result.winner == "partner"
    assert [f.criterion for f in result.flips] == ["q", "lat", "t"]
    assert [f.share_now for f in result.flips] == pytest.approx([0.5, 0.25, 0.25])
    assert [f.share_flip for f in result.flips] == pytest.approx([4 / 7, 1 / 3, 5 / 23])
    assert [f.new_winner for f in result.flips] == ["build", "build", "build"]
    assert not result.robust
    assert robustness_sentence(decision, result) == (
        "Partner stays best unless TCO's weight falls from 25% to 22%, when Build overtakes it.")


def test_public_tco_and_chosen_option() -> None:
    decision = three_options()
    assert tco(decision.options[0], 10_000, 3) == 480_000
    result = evaluate_decision(decision, plan_of(decision))
    assert chosen_option(decision, result).id == "partner"  # nothing chosen: the winner
    chosen = decide(list(decision.criteria), list(decision.options), volume=10_000, chosen="buy")
    assert chosen_option(chosen, evaluate_decision(chosen, plan_of(chosen))).id == "buy"


def test_one_decimal_when_whole_percents_would_repeat() -> None:
    # x weight 1, y weight 3: x's share is 25%. A: x 1 (n 0), y 5 (n 1); B: x 5 (n 1), y 3.65 (n 0.6625).
    # A = 100 * 3 / 4 = 75, B = 100 * (1 + 3 * 0.6625) / 4 = 74.6875: A wins.
    # f_A = 1 - s, f_B = s + (1 - s) 0.6625 meet at s = 0.3375 / 1.3375 = 0.25234 -> "25.0% to 25.2%".
    decision = decide([crit("x", weight=1, name="Reach"), crit("y", weight=3, name="Fit")],
                      [opt("a", {"x": 1, "y": 5}, name="A"), opt("b", {"x": 5, "y": 3.65}, name="B")])
    result = evaluate_decision(decision, plan_of(decision))
    assert result.winner == "a"
    assert flip_of(result, "x").share_flip == pytest.approx(0.3375 / 1.3375)
    assert robustness_sentence(decision, result) == (
        "A stays best unless Reach's weight rises from 25.0% to 25.2%, when B overtakes it.")


def test_zero_weight_criterion_has_no_influence() -> None:
    # "cost" has weight 0 and favours B outright; only quality counts: A (n 1) 100, B (n 0.5) 50.
    criteria = [crit("q", weight=2), crit("cost", "value", weight=0, higher=False)]
    decision = decide(criteria, [opt("a", {"q": 5, "cost": 900}), opt("b", {"q": 3, "cost": 100})])
    result = evaluate_decision(decision, plan_of(decision))
    assert result.scores == pytest.approx({"a": 100, "b": 50})
    assert result.winner == "a"
    # Making cost far worse for B changes nothing, because its weight is zero.
    worse = decide(criteria, [opt("a", {"q": 5, "cost": 900}), opt("b", {"q": 3, "cost": 1e9})])
    assert evaluate_decision(worse, plan_of(worse)).scores == result.scores
    # quality is the only weighted criterion: nothing to flip. Giving cost a share: A = 1 - s,
    # B = s + (1 - s) / 2 meet at s = 1/3.
    assert flip_of(result, "q") == Flip("q", 1.0, None, None)
    assert flip_of(result, "cost").share_now == 0
    assert flip_of(result, "cost").share_flip == pytest.approx(1 / 3)
    assert flip_of(result, "cost").new_winner == "b"


def test_all_zero_weights_cannot_be_scored() -> None:
    decision = decide([crit("q", weight=0), crit("r", weight=0)], [opt("a", {"q": 5, "r": 1}),
                                                                    opt("b", {"q": 3, "r": 2})])
    problems = decision_problems(decision)
    assert [(p.object_kind, p.field) for p in problems] == [("decision", "criteria")]
    with pytest.raises(PlanInvalid, match="weight above zero"):
        evaluate_decision(decision, plan_of(decision))


def test_single_weighted_criterion_never_flips() -> None:
    decision = decide([crit("q", weight=5, name="Quality")],
                      [opt("a", {"q": 2}, name="Build"), opt("b", {"q": 4}, name="Buy")])
    result = evaluate_decision(decision, plan_of(decision))
    assert result.winner == "b"
    assert result.flips == (Flip("q", 1.0, None, None),)
    assert result.robust
    assert robustness_sentence(decision, result) == "Buy stays best whatever any single weight is."


def test_tco_uses_the_volume_of_linked_opportunities() -> None:
    # Linked: 12 * 1,000 * 0.5 * 20 = 120,000 and 12 * 200 * 0.25 * 10 = 6,000 tasks: 126,000 a year.
    # The decision's own 999 and the opportunity linked elsewhere are ignored. Over 2 years:
    #   A: 10,000 + 2 * (5,000 + 0.10 * 126,000) = 45,200;  B: 0 + 2 * 20,000 = 40,000 -> B.
    # With its own 999 tasks A would cost 10,000 + 2 * (5,000 + 99.9) = 20,199.8 and win.
    decision = decide([crit("t", "tco")], [opt("a", {}, 10_000, 5_000, 0.10), opt("b", {}, 0, 20_000)],
                      volume=999)
    linked = (
        Opportunity("o1", decision_id="d", eligible_users=Estimate(1000), adoption_target=Estimate(0.5),
                    tasks_per_user_month=Estimate(20)),
        Opportunity("o2", decision_id="d", eligible_users=Estimate(200), adoption_target=Estimate(0.25),
                    tasks_per_user_month=Estimate(10)),
        Opportunity("o3", decision_id="other", eligible_users=Estimate(10**6), adoption_target=Estimate(1),
                    tasks_per_user_month=Estimate(100)),
    )
    plan = plan_of(decision, horizon_years=2, opportunities=linked)
    assert annual_volume(decision, plan) == pytest.approx(126_000)
    result = evaluate_decision(decision, plan)
    assert result.annual_volume == pytest.approx(126_000)
    assert result.tco == pytest.approx({"a": 45_200, "b": 40_000})
    assert result.winner == "b"
    unlinked = plan_of(decision, horizon_years=2, opportunities=linked[2:])
    assert annual_volume(decision, unlinked) == 999
    assert evaluate_decision(decision, unlinked).tco == pytest.approx({"a": 20_199.8, "b": 40_000})
    assert evaluate_decision(decision, unlinked).winner == "a"


def test_identical_options_tie_to_the_first_entered() -> None:
    criteria = [crit("q"), crit("v", "value")]
    a, b = opt("a", {"q": 4, "v": 7}), opt("b", {"q": 4, "v": 7})
    assert evaluate_decision(decide(criteria, [a, b]), plan_of(decide(criteria, [a, b]))).winner == "a"
    assert evaluate_decision(decide(criteria, [b, a]), plan_of(decide(criteria, [b, a]))).winner == "b"


def test_tie_on_paper_is_a_tie_despite_float_noise() -> None:
    # Weights 0.1, 0.2, 0.3: A has n (1, 1, 0) -> 0.1 + 0.2, B has (0, 0, 1) -> 0.3; both score 50.
    criteria = [crit("x", weight=0.1), crit("y", weight=0.2), crit("z", weight=0.3)]
    a, b = opt("a", {"x": 5, "y": 5, "z": 1}), opt("b", {"x": 1, "y": 1, "z": 5})
    for first, second in ((a, b), (b, a)):
        decision = decide(criteria, [first, second])
        assert evaluate_decision(decision, plan_of(decision)).winner == first.id


def test_tied_winner_flips_as_soon_as_a_weight_moves_against_it() -> None:
    # A (q 5, r 1) and B (q 1, r 5), equal weights: both 50, A wins as the first entered.
    # Any fall in q's share (or rise in r's) puts B strictly ahead: the flip is at today's 50%.
    decision = decide([crit("q", name="Quality"), crit("r", name="Reach")],
                      [opt("a", {"q": 5, "r": 1}, name="Build"), opt("b", {"q": 1, "r": 5}, name="Buy")])
    result = evaluate_decision(decision, plan_of(decision))
    assert result.winner == "a"
    assert flip_of(result, "q") == Flip("q", 0.5, 0.5, "b", ("b",))
    assert flip_of(result, "r") == Flip("r", 0.5, 0.5, "b", ("b",))
    assert not result.robust
    assert result.tied == ("a", "b")
    assert robustness_sentence(decision, result) == (
        "Build and Buy tie at 50.0 of 100. Any change in the weights breaks the tie: more weight on "
        "Quality favours Build; more weight on Reach favours Buy.")


def test_tie_at_full_share_goes_to_the_first_entered() -> None:
    # q weight 1, r weight 1. A: q 4, r 1 (n 0.75, 0) scores 37.5; B: q 4, r 2 (n 0.75, 0.25) scores 50.
    # As q's share reaches 100% both score 75: A, entered first, takes it there, and only there.
    criteria = [crit("q"), crit("r")]
    a, b = opt("a", {"q": 4, "r": 1}), opt("b", {"q": 4, "r": 2})
    result = evaluate_decision(decide(criteria, [a, b]), plan_of(decide(criteria, [a, b])))
    assert result.winner == "b"
    assert flip_of(result, "q") == Flip("q", 0.5, 1.0, "a", ("a",))
    # Entered the other way round, B keeps the tie at 100%: q never flips it.
    result = evaluate_decision(decide(criteria, [b, a]), plan_of(decide(criteria, [b, a])))
    assert flip_of(result, "q") == Flip("q", 0.5, None, None)
    assert result.robust


@pytest.mark.parametrize(("reach_weight", "robust"), [(0.35, False), (0.34, True)])
def test_a_flip_exactly_ten_points_away_is_not_robust(reach_weight: float, robust: bool) -> None:
    # Reach (score): A 1, B 5, C 1 -> n 0, 1, 0.  Fit (value, higher): 11, 2, 0 -> n 1, 2/11, 0.
    # Reach's share s: f_A = 1 - s, f_B = s + (1 - s) 2/11 meet at s = 9/20 = 45%; C never leads.
    # From 35% that is exactly 10 points (0.45 - 0.35 is 0.10000000000000003 in floats); from 34%, 11.
    decision = decide([crit("x", weight=reach_weight, name="Reach"), crit("y", "value", 1 - reach_weight)],
                      [opt("a", {"x": 1, "y": 11}, name="A"), opt("b", {"x": 5, "y": 2}),
                       opt("c", {"x": 1, "y": 0})])
    result = evaluate_decision(decision, plan_of(decision))
    assert result.winner == "a"
    assert flip_of(result, "x").share_flip == pytest.approx(0.45)
    assert flip_of(result, "x").new_winner == "b"
    assert result.robust is robust
    if not robust:
        # Fit's share falling from 65% to 55% is just as near: the criterion listed first is named.
        assert robustness_sentence(decision, result) == (
            "A stays best unless Reach's weight rises from 35% to 45%, when b overtakes it.")


# --- flip analysis against a brute-force sweep -------------------------------------------------

GRID = np.linspace(0.0, 1.0, 20_001)
STEP = GRID[1] - GRID[0]


def random_decision(rng: random.Random) -> tuple[Decision, int]:
    """Few options and criteria, integer scores and repeated values, so ties and meetings are common."""
    criteria = []
    for j in range(rng.randint(1, 5)):
        weight = rng.choice([0.0, float(rng.randint(1, 10)), float(rng.randint(1, 10)), rng.uniform(0.1, 10)])
        criteria.append(crit(f"c{j}", rng.choice(["score", "score", "value", "tco"]), weight,
                             rng.random() < 0.5))
    if all(c.weight.base == 0 for c in criteria):
        criteria[0] = crit("c0", criteria[0].kind, 3.0, criteria[0].higher_is_better)
    options: list[Option] = []
    for i in range(rng.randint(2, 5)):
        if options and rng.random() < 0.1:  # a copy of an earlier option under another id
            twin = rng.choice(options)
            options.append(Option(id=f"o{i}", name=f"o{i}", upfront_cost=twin.upfront_cost,
                                  annual_cost=twin.annual_cost, cost_per_task=twin.cost_per_task,
                                  scores=twin.scores))
            continue
        scores: dict[str, float] = {}
        for c in criteria:
            if c.kind == "score":
                scores[c.id] = float(rng.randint(1, 5)) if rng.random() < 0.8 else rng.uniform(1, 5)
            elif c.kind == "value":
                scores[c.id] = float(rng.choice([10, 20, 30])) if rng.random() < 0.4 else rng.uniform(0, 100)
        options.append(opt(f"o{i}", scores, rng.choice([0, 50_000, rng.uniform(0, 500_000)]),
                           rng.uniform(0, 200_000), rng.choice([0, 0.01, rng.uniform(0, 0.2)])))
    decision = decide(criteria, options, volume=rng.choice([0, rng.uniform(0, 2e6)]))
    return decision, rng.randint(1, 10)


def normalised_by_definition(decision: Decision, horizon_years: int) -> np.ndarray:
    """n as a (criteria, options) array, straight from docs/formulas.md 3.2."""
    volume = decision.annual_volume.base
    rows = []
    for c in decision.criteria:
        if c.kind == "score":
            rows.append([(o.scores[c.id].base - 1) / 4 for o in decision.options])
            continue
        if c.kind == "tco":
            raw = np.array([o.upfront_cost.base + horizon_years * (o.annual_cost.base + o.cost_per_task.base
                                                                   * volume) for o in decision.options])
        else:
            raw = np.array([o.scores[c.id].base for o in decision.options])
        spread = raw.max() - raw.min()
        if spread == 0:
            rows.append(np.ones(len(raw)))
        elif c.kind == "value" and c.higher_is_better:
            rows.append((raw - raw.min()) / spread)
        else:
            rows.append((raw.max() - raw) / spread)
    return np.array(rows, dtype=float)


def winners(points: np.ndarray) -> np.ndarray:
    """Winner per row: the highest score, ties (within 1e-9 points of float noise) to the first entered."""
    return np.argmax(points >= points.max(axis=-1, keepdims=True) - 1e-9, axis=-1)


def first_change(shares: np.ndarray, winner_at: np.ndarray, winner: int) -> tuple[float, int] | None:
    changed = np.flatnonzero(winner_at != winner)
    return None if changed.size == 0 else (float(shares[changed[0]]), int(winner_at[changed[0]]))


def test_flip_analysis_agrees_with_a_brute_force_sweep() -> None:
    checked = flipped = 0
    for seed in range(300):
        decision, horizon = random_decision(random.Random(seed))
        result = evaluate_decision(decision, plan_of(decision, horizon_years=horizon))
        n = normalised_by_definition(decision, horizon)
        weights = np.array([c.weight.base for c in decision.criteria])
        ids = [o.id for o in decision.options]
        now = 100 * weights @ n / weights.sum()
        assert [result.scores[i] for i in ids] == pytest.approx(list(now)), seed
        winner = int(winners(now))
        assert result.winner == ids[winner], seed
        for c, flip in enumerate(result.flips):
            where = f"seed {seed}, criterion c{c}, {flip}"
            rest = weights.sum() - weights[c]
            if rest == 0:
                assert flip.share_flip is None and flip.new_winner is None, where
                continue
            # Every grid share s for c, the other weights scaled to keep their proportions.
            grid_weights = np.outer(1 - GRID, weights / rest)
            grid_weights[:, c] = GRID
            winner_at = winners(100 * grid_weights @ n)
            s_now = flip.share_now
            up = GRID >= s_now
            down = GRID <= s_now
            rising = first_change(GRID[up], winner_at[up], winner)
            falling = first_change(GRID[down][::-1], winner_at[down][::-1], winner)
            checked += 1
            if flip.share_flip is None:
                assert rising is None and falling is None, where
                continue
            flipped += 1
            # The exact share lies within one grid step before the first changed grid point, on the side
            # it was found, and no nearer than the other side's change allows.
            candidates = []
            if rising is not None and rising[0] - STEP - 1e-9 <= flip.share_flip <= rising[0] + 1e-9:
                candidates.append(rising)
            if falling is not None and falling[0] - 1e-9 <= flip.share_flip <= falling[0] + STEP + 1e-9:
                candidates.append(falling)
            assert candidates, where
            for other in (rising, falling):
                if other is not None:
                    assert abs(flip.share_flip - s_now) <= abs(other[0] - s_now) + 1e-9, where
            assert flip.new_winner in {ids[w] for _, w in candidates}, where
    assert checked > 600 and flipped > 200  # the sweep saw plenty of both cases


# --- problems ---------------------------------------------------------------------------------


def fields(decision: Decision) -> list[tuple[str, str, str]]:
    return [(p.object_kind, p.object_id, p.field) for p in decision_problems(decision)]


def test_a_complete_decision_has_no_problems() -> None:
    assert decision_problems(three_options()) == []


def test_problem_fewer_than_two_options() -> None:
    decision = decide([crit("q")], [opt("a", {"q": 3})])
    [problem] = decision_problems(decision)
    assert (problem.object_kind, problem.object_id, problem.object_name, problem.field) == (
        "decision", "d", "Copilot", "options")
    assert problem.rule == "a decision needs at least two options to compare"
    assert str(problem) == "decision “Copilot”, options: a decision needs at least two options to compare"


def test_problem_no_criteria() -> None:
    assert fields(decide([], [opt("a"), opt("b")])) == [("decision", "d", "criteria")]


def test_problem_negative_weight() -> None:
    decision = decide([crit("q", weight=2), crit("r", weight=-1, name="Risk")],
                      [opt("a", {"q": 3, "r": 3}), opt("b", {"q": 4, "r": 2})])
    [problem] = decision_problems(decision)
    assert (problem.object_kind, problem.object_id, problem.object_name, problem.field, problem.rule) == (
        "criterion", "r", "Risk", "weight", "must not be negative")
    with pytest.raises(PlanInvalid):
        evaluate_decision(decision, plan_of(decision))


def test_problem_missing_score_and_value() -> None:
    decision = decide([crit("q", name="Quality"), crit("v", "value", name="Latency")],
                      [opt("a", {"q": 3}, name="Build"), opt("b", {"v": 10}, name="Buy")])
    problems = decision_problems(decision)
    assert [(p.object_kind, p.object_id, p.field) for p in problems] == [
        ("option", "a", "scores.v"), ("option", "b", "scores.q")]
    assert str(problems[0]) == "option “Build”, scores.v: needs a value for “Latency”"
    assert str(problems[1]) == "option “Buy”, scores.q: needs a score from 1 to 5 for “Quality”"


@pytest.mark.parametrize(("score", "ok"), [(0.5, False), (1, True), (5, True), (5.5, False), (-2, False)])
def test_problem_score_outside_one_to_five(score: float, ok: bool) -> None:
    decision = decide([crit("q", name="Quality")], [opt("a", {"q": score}), opt("b", {"q": 3})])
    problems = decision_problems(decision)
    if ok:
        assert problems == []
    else:
        assert [(p.object_id, p.field, p.rule) for p in problems] == [
            ("a", "scores.q", "the score for “Quality” must be between 1 and 5")]


def test_problem_value_given_for_tco() -> None:
    decision = decide([crit("t", "tco", name="3-year TCO")], [opt("a", {"t": 100.0}), opt("b")])
    [problem] = decision_problems(decision)
    assert (problem.object_kind, problem.object_id, problem.field) == ("option", "a", "scores.t")
    assert "computed" in problem.rule and "3-year TCO" in problem.rule


def test_problem_chosen_option_not_an_option() -> None:
    options = [opt("a", {"q": 3}), opt("b", {"q": 4})]
    assert fields(decide([crit("q")], options, chosen="gone")) == [("decision", "d", "chosen_option_id")]
    assert fields(decide([crit("q")], options, chosen="a")) == []


def test_problems_list_every_rule_broken_at_once() -> None:
    decision = decide([crit("q", weight=-1), crit("t", "tco", weight=0)], [opt("a", {"q": 9, "t": 1.0})],
                      chosen="x")
    found = [(p.object_kind, p.field) for p in decision_problems(decision)]
    assert found == [("decision", "options"), ("decision", "criteria"), ("decision", "chosen_option_id"),
                     ("criterion", "weight"), ("option", "scores.q"), ("option", "scores.t")]
