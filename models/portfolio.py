"""The portfolio (docs/formulas.md 3.6): opportunities ranked by a metric, the best set within a budget."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EXACT_CANDIDATES = 25
"""Up to this many candidates the chosen set is exactly optimal (meet in the middle)."""

APPROX_GAP = 0.01
"""Beyond EXACT_CANDIDATES the chosen set is worth at least (1 - APPROX_GAP) of the optimum."""

# The dynamic programme is sized to lose at most this share of a lower bound on the optimum;
# the rest of APPROX_GAP is headroom for float rounding in the bounds.
_DESIGN_GAP = 0.0099
# Cells (bytes) of the decision table kept while reconstructing a set; larger problems are
# split in halves and solved again (Hirschberg style), so memory stays O(profit range).
_TABLE_CELLS = 1 << 23
# Reconstructions tried before falling back to greedy, when float rounding in the table let
# a set through that the exact check then rejects (only possible within ~1e-12 of the budget).
_ATTEMPTS = 4


def rank(ids: Sequence[str], values: Sequence[float | None], descending: bool = True) -> list[str]:
    """The ids ordered by their value; missing values (None or NaN) last, ties in input order."""
    if len(ids) != len(values):
        raise ValueError(f"rank needs one value per id ({len(ids)} ids, {len(values)} values).")
    present: list[tuple[int, float]] = []
    missing: list[int] = []
    for i, value in enumerate(values):
        if value is None or math.isnan(value):
            missing.append(i)
        else:
            present.append((i, float(value)))
    # sorted() is stable with reverse=True too, so ties keep their input order both ways.
    present.sort(key=lambda pair: pair[1], reverse=descending)
    return [ids[i] for i, _ in present] + [ids[i] for i in missing]


def select_within_budget(values: Sequence[float], costs: Sequence[float], budget: float) -> list[int]:
    """Indices (ascending) of the set with the largest total value whose total cost fits the budget.

    Only items with a finite value > 0 are ever chosen; those that cost nothing always are. A set
    fits when ``math.fsum`` of its costs is <= budget. The set is optimal when at most
    EXACT_CANDIDATES items (value > 0, 0 < cost <= budget) compete, the cheapest of equally
    valuable sets, and within APPROX_GAP of optimal beyond. Nothing worth having that would still
    fit is left out. An infinite budget takes every item worth having; a negative one takes none.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    c = np.asarray(costs, dtype=np.float64).reshape(-1)
    if v.shape != c.shape:
        raise ValueError(f"select_within_budget needs one cost per value ({v.size} values, {c.size} costs).")
    if np.isnan(c).any() or (c < 0).any():
        raise ValueError("Costs must be numbers >= 0.")
    budget = float(budget)
    if math.isnan(budget):
        raise ValueError("The budget must be a number.")
    wanted = np.isfinite(v) & (v > 0)
    if budget < 0:
        return []
    if math.isinf(budget):
        return np.flatnonzero(wanted).tolist()
    free = np.flatnonzero(wanted & (c == 0))
    candidates = np.flatnonzero(wanted & (c > 0) & (c <= budget))
    local = _choose(v[candidates], c[candidates], budget)
    return sorted(free.tolist() + candidates[local].tolist())


