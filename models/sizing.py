"""Opportunity cash flows, NPV and its parts, eNPV and RICE (docs/formulas.md 3.1), over samples.

Every input is an array over samples (length n, or 1 to broadcast); the deterministic result
is the one-sample case. Month profiles depend only on the integer launch month and ramp, so
they are computed once per distinct pair and gathered: the same formulas, at any scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.finance import Array

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class OpportunityInputs:
    """Effective inputs of one opportunity, each an array over samples."""

    eligible_users: Array
    adoption_target: Array
    ramp_months: Array
    tasks_per_user_month: Array
    success_rate: Array
    value_per_success: Array
    launch_month: Array
    build_cost: Array
    run_cost_annual: Array
    cost_per_task: Array

    @property
    def full_tasks_month(self) -> Array:
        """Tasks per month at full adoption: eligible_users * adoption_target * tasks/user."""
        return self.eligible_users * self.adoption_target * self.tasks_per_user_month


def adoption_profile(launch_month: IntArray, ramp_months: IntArray, n_months: int) -> Array:
    """adoption(m) / adoption_target: 0 until launch, then min(1, k / ramp_months); (n, M)."""
    k = np.arange(1, n_months + 1)[None, :] - launch_month[:, None]
    ramp = np.maximum(ramp_months, 1)[:, None]
    profile = np.clip(k / ramp, 0.0, 1.0)
    return np.where(k >= 1, np.where(ramp_months[:, None] == 0, 1.0, profile), 0.0)


def live_profile(launch_month: IntArray, n_months: int) -> Array:
    """[k >= 1]: 1 in the months after launch; (n, M)."""
    k = np.arange(1, n_months + 1)[None, :] - launch_month[:, None]
    return (k >= 1).astype(float)


def build_profile(launch_month: IntArray, n_months: int) -> Array:
    """Share of build_cost spent in month m: 1/L for m <= L, or all of it in m = 1 if L = 0."""
    m = np.arange(1, n_months + 1)[None, :]
    spread = np.where(m <= launch_month[:, None], 1.0 / np.maximum(launch_month, 1)[:, None], 0.0)
    return np.where(launch_month[:, None] == 0, (m == 1).astype(float), spread)


@dataclass(frozen=True)
class Flows:
    """Present values (arrays over samples) and, when asked, the monthly series."""

    pv_benefit: Array
    pv_cost: Array
    pv_build: Array
    npv: Array
    annual_benefit_ss: Array
    annual_cost_ss: Array
    monthly: dict[str, Array] | None = None


#: Largest (launch, ramp) grid to tabulate directly; beyond it, distinct pairs are sorted out.
_GRID_LIMIT = 4096


def _distinct_pairs(launch: IntArray, ramp: IntArray) -> tuple[IntArray, IntArray]:
    """The (launch, ramp) pairs to build month profiles for, and each sample's pair index."""
    if launch.size == 1 and ramp.size == 1:
        return np.stack([launch, ramp]), np.zeros(1, dtype=np.int64)
    launch, ramp = np.broadcast_arrays(launch, ramp)
    width = int(ramp.max()) + 1
    cells = (int(launch.max()) + 1) * width
    if cells <= _GRID_LIMIT:  # small integers: index a full grid, no sorting needed
        grid = np.arange(cells)
        return np.stack([grid // width, grid % width]), launch * width + ramp
    codes, index = np.unique(launch * width + ramp, return_inverse=True)
    return np.stack([codes // width, codes % width]), index.reshape(-1)


def _each_pair(launch: IntArray, ramp: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct (launch, ramp) pairs present, and each element's pair index."""
    launch, ramp = np.broadcast_arrays(launch, ramp)
    width = int(ramp.max()) + 1 if ramp.size else 1
    codes, index = np.unique(launch * width + ramp, return_inverse=True)
    return np.stack([codes // width, codes % width]), index.reshape(-1)


def _discounted(profiles: Array, df: Array, one_by_one: bool) -> Array:
    """Each profile row's discounted sum. One by one, each row is multiplied alone: a matrix
    product's rows may differ in the last bit from one row's product, and an opportunity's
    figures must not depend on which other opportunities are evaluated beside it."""
    if not one_by_one:
        return profiles @ df
    return np.array([(profiles[i:i + 1] @ df)[0] for i in range(profiles.shape[0])])


def _column(values: Array) -> Array:
    return np.reshape(values, (-1, 1))


def _as_int(values: Array) -> IntArray:
    return np.rint(values).astype(np.int64)


def flows(inputs: OpportunityInputs, df: Array, monthly: bool = False, *,
          each: bool = False) -> Flows:
    """docs/formulas.md 3.1: benefit, cost and net per month and their present values.

    With ``each``, the elements are different opportunities (their base values), not samples
    of one: every element's figures are bitwise those of evaluating it alone.
    """
    n_months = df.shape[0]
    launch = np.atleast_1d(_as_int(inputs.launch_month))
    ramp = np.atleast_1d(_as_int(inputs.ramp_months))
    pairs, index = _each_pair(launch, ramp) if each else _distinct_pairs(launch, ramp)
    adoption = adoption_profile(pairs[0], pairs[1], n_months)
    live = live_profile(pairs[0], n_months)
    build = build_profile(pairs[0], n_months)
    # Discounted sums of each profile, for each distinct (launch, ramp), gathered per sample.
    adoption_pv = _discounted(adoption, df, each)[index]
    live_pv = _discounted(live, df, each)[index]
    build_pv_share = _discounted(build, df, each)[index]

    tasks_full = inputs.full_tasks_month
    value_per_task = inputs.success_rate * inputs.value_per_success
    pv_benefit = tasks_full * value_per_task * adoption_pv
    pv_build = inputs.build_cost * build_pv_share
    pv_cost = (pv_build + inputs.run_cost_annual / 12 * live_pv
               + tasks_full * inputs.cost_per_task * adoption_pv)
    series = None
    if monthly:
        tasks = _column(tasks_full) * adoption[index]
        benefit = tasks * _column(value_per_task)
        build_m = _column(inputs.build_cost) * build[index]
        run_m = _column(inputs.run_cost_annual) / 12 * live[index]
        variable_m = tasks * _column(inputs.cost_per_task)
        cost = build_m + run_m + variable_m
        series = {"tasks": tasks, "benefit": benefit, "build": build_m, "run": run_m,
                  "variable": variable_m, "cost": cost, "net": benefit - cost}
    return Flows(
        pv_benefit=pv_benefit,
        pv_cost=pv_cost,
        pv_build=pv_build,
        npv=pv_benefit - pv_cost,
        annual_benefit_ss=12 * tasks_full * value_per_task,
        annual_cost_ss=inputs.run_cost_annual + 12 * tasks_full * inputs.cost_per_task,
        monthly=series,
    )


def enpv(p_success: Array, npv: Array, pv_build: Array) -> Array:
    """p_success * npv - (1 - p_success) * pv_build: a failed attempt spends its build cost."""
    return p_success * npv - (1 - p_success) * pv_build


def rice(eligible_users: float, adoption_target: float, impact: float, confidence: float,
         effort_person_months: float) -> float | None:
    """Reach * impact * confidence / effort, reach = eligible_users * adoption_target."""
    if effort_person_months == 0:
        return None
    return eligible_users * adoption_target * impact * confidence / effort_person_months


def rice_many(eligible_users: Array, adoption_target: Array, impact: Array, confidence: Array,
              effort_person_months: Array) -> Array:
    """rice of each element, in the same order of operations; not finite where effort is 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return eligible_users * adoption_target * impact * confidence / effort_person_months
