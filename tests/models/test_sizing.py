"""Opportunity cash flows (docs/formulas.md 3.1): hand-worked cases and the loop-by-loop reference."""

from __future__ import annotations

import numpy as np
import pytest

from models import finance, sizing
from tests.models.reference import opportunity_by_hand


def _inputs(**values: float) -> sizing.OpportunityInputs:
    defaults = dict(eligible_users=100, adoption_target=0.5, ramp_months=2,
                    tasks_per_user_month=10, success_rate=0.8, value_per_success=5,
                    launch_month=2, build_cost=1200, run_cost_annual=1200, cost_per_task=0.1)
    defaults.update(values)
    return sizing.OpportunityInputs(**{k: np.array([float(v)]) for k, v in defaults.items()})


def test_hand_worked_case_without_discounting() -> None:
    # 500 tasks/month at full adoption; adoption 0, 0, 50%, then 100% from month 4:
    # 9.5 full months of tasks in year 1. Benefit 500*0.8*5*9.5 = 19,000. Build 1,200 over
    # months 1-2, run 100/month for months 3-12 = 1,000, tasks 500*9.5*0.1 = 475.
    f = sizing.flows(_inputs(), finance.discount_factors(0.0, 1), monthly=True)
    assert f.pv_benefit[0] == pytest.approx(19_000)
    assert f.pv_cost[0] == pytest.approx(1_200 + 1_000 + 475)
    assert f.pv_build[0] == pytest.approx(1_200)
    assert f.npv[0] == pytest.approx(16_325)
    assert f.annual_benefit_ss[0] == pytest.approx(24_000)
    assert f.annual_cost_ss[0] == pytest.approx(1_200 + 600)
    assert f.monthly is not None
    net = f.monthly["net"][0]
    assert net[:4].tolist() == pytest.approx([-600, -600, 1000 - 125, 2000 - 150])
    assert finance.payback_month(net) == 4  # cumulative -600, -1200, -325, +1525


def test_launch_month_zero_puts_all_build_in_month_one_and_starts_at_once() -> None:
    f = sizing.flows(_inputs(launch_month=0, ramp_months=0), finance.discount_factors(0.0, 1),
                     monthly=True)
    assert f.monthly is not None
    assert f.monthly["build"][0].tolist() == [1200] + [0] * 11
    assert f.monthly["tasks"][0].tolist() == [500] * 12  # ramp 0: full adoption in month 1


def test_ramp_zero_means_full_adoption_the_month_after_launch() -> None:
    f = sizing.flows(_inputs(launch_month=3, ramp_months=0), finance.discount_factors(0.0, 1),
                     monthly=True)
    assert f.monthly is not None
    assert f.monthly["tasks"][0].tolist() == [0, 0, 0] + [500] * 9


def test_never_pays_back_and_no_irr() -> None:
    f = sizing.flows(_inputs(build_cost=1e7), finance.discount_factors(0.1, 2), monthly=True)
    assert f.monthly is not None
    assert finance.payback_month(f.monthly["net"][0]) is None
    assert f.npv[0] < 0


def test_profitable_from_the_first_month() -> None:
    f = sizing.flows(_inputs(build_cost=0, launch_month=0, ramp_months=0),
                     finance.discount_factors(0.1, 1), monthly=True)
    assert f.monthly is not None
    assert finance.payback_month(f.monthly["net"][0]) == 0
    assert finance.irr(f.monthly["net"][0]) is None  # net never changes sign


@pytest.mark.parametrize("seed", range(40))
def test_matches_the_loop_by_loop_reading_of_design(seed: int) -> None:
    rng = np.random.default_rng(seed)
    years = int(rng.integers(1, 11))
    values = dict(users=float(rng.uniform(0, 5000)), adoption=float(rng.uniform(0, 1)),
                  ramp=int(rng.integers(0, 13)), tpm=float(rng.uniform(0, 200)),
                  success=float(rng.uniform(0, 1)), value=float(rng.uniform(0, 20)),
                  launch=int(rng.integers(0, 12 * years + 3)), build=float(rng.uniform(0, 5e5)),
                  run=float(rng.uniform(0, 2e5)), cpt=float(rng.uniform(0, 0.5)))
    rate = float(rng.uniform(0, 0.3))
    expected = opportunity_by_hand(**values, horizon_years=years, rate=rate)  # type: ignore[arg-type]
    f = sizing.flows(_inputs(eligible_users=values["users"], adoption_target=values["adoption"],
                             ramp_months=values["ramp"], tasks_per_user_month=values["tpm"],
                             success_rate=values["success"], value_per_success=values["value"],
                             launch_month=values["launch"], build_cost=values["build"],
                             run_cost_annual=values["run"], cost_per_task=values["cpt"]),
                     finance.discount_factors(rate, years), monthly=True)
    for name in ("npv", "pv_benefit", "pv_cost", "pv_build"):
        assert getattr(f, name)[0] == pytest.approx(expected[name], rel=1e-9, abs=1e-6)
    assert f.monthly is not None
    assert f.monthly["net"][0] == pytest.approx(expected["net"], rel=1e-9, abs=1e-6)


def test_samples_are_independent_columns_of_the_same_formula() -> None:
    batch = sizing.OpportunityInputs(**{
        k: np.array(v, dtype=float) for k, v in dict(
            eligible_users=[100, 200], adoption_target=[0.5, 0.25], ramp_months=[2, 0],
            tasks_per_user_month=[10, 10], success_rate=[0.8, 0.8], value_per_success=[5, 5],
            launch_month=[2, 0], build_cost=[1200, 0], run_cost_annual=[1200, 0],
            cost_per_task=[0.1, 0.1]).items()})
    df = finance.discount_factors(0.08, 3)
    together = sizing.flows(batch, df).npv
    first = sizing.flows(_inputs(), df).npv[0]
    second = sizing.flows(_inputs(eligible_users=200, adoption_target=0.25, ramp_months=0,
                                  launch_month=0, build_cost=0, run_cost_annual=0), df).npv[0]
    assert together.tolist() == pytest.approx([first, second])


def test_enpv_and_rice() -> None:
    assert sizing.enpv(np.array(0.6), np.array(1000.0), np.array(300.0)) == pytest.approx(480)
    assert sizing.rice(1000, 0.3, 2, 0.8, 4) == pytest.approx(120)
    assert sizing.rice(1000, 0.3, 2, 0.8, 0) is None
