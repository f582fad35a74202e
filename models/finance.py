"""Discounting, NPV, IRR and payback on monthly cash flows (docs/formulas.md 3.1)."""

from __future__ import annotations

import functools

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


#: Monthly rates searched for an IRR: -50% to +1,000% a month, on a grid in log(1 + i).
_IRR_GRID = np.linspace(np.log(0.5), np.log(11.0), 1201)


@functools.lru_cache(maxsize=8)
def _grid_discounts(n_months: int) -> Array:
    """(1 + i) ** -m on the IRR grid, (months x grid): the same for every call of a horizon."""
    m = np.arange(1, n_months + 1)
    out: Array = np.exp(-np.outer(m, _IRR_GRID))
    out.flags.writeable = False
    return out


#: How far each bracket of the IRR grid lies from a zero rate: falling up to bracket
#: _FIRST_RISING, rising from it on, so the crossing nearest zero is the last one before it or
#: the first one from it.
_BRACKET_DISTANCE = np.abs(_IRR_GRID[:-1] + _IRR_GRID[1:])
_FIRST_RISING = int(np.searchsorted(_IRR_GRID[:-1] + _IRR_GRID[1:], 0.0))


#: IRRs solved before, by the bytes of their row of monthly net flows. An edit changes one
#: opportunity's flows; the other rows are not solved again. Each row's IRR depends on that
#: row alone, bit for bit (tests/models/test_finance.py), so a kept value is the value.
_SOLVED: dict[bytes, float] = {}
_SOLVED_MAX = 10_000  # a few MB at most: rows of 36 to 120 months


def irr_many(net: Array) -> Array:
    """Annual IRR of each row of ``net`` (opportunities x months); NaN where there is none.

    The monthly rate i solves sum net(m) / (1 + i) ** m = 0; like numpy-financial, among
    several roots the one nearest zero is reported. Roots are bracketed on a grid, then
    bisected, for all rows at once (an eigenvalue solve per row costs far more).
    """
    net = np.ascontiguousarray(np.atleast_2d(np.asarray(net, dtype=float)))
    keys = [row.tobytes() for row in net]
    kept = [_SOLVED.get(key) for key in keys]
    todo = [i for i, value in enumerate(kept) if value is None]
    result = np.array([np.nan if value is None else value for value in kept], dtype=float)
    if todo:
        solved = _solve_irr(net[todo])
        result[todo] = solved
        if len(_SOLVED) + len(todo) > _SOLVED_MAX:
            _SOLVED.clear()  # many plans in one run of the app: start again rather than grow
        _SOLVED.update(zip((keys[i] for i in todo), solved.tolist(), strict=True))
    return result


def _solve_irr(net: Array) -> Array:
    """irr_many without the kept values: every row solved."""
    rows, n_months = net.shape
    result = np.full(rows, np.nan)
    m = np.arange(1, n_months + 1)
    scale = np.maximum(np.abs(net).max(axis=1, keepdims=True), 1e-300)
    values = (net / scale) @ _grid_discounts(n_months)  # rows x grid
    # A bracket holds a root where the sign changes (sign(a) * sign(b) < 0) or its left end is
    # zero; NaN is neither positive, negative nor zero, so it brackets nothing.
    positive, negative = values > 0, values < 0
    crossing = ((positive[:, :-1] & negative[:, 1:]) | (negative[:, :-1] & positive[:, 1:])
                | (values[:, :-1] == 0))
    has_root = crossing.any(axis=1) & (net > 0).any(axis=1) & (net < 0).any(axis=1)
    if not has_root.any():
        return result
    r = np.flatnonzero(has_root)
    # the bracket nearest a zero rate (u = 0) in each row; of two as near, the lower
    before, after = crossing[:, :_FIRST_RISING], crossing[:, _FIRST_RISING:]
    last_before = _FIRST_RISING - 1 - before[:, ::-1].argmax(axis=1)
    first_after = _FIRST_RISING + after.argmax(axis=1)
    take_before = before.any(axis=1) & (~after.any(axis=1) | (
        _BRACKET_DISTANCE[last_before] <= _BRACKET_DISTANCE[first_after]))
    pick = np.where(take_before, last_before, first_after)[r]
    lo, hi = _IRR_GRID[pick], _IRR_GRID[pick + 1]
    flows = net[r] / scale[r]

    minus_m = -m.astype(float)  # u * -m is -(u * m) to the bit: the sign is exact

    def f(u: Array) -> Array:
        value: Array = np.einsum("rm,rm->r", flows, np.exp(u[:, None] * minus_m))
        return value

    # Only the sign of f at the lower bound is used, and the lower bound moves only to a point
    # of that same sign: it is fixed by the first bound.
    sign_lo = np.sign(f(lo))
    for _ in range(60):
        mid = (lo + hi) / 2
        left = np.sign(f(mid)) == sign_lo
        moved = np.where(left, mid != lo, mid != hi)
        lo, hi = np.where(left, mid, lo), np.where(left, hi, mid)
        # Once halving moves no bound (the bracket is one unit in the last place wide), every
        # further step would repeat this one: the answer is settled.
        if not moved.any():
            break
    result[r] = np.expm1(12 * (lo + hi) / 2)
    return result


def irr(net: Array) -> float | None:
    """Annual IRR, (1 + i) ** 12 - 1 where sum net(m) / (1 + i) ** m = 0; None without a sign change."""
    value = irr_many(np.asarray(net, dtype=float)[None, :])[0]
    return None if np.isnan(value) else float(value)


def payback_month(net: Array) -> int | None:
    """0 if the cumulative net is never negative; else the first month after it first went
    negative at which it is >= 0 again; None if that never happens within the horizon."""
    return payback_months(np.asarray(net)[None, :])[0]


def payback_months(net: Array) -> list[int | None]:
    """payback_month of each row of ``net`` (opportunities x months), all rows at once."""
    cumulative = np.cumsum(net, axis=1)
    if cumulative.shape[1] == 0:
        return [0] * cumulative.shape[0]
    negative = cumulative < 0
    went_negative = negative.any(axis=1)
    first_negative = negative.argmax(axis=1)
    # months at or after the first negative one at which the cumulative net is >= 0 again
    after = np.arange(cumulative.shape[1])[None, :] >= first_negative[:, None]
    recovered = (cumulative >= 0) & after
    month = recovered.argmax(axis=1) + 1
    return [None if never else m for never, m in
            zip((went_negative & ~recovered.any(axis=1)).tolist(),
                np.where(went_negative, month, 0).tolist(), strict=True)]
