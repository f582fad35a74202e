"""Value of information (docs/formulas.md 3.9): EVPI against its closed form, EVPPI's bounds and biases."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.information import (
    DEFAULT_BINS,
    Ranked,
    evpi,
    evppi,
    evppi_many,
    noise_floor,
    partition,
    plan_evpi,
    plan_evppi,
)

N = 10_000
UNIT = NormalDist()


def closed_form_evpi(m: float, s: float) -> float:
    """E[max(Y, 0)] - max(E[Y], 0) for Y normal with mean m and sd s."""
    return m * UNIT.cdf(m / s) + s * UNIT.pdf(m / s) - max(m, 0.0)


def standard_error(y: np.ndarray) -> float:
    """Of the sample EVPI: it is the mean of max(Y, 0) - d Y, d the decision taken now."""
    regret = np.maximum(y, 0.0) - (y if y.mean() > 0 else 0.0)
    return float(np.std(regret, ddof=1) / math.sqrt(y.size))


def resolution_bias(y: np.ndarray, x: np.ndarray, bins: int = DEFAULT_BINS) -> float:
    """The most binning can lose when Y rises with X: only a bin whose Y straddles 0 mixes go
    and no-go samples, and it loses at most its share times the range of its Y over 4."""
    p = partition(x, bins)
    total = 0.0
    for part in np.split(y[p.order], p.starts[1:]):
        if part.min() < 0 < part.max():
            total += part.size / y.size * (part.max() - part.min()) / 4
    return total


@pytest.mark.parametrize(("a", "b", "seed"), [(-50.0, 4.0, 1), (30.0, -2.5, 2), (-10.0, 1.3, 3)])
def test_normal_linear_matches_the_closed_form(a: float, b: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mu_x, sd_x = 10.0, 3.0
    x = rng.normal(mu_x, sd_x, N)
    y = a + b * x
    m, s = a + b * mu_x, abs(b) * sd_x
    exact = closed_form_evpi(m, s)
    se = standard_error(y)
    assert abs(evpi(y) - exact) <= 3 * se
    # Y is a function of X alone: learning X is learning everything, less what the bins lose.
    bias = resolution_bias(y, x)
    assert evpi(y) - bias - 1e-12 <= evppi(y, x) <= evpi(y)
    assert abs(evppi(y, x) - exact) <= 3 * se + bias
    assert bias <= 0.02 * exact  # the bins lose little at 10,000 samples


def test_an_input_that_cannot_change_the_decision_is_worth_nothing() -> None:
    rng = np.random.default_rng(4)
    adoption = rng.uniform(0.2, 0.6, N)
    npv = 1_000.0 + 5_000.0 * adoption + rng.normal(0.0, 100.0, N)  # positive in every sample
    assert npv.min() > 0
    assert evpi(npv) == 0.0
    assert evppi(npv, adoption) == 0.0
    losing = -npv  # negative in every sample: no-go whatever is learnt
    assert evpi(losing) == 0.0
    assert evppi(losing, adoption) == 0.0


def test_an_input_independent_of_the_npv_is_worth_almost_nothing() -> None:
    rng = np.random.default_rng(5)
    npv = rng.normal(20.0, 40.0, N)  # a loss in 31% of samples: information is worth something
    unrelated = rng.uniform(0.0, 1.0, N)
    # The bins' noise floor (see DEFAULT_BINS): the mean is 7 bin errors from 0, so no bin mean
    # changes sign and the estimate is near 0, well under 2% of the EVPI.
    assert noise_floor(npv) < 1e-6 * evpi(npv)
    assert evppi(npv, unrelated) <= 0.02 * evpi(npv)


def test_a_coin_flip_decision_scores_an_unrelated_input_at_the_noise_floor() -> None:
    rng = np.random.default_rng(6)
    npv = rng.normal(0.0, 40.0, N)  # expected NPV 0: the upward bias is largest here
    unrelated = rng.uniform(0.0, 1.0, N)
    floor = noise_floor(npv)
    assert floor == pytest.approx(40.0 / math.sqrt(N / DEFAULT_BINS) * UNIT.pdf(0.0), rel=0.05)
    # The estimate scatters about the floor with an sd near an eighth of it (over 200 seeds:
    # mean 0.99, sd 0.12, largest 1.32 of the floor), so twice the floor is a safe ceiling.
    assert evppi(npv, unrelated) <= 2 * floor
    assert floor <= 0.08 * evpi(npv)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_evppi_lies_between_zero_and_evpi(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 60))
    y = np.array(data.draw(st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n)))
    x = np.array(data.draw(st.lists(st.one_of(st.integers(0, 5).map(float), st.floats(-10, 10)),
                                    min_size=n, max_size=n)))
    bins = data.draw(st.sampled_from([1, 3, 7, DEFAULT_BINS]))
    full = evpi(y)
    assert full >= 0.0
    assert 0.0 <= evppi(y, x, bins) <= full


@pytest.mark.parametrize("value", [-250.0, 0.0, 3.7, 1e9])
def test_no_uncertainty_means_nothing_to_learn(value: float) -> None:
    y = np.full(N, value)
    assert evpi(y) == 0.0
    assert evppi(y, np.random.default_rng(7).uniform(0, 1, N)) == 0.0


def by_hand(y: np.ndarray, x: np.ndarray) -> float:
    """E_X[max(E[Y | X], 0)] - max(E[Y], 0) with one group per distinct value of X."""
    groups = [y[x == value] for value in np.unique(x)]
    return sum(g.size / y.size * max(g.mean(), 0.0) for g in groups) - max(y.mean(), 0.0)


def test_launch_success_is_valued_exactly_from_its_two_groups() -> None:
    rng = np.random.default_rng(8)
    success = rng.random(N) < 0.7
    npv = np.where(success, rng.normal(50.0, 30.0, N), -40.0)
    expected = by_hand(npv, success)
    assert expected > 1.0  # launch failure turns a go into a loss: worth knowing
    assert evppi(npv, success) == pytest.approx(expected, rel=1e-12)
    assert evppi(npv, success.astype(float)) == pytest.approx(expected, rel=1e-12)


def test_a_launch_month_gets_one_bin_per_month() -> None:
    rng = np.random.default_rng(9)
    month = rng.integers(3, 16, N)  # 13 distinct months, fewer than the bins
    npv = 80.0 - 9.0 * month + rng.normal(0.0, 30.0, N)
    assert len(partition(month).starts) == 13
    assert evppi(npv, month) == pytest.approx(by_hand(npv, month), rel=1e-12)


@pytest.mark.parametrize("distinct", [60, 121, 2_000])
def test_equal_values_never_split_between_bins(distinct: int) -> None:
    x = np.random.default_rng(10).integers(0, distinct, N)
    p = partition(x)
    xs = x[p.order]
    first, last = xs[p.starts[1:]], xs[p.starts[1:] - 1]
    assert np.all(first != last)  # each edge falls between two different values
    sizes = np.diff(np.append(p.starts, N))
    assert len(sizes) <= DEFAULT_BINS
    assert sizes.max() <= 2 * N / DEFAULT_BINS  # about equal counts still


def test_many_inputs_give_what_each_gives_alone() -> None:
    rng = np.random.default_rng(11)
    inputs = {("opportunity", "chat", "adoption_target"): rng.uniform(0.1, 0.5, N),
              ("route", "r1", "price_in"): rng.lognormal(1.0, 0.5, N),
              ("launch", "chat", "success"): rng.random(N) < 0.8}
    npv = (-300.0 + 900.0 * inputs["opportunity", "chat", "adoption_target"]
           - 10.0 * inputs["route", "r1", "price_in"])
    npv = np.where(inputs["launch", "chat", "success"], npv, -120.0)
    many = evppi_many(npv, inputs)
    assert many == {key: evppi(npv, x) for key, x in inputs.items()}
    ranked = Ranked.of(evpi(npv), many)
    assert ranked.inputs[0].key == ("opportunity", "chat", "adoption_target")
    assert [w.evppi for w in ranked] == sorted(many.values(), reverse=True)


def test_ranking_keeps_the_given_order_for_equal_values() -> None:
    ranked = Ranked.of(10.0, {"b": 1.0, "a": 5.0, "c": 1.0, "d": 0.0})
    assert [w.key for w in ranked] == ["a", "b", "c", "d"]
    assert [w.key for w in Ranked.of(10.0, {"c": 1.0, "b": 1.0})] == ["c", "b"]


def test_the_plan_decides_per_opportunity() -> None:
    rng = np.random.default_rng(12)
    a = rng.normal(10.0, 25.0, N)
    b = rng.normal(-5.0, 15.0, N)
    assert plan_evpi([a, b]) == evpi(a) + evpi(b)
    direct = (np.maximum(a, 0).mean() + np.maximum(b, 0).mean()
              - max(a.mean(), 0.0) - max(b.mean(), 0.0))
    assert plan_evpi([a, b]) == pytest.approx(direct, rel=1e-9)
    # A single decision on the sum would be worth less: the plan's two calls are separate.
    assert plan_evpi([a, b]) > evpi(a + b)


def test_the_plan_values_a_shared_input_across_the_opportunities_it_reaches() -> None:
    rng = np.random.default_rng(13)
    price = rng.uniform(1.0, 3.0, N)  # one unit model's price, behind two opportunities
    a = 100.0 - 50.0 * price + rng.normal(0.0, 10.0, N)
    b = 40.0 - 20.0 * price + rng.normal(0.0, 10.0, N)
    total = plan_evppi([a, b], price)
    assert total == pytest.approx(evppi(a, price) + evppi(b, price), rel=1e-12)
    p = partition(price)
    direct = 0.0
    for y in (a, b):
        means = [part.mean() for part in np.split(y[p.order], p.starts[1:])]
        sizes = np.diff(np.append(p.starts, N))
        direct += float(np.dot(sizes, np.maximum(means, 0.0))) / N - max(y.mean(), 0.0)
    assert total == pytest.approx(direct, rel=1e-9)
    assert 0.0 < total <= plan_evpi([a, b])


def test_bins_must_be_positive() -> None:
    with pytest.raises(ValueError, match="bins"):
        partition(np.zeros(3), 0)
