"""NPV, IRR and payback against numpy-financial and hand-worked cases."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from models import finance


def test_discount_factors_are_monthly_from_an_annual_rate() -> None:
    df = finance.discount_factors(0.10, 1)
    assert df.shape == (12,)
    assert df[11] == pytest.approx(1 / 1.10)
    assert df[0] == pytest.approx(1.10 ** (-1 / 12))


@pytest.mark.parametrize("seed", range(25))
def test_npv_matches_numpy_financial(seed: int) -> None:
    rng = np.random.default_rng(seed)
    years = int(rng.integers(1, 11))
    rate = float(rng.uniform(0, 0.4))
    net = rng.normal(0, 1e5, 12 * years)
    monthly_rate = (1 + rate) ** (1 / 12) - 1
    expected = npf.npv(monthly_rate, np.concatenate([[0.0], net]))  # month 1 is one period away
    assert finance.npv(net, finance.discount_factors(rate, years)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", range(25))
def test_irr_matches_numpy_financial(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    months = int(rng.integers(12, 61))
    invest = int(rng.integers(1, 6))
    net = np.concatenate([-rng.uniform(1e4, 1e5, invest), rng.uniform(1e3, 3e4, months - invest)])
    monthly = npf.irr(net)  # npf discounts net[0] by 0 periods; a common factor, same root
    assert finance.irr(net) == pytest.approx((1 + monthly) ** 12 - 1, rel=1e-6)
    # and the rate makes the sum of docs/formulas.md 3.1 zero
    i = (1 + finance.irr(net)) ** (1 / 12) - 1  # type: ignore[operator]
    assert abs(sum(v / (1 + i) ** m for m, v in enumerate(net, start=1))) < 1e-6 * np.abs(net).sum()


def test_irr_is_none_without_a_sign_change() -> None:
    assert finance.irr(np.array([100.0, 200.0, 0.0])) is None
    assert finance.irr(np.array([-100.0, -5.0])) is None
    assert finance.irr(np.zeros(12)) is None


def test_payback() -> None:
    assert finance.payback_month(np.array([5.0, 5.0, 5.0])) == 0  # profitable from month 1
    assert finance.payback_month(np.array([-10.0, 4.0, 4.0, 4.0])) == 4  # cum -10,-6,-2,2
    assert finance.payback_month(np.array([-10.0, 1.0, 1.0])) is None  # never within horizon
    assert finance.payback_month(np.array([0.0, -1.0, 1.0, -3.0, 5.0])) == 3  # first recovery


def test_each_rows_irr_is_the_same_alone_in_any_company_and_when_kept() -> None:
    """An edit's recalculation keeps the IRRs of rows it did not change: that is sound only
    because a row's IRR does not depend, to the last bit, on the rows solved beside it."""
    rng = np.random.default_rng(7)
    net = np.cumsum(rng.normal(0, 1, size=(400, 36)), axis=1) + rng.normal(0, 3, size=(400, 1))
    finance._SOLVED.clear()
    together = finance.irr_many(net)
    assert np.isnan(together).any() and not np.isnan(together).all()  # both kinds of row
    finance._SOLVED.clear()
    alone = np.array([finance.irr_many(net[i:i + 1])[0] for i in range(len(net))])
    finance._SOLVED.clear()
    every_third = finance.irr_many(net[::3])
    kept = finance.irr_many(net)  # a third of the rows kept from the call before
    assert np.array_equal(together, alone, equal_nan=True)
    assert np.array_equal(together[::3], every_third, equal_nan=True)
    assert np.array_equal(together, kept, equal_nan=True)
