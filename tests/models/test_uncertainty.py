"""Each distribution's samples match its definition in docs/formulas.md 2."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.estimate import Estimate
from models.uncertainty import Z95, Summary, mean_of, sample

N = 400_000


def _draw(est: Estimate, seed: int = 5) -> np.ndarray:
    return sample(est, np.random.default_rng(seed), N)


def _se(values: np.ndarray) -> float:
    return float(values.std() / math.sqrt(values.size))


def test_plain_and_fixed_repeat_the_base() -> None:
    assert _draw(Estimate(3.0)).tolist()[:3] == [3.0, 3.0, 3.0]
    assert set(_draw(Estimate(3.0, 1.0, 5.0, "fixed")).tolist()) == {3.0}


def test_uniform_percentiles() -> None:
    x = _draw(Estimate(5, 2, 10, "uniform"))
    assert np.percentile(x, [10, 50, 90]) == pytest.approx([2.8, 6.0, 9.2], abs=0.03)
    assert x.min() >= 2 and x.max() <= 10


def test_triangular_percentiles_match_the_inverse_cdf() -> None:
    low, mode, high = 2.0, 3.0, 10.0
    x = _draw(Estimate(mode, low, high, "triangular"))
    fc = (mode - low) / (high - low)

    def inverse(q: float) -> float:
        if q < fc:
            return low + math.sqrt(q * (high - low) * (mode - low))
        return high - math.sqrt((1 - q) * (high - low) * (high - mode))

    for q in (0.1, 0.5, 0.9):
        assert np.percentile(x, 100 * q) == pytest.approx(inverse(q), abs=0.03)


def test_pert_has_the_beta_mean_and_variance_of_its_definition() -> None:
    low, base, high = 10.0, 12.0, 30.0
    x = _draw(Estimate(base, low, high, "pert"))
    alpha = 1 + 4 * (base - low) / (high - low)
    beta = 1 + 4 * (high - base) / (high - low)
    mean = low + alpha / (alpha + beta) * (high - low)
    var = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)) * (high - low) ** 2
    assert x.mean() == pytest.approx(mean, abs=4 * _se(x))
    assert x.var() == pytest.approx(var, rel=0.01)
    assert mean == pytest.approx(mean_of(Estimate(base, low, high, "pert")))
    assert x.min() >= low and x.max() <= high


def test_normal_low_and_high_are_the_5th_and_95th_percentiles() -> None:
    x = _draw(Estimate(100, 80, 120, "normal"))
    assert np.percentile(x, [5, 50, 95]) == pytest.approx([80, 100, 120], abs=0.15)
    assert x.std() == pytest.approx(40 / (2 * Z95), rel=0.01)


def test_lognormal_low_and_high_are_the_5th_and_95th_percentiles() -> None:
    x = _draw(Estimate(3, 1, 9, "lognormal"))
    assert np.percentile(x, [5, 50, 95]) == pytest.approx([1, 3, 9], rel=0.01)
    assert x.mean() == pytest.approx(mean_of(Estimate(3, 1, 9, "lognormal")), abs=4 * _se(x))


def test_same_seed_same_numbers() -> None:
    est = Estimate(0.3, 0.1, 0.6, "pert")
    assert _draw(est, 1).tolist() == _draw(est, 1).tolist()
    assert _draw(est, 1).tolist() != _draw(est, 2).tolist()


def test_summary() -> None:
    s = Summary.of(np.arange(-10.0, 91.0))
    assert (s.p10, s.p50, s.p90) == (0.0, 40.0, 80.0)
    assert s.p_positive == pytest.approx(90 / 101)
