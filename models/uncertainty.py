"""The six distributions of docs/formulas.md 2, sampling of a plan's inputs, and percentiles."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.estimate import Estimate

Array = NDArray[np.float64]

#: z of the 95th percentile: normal and lognormal ranges are 5th..95th percentiles.
Z95 = 1.6448536269514722


def pert_shape(estimate: Estimate) -> tuple[float, float]:
    """alpha and beta of the PERT distribution (docs/formulas.md 2)."""
    low, high, base = _bounds(estimate)
    span = high - low
    return 1 + 4 * (base - low) / span, 1 + 4 * (high - base) / span


def normal_sd(estimate: Estimate) -> float:
    low, high, _ = _bounds(estimate)
    return (high - low) / (2 * Z95)


def lognormal_mu_sigma(estimate: Estimate) -> tuple[float, float]:
    low, high, _ = _bounds(estimate)
    return (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z95)


def _bounds(estimate: Estimate) -> tuple[float, float, float]:
    assert estimate.low is not None and estimate.high is not None
    return estimate.low, estimate.high, estimate.base


def sample(estimate: Estimate, rng: np.random.Generator, n: int) -> Array:
    """``n`` independent draws of an estimate (a plain or fixed number repeats its base)."""
    if not estimate.is_range:
        return np.full(n, estimate.base)
    low, high, base = _bounds(estimate)
    if estimate.dist == "uniform":
        return rng.uniform(low, high, n)
    if estimate.dist == "triangular":
        return rng.triangular(low, base, high, n)
    if estimate.dist == "pert":
        alpha, beta = pert_shape(estimate)
        return low + rng.beta(alpha, beta, n) * (high - low)
    if estimate.dist == "normal":
        return rng.normal(base, normal_sd(estimate), n)
    if estimate.dist == "lognormal":
        mu, sigma = lognormal_mu_sigma(estimate)
        return rng.lognormal(mu, sigma, n)
    raise ValueError(f"unknown distribution {estimate.dist!r}")


def mean_of(estimate: Estimate) -> float:
    """The distribution's mean (the base for a plain number)."""
    if not estimate.is_range:
        return estimate.base
    low, high, base = _bounds(estimate)
    if estimate.dist == "uniform":
        return (low + high) / 2
    if estimate.dist == "triangular":
        return (low + base + high) / 3
    if estimate.dist == "pert":
        return (low + 4 * base + high) / 6
    if estimate.dist == "normal":
        return base
    mu, sigma = lognormal_mu_sigma(estimate)
    return math.exp(mu + sigma**2 / 2)


@dataclass(frozen=True)
class Summary:
    """What a PM reads off a simulated quantity."""

    mean: float
    p10: float
    p50: float
    p90: float
    p_positive: float
    #: How many simulations the figures summarise (a chart may draw fewer: see MC_KEPT_BYTES).
    simulations: int = 0

    @classmethod
    def of(cls, values: Array) -> Summary:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            nan = float("nan")
            return cls(nan, nan, nan, nan, nan, 0)
        p10, p50, p90 = np.percentile(finite, [10, 50, 90])
        with np.errstate(over="ignore"):  # a mean beyond the largest float is reported as null
            mean = finite.mean()
        return cls(float(mean), float(p10), float(p50), float(p90),
                   float(np.mean(finite > 0)), int(finite.size))