class _Ledger:
    """Costs and values as integers on common power-of-two scales, so that sums are exact.

    ``limit`` is the largest scaled total whose correctly rounded value (what ``math.fsum``
    returns) is still <= budget: halfway to the next float up, inclusive when the budget's last
    significand bit is even (round half to even).
    """

    def __init__(self, values: FloatArray, costs: FloatArray, budget: float) -> None:
        self.budget = budget
        cost_ratios = [x.as_integer_ratio() for x in costs.tolist()]
        value_ratios = [x.as_integer_ratio() for x in values.tolist()]
        b_num, b_den = budget.as_integer_ratio()
        step_num, step_den = math.ulp(budget).as_integer_ratio()  # step_num is 1: a power of two
        den = max([b_den, 2 * step_den] + [d for _, d in cost_ratios])
        self.costs = [n * (den // d) for n, d in cost_ratios]
        halfway = b_num * (den // b_den) + step_num * (den // (2 * step_den))
        budget_odd = (b_num * step_den // (b_den * step_num)) % 2 == 1
        self.limit = halfway - 1 if budget_odd else halfway
        value_den = max(d for _, d in value_ratios)
        self.values = [n * (value_den // d) for n, d in value_ratios]

    def cost_of(self, items: Sequence[int]) -> int:
        return sum(self.costs[i] for i in items)

    def value_of(self, items: Sequence[int]) -> int:
        return sum(self.values[i] for i in items)

    def fill(self, chosen: list[int], order: Sequence[int]) -> list[int]:
        """``chosen`` plus, in ``order``, every other item that still fits."""
        taken = set(chosen)
        total = self.cost_of(chosen)
        result = list(chosen)
        for i in order:
            if i not in taken and total + self.costs[i] <= self.limit:
                total += self.costs[i]
                taken.add(i)
                result.append(i)
        return result


def _choose(v: FloatArray, c: FloatArray, budget: float) -> list[int]:
    """Positions in v/c of the chosen set, given 0 < c <= budget < inf and finite v > 0."""
    n = v.size
    if n == 0:
        return []
    ledger = _Ledger(v, c, budget)
    if sum(ledger.costs) <= ledger.limit:
        return list(range(n))
    if n <= EXACT_CANDIDATES:
        return _meet_in_the_middle(ledger)
    return _approximate(v, c, ledger)


def _subset_sums(costs: list[int], values: list[int]) -> tuple[list[int], list[int]]:
    """Cost and value of every subset; subset j holds item t when bit t of j is set."""
    subset_costs, subset_values = [0], [0]
    for cost, value in zip(costs, values, strict=True):
        subset_costs += [x + cost for x in subset_costs]
        subset_values += [x + value for x in subset_values]
    return subset_costs, subset_values


def _meet_in_the_middle(ledger: _Ledger) -> list[int]:
    """The exactly optimal set (the cheapest of equally valuable ones), by meet in the middle:
    every subset of each half, each first-half subset paired with the best second-half subset
    that fits beside it. About 2^(n/2) steps on exact integers."""
    n = len(ledger.costs)
    half = (n + 1) // 2
    a_costs, a_values = _subset_sums(ledger.costs[:half], ledger.values[:half])
    b_costs, b_values = _subset_sums(ledger.costs[half:], ledger.values[half:])
    # The second half by cost, each with the best subset costing no more than it.
    b_order = sorted(range(len(b_costs)), key=b_costs.__getitem__)
    sorted_costs = [b_costs[j] for j in b_order]
    best_b: list[int] = []
    for j in b_order:
        if not best_b or b_values[j] > b_values[best_b[-1]]:
            best_b.append(j)
        else:
            best_b.append(best_b[-1])
    best = (-1, 0, 0, 0)  # value, -cost, subset of a, subset of b
    for ja, cost in enumerate(a_costs):
        room = ledger.limit - cost
        if room < 0:
            continue
        jb = best_b[bisect_right(sorted_costs, room) - 1]
        key = (a_values[ja] + b_values[jb], -(cost + b_costs[jb]), ja, jb)
        if key[:2] > best[:2]:
            best = key
    _, _, ja, jb = best
    return [t for t in range(half) if ja >> t & 1] + [half + t for t in range(n - half) if jb >> t & 1]


@dataclass(frozen=True, slots=True)
class _Plan:
    """How the large-item programme is sized: items worth more than ``threshold`` are large,
    values are rounded down to multiples of ``unit``, no feasible set holds more than
    ``max_large`` large items, and no feasible set's rounded total exceeds ``top``."""

    threshold: float
    unit: float
    max_large: int
    top: int
    work: float


def _approximate(v: FloatArray, c: FloatArray, ledger: _Ledger) -> list[int]:
    """A set worth at least (1 - APPROX_GAP) of the optimum, for any number of candidates.

    Greedy by value per cost gives a feasible lower bound G and the LP (Dantzig) upper bound U.
    If G is already within the gap of U it is the answer. Otherwise items worth more than a
    threshold T are "large": a dynamic programme over their values rounded down to multiples of
    K finds, for every rounded total, the cheapest set of large items, and each such state is
    topped up greedily with small items. With m the most large items a feasible set can hold,
    the optimum's large items lose less than m*K to rounding, and the greedy top-up loses at most
    one small item (<= T) against the optimum's small items in the same room; K and T are chosen
    so that m*K + T = _DESIGN_GAP * G <= _DESIGN_GAP * optimum.
    """
    budget = ledger.budget
    order = np.argsort(-(v / c), kind="stable")
    greedy, upper = _greedy(v, c, order, ledger)
    greedy_value = float(v[greedy].sum())
    if greedy_value >= (1 - APPROX_GAP) * upper:
        return greedy
    plan = _plan_large_items(v, c, budget, greedy_value, upper)
    is_large = v > plan.threshold
    small = order[~is_large[order]]  # by value per cost
    large = np.flatnonzero(is_large)
    profits = np.floor(v[large] / plan.unit).astype(np.int64)
    kept = _cheapest_per_profit(profits, c[large], plan.max_large)
    large, profits = large[kept], profits[kept]
    by_profit = np.argsort(profits, kind="stable")  # small profits first keep early slices short
    large, profits = large[by_profit], profits[by_profit]
    table = _min_cost_table(profits, c[large], plan.top)
    scores = _state_scores(table, plan.unit, v[small], c[small], budget)
    best, best_value = greedy, ledger.value_of(greedy)
    for target in np.argsort(-scores, kind="stable")[:_ATTEMPTS].tolist():
        if not scores[target] > greedy_value:
            break
        chosen = large[_items_for_profit(profits, c[large], target)].tolist()
        if ledger.cost_of(chosen) > ledger.limit:
            continue  # float rounding in the table let an over-budget set through
        chosen = ledger.fill(ledger.fill(chosen, small.tolist()), order.tolist())
        value = ledger.value_of(chosen)
        if value > best_value:
            best, best_value = chosen, value
        break
    return sorted(best)


def _greedy(v: FloatArray, c: FloatArray, order: IntArray, ledger: _Ledger) -> tuple[list[int], float]:
    """The better of greedy by value per cost (continued past the first misfit) and the best
    single item topped up greedily, with the LP upper bound on the optimum."""
    ordered = order.tolist()
    prefix: list[int] = []
    total = 0
    critical = ordered[-1]
    for i in ordered:
        if total + ledger.costs[i] > ledger.limit:
            critical = i
            break
        total += ledger.costs[i]
        prefix.append(i)
    # The room is taken a float step above the budget: sets up to ``limit`` count as fitting.
    room = math.nextafter(ledger.budget, math.inf)
    spare = max(room - math.fsum(c[prefix].tolist()), 0.0)
    upper = math.fsum(v[prefix].tolist()) + spare * float(v[critical] / c[critical])
    upper *= 1 + 1e-9  # headroom for the float arithmetic of the bound itself
    greedy = ledger.fill(prefix, ordered)
    single = ledger.fill([int(np.argmax(v))], ordered)
    if ledger.value_of(single) > ledger.value_of(greedy):
        greedy = single
    return sorted(greedy), upper


def _plan_large_items(v: FloatArray, c: FloatArray, budget: float, lower: float, upper: float) -> _Plan:
    """The threshold and rounding unit that keep the loss within _DESIGN_GAP * lower for the
    least estimated work (table cells touched)."""
    allowed = _DESIGN_GAP * lower
    best: _Plan | None = None
    for share in np.linspace(0.0, 0.9, 10).tolist():
        threshold = share * allowed
        is_large = v > threshold
        large_v, large_c = v[is_large], c[is_large]
        # The cheapest k large items cost the least any k large items can; float slack kept safe.
        max_large = int(np.searchsorted(np.cumsum(np.sort(large_c)), budget * (1 + 1e-9), side="right"))
        if threshold > 0:
            max_large = min(max_large, math.floor(upper / threshold))
        max_large = max(max_large, 1)
        unit = (allowed - threshold) / max_large
        top = math.floor(min(upper, float(large_v.sum())) / unit) + 1
        profits = np.floor(large_v / unit).astype(np.int64)
        kept = np.sort(profits[_cheapest_per_profit(profits, large_c, max_large)])
        reach = np.minimum(np.cumsum(kept), top)
        work = float(reach.sum()) + 2000.0 * kept.size  # + per-item Python overhead
        if best is None or work < best.work:
            best = _Plan(threshold, unit, max_large, top, work)
    assert best is not None
    return best


def _cheapest_per_profit(profits: IntArray, costs: FloatArray, keep: int) -> IntArray:
    """Positions of the ``keep`` cheapest items of each rounded profit, dropping profit 0.

    A set never needs more than ``keep`` items of one profit, and any of them can be swapped
    for a cheaper one of the same profit that is not in it yet."""
    positive = np.flatnonzero(profits > 0)
    ordered = positive[np.lexsort((costs[positive], profits[positive]))]
    p = profits[ordered]
    if p.size == 0:
        return ordered
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, p.size]))
    rank_in_group = np.arange(p.size) - group_start
    return np.sort(ordered[rank_in_group < keep])


def _min_cost_table(profits: IntArray, costs: FloatArray, top: int) -> FloatArray:
    """table[p]: the least cost of a set of these items whose rounded profits add up to p."""
    table = np.full(top + 1, np.inf)
    table[0] = 0.0
    with_item = np.empty(top + 1)
    reach = 0
    for profit, cost in zip(profits.tolist(), costs.tolist(), strict=True):
        high = min(reach + profit, top)
        if profit <= high:
            width = high - profit + 1
            # with_item is a separate buffer: each state may use the item at most once.
            np.add(table[:width], cost, out=with_item[:width])
            np.minimum(table[profit : high + 1], with_item[:width], out=table[profit : high + 1])
        reach = high
    return table


def _state_scores(
    table: FloatArray, unit: float, small_v: FloatArray, small_c: FloatArray, budget: float
) -> FloatArray:
    """A lower bound on the value of each state: its rounded large value plus the greedy
    prefix of small items (by value per cost) that fits in the room it leaves."""
    fits = table <= budget
    spent_on_small = np.cumsum(small_c)
    small_value = np.r_[0.0, np.cumsum(small_v)]
    count = np.searchsorted(spent_on_small, np.where(fits, budget - table, 0.0), side="right")
    scores = np.arange(table.size) * unit + small_value[count]
    return np.where(fits, scores, -np.inf)


def _items_for_profit(profits: IntArray, costs: FloatArray, target: int) -> IntArray:
    """Positions of a least-cost set whose rounded profits add up to ``target``.

    Small problems keep a table of decisions; larger ones are split in halves, the best split of
    the target found from both halves' tables, and each half solved again (memory O(target))."""
    n = profits.size
    if n * (target + 1) <= _TABLE_CELLS or n == 1:
        return _items_from_decisions(profits, costs, target)
    mid = n // 2
    first = _min_cost_table(profits[:mid], costs[:mid], target)
    second = _min_cost_table(profits[mid:], costs[mid:], target)
    split = int(np.argmin(first + second[::-1]))
    left = _items_for_profit(profits[:mid], costs[:mid], split)
    right = _items_for_profit(profits[mid:], costs[mid:], target - split)
    return np.concatenate([left, right + mid])


def _items_from_decisions(profits: IntArray, costs: FloatArray, target: int) -> IntArray:
    """_items_for_profit with a table of which states each item improved, read backwards."""
    table = np.full(target + 1, np.inf)
    table[0] = 0.0
    with_item = np.empty(target + 1)
    reach = 0
    improved: list[BoolArray | None] = []  # per item: the states it improved, from its profit up
    for profit, cost in zip(profits.tolist(), costs.tolist(), strict=True):
        high = min(reach + profit, target)
        if profit > high:
            improved.append(None)
            continue
        width = high - profit + 1
        np.add(table[:width], cost, out=with_item[:width])
        improved.append(with_item[:width] < table[profit : high + 1])
        np.minimum(table[profit : high + 1], with_item[:width], out=table[profit : high + 1])
        reach = high
    chosen: list[int] = []
    state = target
    for i in range(profits.size - 1, -1, -1):
        better = improved[i]
        profit = int(profits[i])
        if better is not None and profit <= state < profit + better.size and better[state - profit]:
            chosen.append(i)
            state -= profit
    return np.array(chosen[::-1], dtype=np.int64)
