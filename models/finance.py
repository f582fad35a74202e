"""Discounting, NPV, IRR and payback on monthly cash flows (DESIGN 3.1)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def months(horizon_years: int) -> NDArray[np.int64]:
    """m = 1..M, M = 12 * horizon_years."""
    return np.arange(1, 12 * horizon_years + 1)


def discount_factors(discount_rate: float, horizon_years: int) -> Array:
    """DF(m) = (1 + discount_rate) ** (-m / 12)."""
    return np.power(1.0 + discount_rate, -months(horizon_years) / 12.0)


def npv(net: Array, df: Array) -> Array:
    """sum over m of net(m) * DF(m); ``net`` is (samples, months) or (months,)."""
    return net @ df


def irr(net: Array) -> float | None:
    """Annual IRR, (1 + i) ** 12 - 1 where sum net(m) / (1 + i) ** m = 0; None without a sign change.

    Like numpy-financial, among several roots the rate nearest zero is reported.
    """
    flows = np.trim_zeros(np.asarray(net, dtype=float), "b")
    if flows.size == 0 or not (np.any(flows > 0) and np.any(flows < 0)):
        return None
    # sum_{m=1..M} net(m) x**m = 0 with x = 1/(1+i); divide by x: a polynomial of degree M-1.
    roots = np.roots(flows[::-1])
    real = roots[(np.abs(roots.imag) < 1e-9) & (roots.real > 0)].real
    if real.size == 0:
        return None
    monthly = 1.0 / real - 1.0
    i = float(monthly[np.argmin(np.abs(monthly))])
    return float((1.0 + i) ** 12 - 1.0)


def payback_month(net: Array) -> int | None:
    """0 if the cumulative net is never negative; else the first month after it first went
    negative at which it is >= 0 again; None if that never happens within the horizon."""
    cumulative = np.cumsum(net)
    negative = np.flatnonzero(cumulative < 0)
    if negative.size == 0:
        return 0
    recovered = np.flatnonzero(cumulative[negative[0]:] >= 0)
    if recovered.size == 0:
        return None
    return int(negative[0] + recovered[0] + 1)
