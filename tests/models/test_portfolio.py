"""Portfolio of docs/formulas.md 3.6: ranking, and the best set of opportunities that fits a budget."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import portfolio
from models.portfolio import EXACT_CANDIDATES, rank, select_within_budget

# --- independent references --------------------------------------------------------------------


def subset_masks(n: int) -> np.ndarray:
    """Every subset of n items as a row of 0/1."""
    return (np.arange(2**n)[:, None] >> np.arange(n) & 1).astype(np.float64)


def brute_force_on_grid(values: np.ndarray, costs: np.ndarray, budget: float) -> float:
    """Best total value over all subsets; exact when values and costs sit on a binary grid."""
    masks = subset_masks(values.size)
    fits = masks @ costs <= budget
    return float((masks @ values)[fits].max())


def brute_force_fsum(values: Sequence[float], costs: Sequence[float], budget: float) -> float:
    """Best math.fsum of values over subsets whose math.fsum of costs is <= budget."""
    n = len(values)
    best = 0.0
    for mask in range(2**n):
        items = [i for i in range(n) if mask >> i & 1]
        if math.fsum(costs[i] for i in items) <= budget:
            best = max(best, math.fsum(values[i] for i in items))
    return best


def best_by_integer_costs(values: np.ndarray, costs: np.ndarray, budget: int) -> float:
    """Exact optimum by the textbook dynamic programme over integer capacities."""
    best = np.zeros(budget + 1)
    for value, cost in zip(values.tolist(), costs.astype(int).tolist(), strict=True):
        if value <= 0 or cost > budget:
            continue
        if cost == 0:
            best += value
            continue
        with_item = best[: budget + 1 - cost] + value
        np.maximum(best[cost:], with_item, out=best[cost:])
    return float(best[budget])


def fractional_bound(values: np.ndarray, costs: np.ndarray, budget: float) -> float:
    """The LP relaxation: no set that fits is worth more."""
    keep = values > 0
    v, c = values[keep], costs[keep]
    order = np.argsort(-(v / c))
    spent = np.cumsum(c[order])
    k = int(np.searchsorted(spent, budget, side="right"))
    whole = float(v[order][:k].sum())
    if k == v.size:
        return whole
    room = budget - (spent[k - 1] if k else 0.0)
    return whole + room * float(v[order][k] / c[order][k])


def check_basic(chosen: list[int], values: Sequence[float], costs: Sequence[float], budget: float) -> None:
    """What holds for every answer: sorted distinct indices, worth having, within the budget,
    and nothing worth having left out that would still fit (free items included)."""
    assert chosen == sorted(set(chosen))
    assert all(math.isfinite(values[i]) and values[i] > 0 for i in chosen)
    spent = [costs[i] for i in chosen]
    assert math.fsum(spent) <= budget
    if budget < 0:
        return
    taken = set(chosen)
    for i, value in enumerate(values):
        if i not in taken and math.isfinite(value) and value > 0:
            assert math.fsum([*spent, costs[i]]) > budget, f"item {i} would still fit"


def total(values: Sequence[float] | np.ndarray, chosen: list[int]) -> float:
    return math.fsum(float(values[i]) for i in chosen)


# --- rank ----------------------------------------------------------------------------------------


def test_rank_orders_by_value_with_missing_last_and_ties_in_input_order() -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    values = [2.0, None, 5.0, 2.0, float("nan"), -1.0]
    assert rank(ids, values) == ["c", "a", "d", "f", "b", "e"]
    assert rank(ids, values, descending=False) == ["f", "a", "d", "c", "b", "e"]


def test_rank_of_nothing_and_of_all_missing() -> None:
    assert rank([], []) == []
    assert rank(["x", "y"], [None, None]) == ["x", "y"]


def test_rank_needs_one_value_per_id() -> None:
    with pytest.raises(ValueError, match="one value per id"):
        rank(["a", "b"], [1.0])


# --- select_within_budget: the small, exact cases ----------------------------------------------------


def test_a_plain_example() -> None:
    # The two best by value per cost (0, 1) leave room for nothing; 1 + 2 is worth more.
    assert select_within_budget([6.0, 10.0, 12.0], [1.0, 2.0, 3.0], 5.0) == [1, 2]


def test_of_equally_valuable_sets_the_cheaper_one() -> None:
    assert select_within_budget([10.0, 5.0, 5.0], [4.0, 1.0, 1.0], 4.0) == [1, 2]
    assert select_within_budget([5.0, 5.0, 10.0], [2.0, 2.0, 3.0], 4.0) == [2]


def test_items_worth_nothing_are_never_chosen_and_free_ones_always_are() -> None:
    values = [5.0, -3.0, 0.0, 2.0, 4.0, float("nan"), float("inf")]
    costs = [10.0, 0.0, 0.0, 0.0, 100.0, 0.0, 0.0]
    assert select_within_budget(values, costs, 10.0) == [0, 3]
    assert select_within_budget(values, costs, 0.0) == [3]
    assert select_within_budget(values, costs, math.inf) == [0, 3, 4]
    assert select_within_budget(values, costs, -1.0) == []
    assert select_within_budget([], [], 10.0) == []


def test_bad_inputs_are_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="one cost per value"):
        select_within_budget([1.0, 2.0], [1.0], 5.0)
    with pytest.raises(ValueError, match=">= 0"):
        select_within_budget([1.0], [-1.0], 5.0)
    with pytest.raises(ValueError, match=">= 0"):
        select_within_budget([1.0], [float("nan")], 5.0)
    with pytest.raises(ValueError, match="budget"):
        select_within_budget([1.0], [1.0], float("nan"))


@pytest.mark.parametrize(
    ("costs", "budget"),
    [
        ([0.1, 0.2], 0.3),  # fsum is 0.30000000000000004: over
        ([0.1, 0.2], 0.30000000000000004),  # exactly the budget
        ([1.0, 2.0**-53], 1.0),  # exact sum halfway above 1.0, rounds (to even) to 1.0: fits
        ([1.0 + 2.0**-52, 2.0**-53], 1.0 + 2.0**-52),  # halfway, rounds up to the even neighbour: over
        ([100.1, 200.2, 50.05], 350.35),
        ([0.7, 0.1, 0.2], 1.0),
    ],
)
def test_fits_exactly_as_math_fsum_says(costs: list[float], budget: float) -> None:
    values = [1.0] * len(costs)
    chosen = select_within_budget(values, costs, budget)
    check_basic(chosen, values, costs, budget)
    assert total(values, chosen) == brute_force_fsum(values, costs, budget)


def random_grid_instance(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Up to 15 candidates among up to 18 items, on a grid where numpy sums are exact: ties,
    free items, items worth nothing or less, budgets of 0, tight, loose and beyond everything."""
    n = int(rng.integers(0, 19))
    costs = rng.integers(0, 41, n) * 0.25 * rng.choice([1, 1, 1, 4], n)
    costs[rng.random(n) < 0.1] = 0.0
    values = rng.integers(-10, 31, n) * 0.5
    values[rng.random(n) < 0.2] = rng.choice([3.0, 6.0]) if n else 0.0  # ties
    subset = rng.random(n) < 0.4
    kind = rng.integers(0, 5)
    budget = [
        0.0,
        float(costs[subset].sum()),
        float(costs.sum()) * rng.uniform(0, 1),
        float(costs.sum()) + 1.0,
        float(rng.integers(0, 40) * 0.25),
    ][kind]
    return values, costs, budget


