"""Cost per AI task (docs/formulas.md 3.3), worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.unit_economics import RouteInputs, UnitInputs, route_cost, unit_costs


def _a(x: float) -> np.ndarray:
    return np.array([float(x)])


def _route(share: float, p_in: float, p_out: float, p_cached: float, tin: float, tout: float,
           cached: float, calls: float) -> RouteInputs:
    return RouteInputs(share=_a(share), price_in_mtok=_a(p_in), price_out_mtok=_a(p_out),
                       price_cached_in_mtok=_a(p_cached), input_tokens=_a(tin),
                       output_tokens=_a(tout), cached_share=_a(cached), calls_per_task=_a(calls))


def _unit(routes: tuple[RouteInputs, ...], revenue: float = 0.40, fixed: float = 3000) -> UnitInputs:
    return UnitInputs(revenue_per_task=_a(revenue), retry_rate=_a(0.05),
                      embed_tokens_per_task=_a(2000), embed_price_mtok=_a(0.02),
                      vector_queries_per_task=_a(2), vector_price_per_1k=_a(0.5),
                      tool_cost_per_task=_a(0.004), escalation_rate=_a(0.02),
                      human_cost_per_escalation=_a(3.0), fixed_monthly=_a(fixed), routes=routes)


CHEAP = _route(0.8, 1.0, 4.0, 0.1, 3000, 500, 0.5, 2)
STRONG = _route(0.2, 3.0, 15.0, 0.3, 3000, 500, 0.0, 1)


def test_route_cost_with_caching() -> None:
    # 2 calls * (1500 uncached * $1 + 1500 cached * $0.1 + 500 out * $4) / 1e6
    assert route_cost(CHEAP)[0] == pytest.approx(2 * (1500 + 150 + 2000) / 1e6)
    assert route_cost(STRONG)[0] == pytest.approx((9000 + 7500) / 1e6)


def test_costs_margin_and_break_even() -> None:
    llm = 0.8 * 0.0073 + 0.2 * 0.0165
    retrieval = 2000 * 0.02 / 1e6 + 2 * 0.5 / 1000
    variable = llm * 1.05 + retrieval + 0.004 + 0.02 * 3.0
    c = unit_costs(_unit((CHEAP, STRONG)), volume_tasks_month=10_000)
    assert c.llm_cost_per_task[0] == pytest.approx(llm)
    assert c.retrieval_cost_per_task[0] == pytest.approx(retrieval)
    assert c.variable_cost_per_task[0] == pytest.approx(variable)
    assert c.loaded_cost_per_task[0] == pytest.approx(variable + 0.3)
    assert c.gross_margin[0] == pytest.approx((0.40 - variable - 0.3) / 0.40)
    assert c.break_even_tasks_month[0] == pytest.approx(3000 / (0.40 - variable))


def test_nulls_where_design_says_so() -> None:
    free = unit_costs(_unit((CHEAP,), revenue=0.0), volume_tasks_month=1000)
    assert math.isnan(free.gross_margin[0]) and math.isnan(free.break_even_tasks_month[0])
    underwater = unit_costs(_unit((CHEAP,), revenue=0.01), volume_tasks_month=1000)
    assert math.isnan(underwater.break_even_tasks_month[0])
    assert underwater.gross_margin[0] < 0
    no_volume = unit_costs(_unit((CHEAP,)), volume_tasks_month=0)
    assert math.isnan(no_volume.loaded_cost_per_task[0])