def test_exactly_optimal_against_brute_force_on_hundreds_of_instances() -> None:
    rng = np.random.default_rng(20240601)
    checked = contested = 0
    while checked < 400 or contested < 250:
        values, costs, budget = random_grid_instance(rng)
        candidates = (values > 0) & (costs > 0) & (costs <= budget)
        if candidates.sum() > 15:
            continue
        contested += candidates.sum() > 1 and costs[candidates].sum() > budget
        chosen = select_within_budget(values.tolist(), costs.tolist(), budget)
        check_basic(chosen, values.tolist(), costs.tolist(), budget)
        keep = values > 0  # brute force over the items worth having; the rest only add nothing
        best = brute_force_on_grid(values[keep], costs[keep], budget) if keep.any() else 0.0
        assert total(values, chosen) == best, (values, costs, budget)
        checked += 1


def test_exactly_optimal_with_money_like_costs_and_tight_budgets() -> None:
    # Costs in cents are not exact in binary; a budget that is the sum of some of them is the
    # case where rounding decides, and the answer must agree with math.fsum.
    rng = np.random.default_rng(7)
    for _ in range(150):
        n = int(rng.integers(1, 11))
        costs = np.round(rng.uniform(0.01, 300.0, n), 2).tolist()
        values = np.round(rng.uniform(-50.0, 500.0, n), 2).tolist()
        pick = [c for c, keep in zip(costs, rng.random(n) < 0.5, strict=True) if keep]
        budget = [math.fsum(pick), sum(pick), round(sum(pick), 2)][int(rng.integers(0, 3))]
        chosen = select_within_budget(values, costs, budget)
        check_basic(chosen, values, costs, budget)
        assert total(values, chosen) == brute_force_fsum(values, costs, budget)


@st.composite
def small_instances(draw: st.DrawFn) -> tuple[list[float], list[float], float]:
    """Up to 9 items of any kind, and a budget that is arbitrary, tight (the fsum of some of
    the costs, maybe a float step either side) or a share of the total."""
    money = st.integers(0, 10**6).map(lambda cents: cents / 100)
    special = st.sampled_from([0.0, -1.0, math.nan, math.inf, -math.inf])
    items = draw(
        st.lists(
            st.tuples(
                st.one_of(money, money, st.floats(-1e3, 1e9), special),
                st.one_of(money, money, st.floats(0, 1e5), st.just(0.0)),
            ),
            max_size=9,
        )
    )
    values = [v for v, _ in items]
    costs = [c for _, c in items]
    worth = [c for v, c in items if math.isfinite(v) and v > 0]
    kind = draw(st.sampled_from(["any", "tight", "share"]))
    if kind == "any":
        budget = draw(st.floats(0, 2e9))
    elif kind == "tight":
        some = [c for c in worth if draw(st.booleans())]
        budget = math.nextafter(math.fsum(some), draw(st.sampled_from([-math.inf, 0.0, math.inf])))
    else:
        budget = math.fsum(worth) * draw(st.floats(0.05, 0.95))
    return values, costs, max(budget, 0.0)


@given(small_instances())
def test_any_small_instance_matches_brute_force(instance: tuple[list[float], list[float], float]) -> None:
    values, costs, budget = instance
    chosen = select_within_budget(values, costs, budget)
    check_basic(chosen, values, costs, budget)
    worth = [i for i, v in enumerate(values) if math.isfinite(v) and v > 0]
    best = brute_force_fsum([values[i] for i in worth], [costs[i] for i in worth], budget)
    assert total(values, chosen) == best


def test_exactly_optimal_with_25_candidates() -> None:
    rng = np.random.default_rng(25)
    for trial in range(12):
        n = 25
        costs = rng.integers(100, 1000, n).astype(float)
        # Strongly correlated values: greedy by value per cost is usually not optimal here.
        values = costs + 100.0 if trial % 2 else rng.integers(1, 1000, n).astype(float)
        budget = int(costs.sum() * rng.uniform(0.2, 0.6))
        # Items that are not candidates do not count towards the 25.
        extra_costs = np.r_[rng.integers(budget + 1, budget + 50, 5), rng.integers(1, 100, 5)]
        extra_values = np.r_[np.full(5, 1e6), -rng.integers(1, 100, 5)]
        all_values, all_costs = np.r_[values, extra_values], np.r_[costs, extra_costs].astype(float)
        candidates = ((all_values > 0) & (all_costs <= budget)).sum()
        assert candidates == EXACT_CANDIDATES
        chosen = select_within_budget(all_values.tolist(), all_costs.tolist(), float(budget))
        check_basic(chosen, all_values.tolist(), all_costs.tolist(), budget)
        assert total(all_values, chosen) == best_by_integer_costs(all_values, all_costs, budget)


# --- select_within_budget: many candidates ---------------------------------------------------------


def hard_instance(
    rng: np.random.Generator, n: int, kind: str, fit: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer costs (so an exact reference exists) and a budget for about ``fit`` items."""
    costs = rng.integers(100, 1000, n).astype(float)
    if kind == "strong":
        values = costs + 100.0
    elif kind == "subset-sum":
        values = costs.copy()
    elif kind == "weak":
        values = costs + rng.uniform(-100, 100, n)
    else:
        values = rng.uniform(1, 1000, n)
    budget = int(np.sort(costs)[: int(fit)].sum() * rng.uniform(1.0, 2.0))
    return values, costs, budget


@pytest.mark.parametrize("n", [26, 200])
@pytest.mark.parametrize("kind", ["strong", "subset-sum", "weak", "uncorrelated"])
def test_within_one_percent_of_the_optimum(n: int, kind: str) -> None:
    rng = np.random.default_rng(n)
    for fit in (2, 5, 12, 40):
        values, costs, budget = hard_instance(rng, n, kind, fit)
        chosen = select_within_budget(values.tolist(), costs.tolist(), float(budget))
        check_basic(chosen, values.tolist(), costs.tolist(), budget)
        assert total(values, chosen) >= 0.99 * best_by_integer_costs(values, costs, budget)


def test_2000_items_within_one_percent_of_the_optimum() -> None:
    rng = np.random.default_rng(2000)
    for kind, fit in [("strong", 5), ("weak", 30), ("uncorrelated", 3), ("subset-sum", 20)]:
        values, costs, budget = hard_instance(rng, 2000, kind, fit)
        chosen = select_within_budget(values.tolist(), costs.tolist(), float(budget))
        check_basic(chosen, values.tolist(), costs.tolist(), budget)
        assert total(values, chosen) >= 0.99 * best_by_integer_costs(values, costs, budget)


@pytest.mark.parametrize("n", [200, 2000])
def test_never_over_budget_and_close_to_the_fractional_bound_with_money_costs(n: int) -> None:
    rng = np.random.default_rng(n + 1)
    for _ in range(5):
        costs = np.round(rng.uniform(1_000, 250_000, n), 2)
        values = np.round(rng.normal(200_000, 150_000, n), 2)
        # A budget that some set meets to the cent: the case rounding could push over.
        budget = math.fsum(costs[rng.random(n) < 0.3].tolist())
        chosen = select_within_budget(values.tolist(), costs.tolist(), budget)
        check_basic(chosen, values.tolist(), costs.tolist(), budget)
        assert total(values, chosen) >= 0.99 * fractional_bound(values, costs, budget)


def test_a_larger_problem_split_to_save_memory_finds_as_good_a_set(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    values, costs, budget = hard_instance(rng, 300, "strong", 12)
    roomy = select_within_budget(values.tolist(), costs.tolist(), float(budget))
    monkeypatch.setattr(portfolio, "_TABLE_CELLS", 64)
    tight = select_within_budget(values.tolist(), costs.tolist(), float(budget))
    check_basic(tight, values.tolist(), costs.tolist(), budget)
    assert total(values, tight) == total(values, roomy)
    assert total(values, tight) >= 0.99 * best_by_integer_costs(values, costs, budget)
