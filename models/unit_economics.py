"""Cost per AI task: routes, retrieval, tools, escalation, margin and break-even (docs/formulas.md 3.3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.finance import Array
from models.plan import PriceTier, Route, estimate_names


@dataclass(frozen=True)
class RouteInputs:
    share: Array
    price_in_mtok: Array
    price_out_mtok: Array
    price_cached_in_mtok: Array
    input_tokens: Array
    output_tokens: Array
    cached_share: Array
    calls_per_task: Array
    cache_write_share: Array = 0.0  # type: ignore[assignment]
    price_cache_write_mtok: Array = 0.0  # type: ignore[assignment]
    reasoning_tokens: Array = 0.0  # type: ignore[assignment]
    price_reasoning_mtok: Array = 0.0  # type: ignore[assignment]
    price_per_request: Array = 0.0  # type: ignore[assignment]
    tiers: tuple[PriceTier, ...] = ()


@dataclass(frozen=True)
class UnitInputs:
    revenue_per_task: Array
    retry_rate: Array
    embed_tokens_per_task: Array
    embed_price_mtok: Array
    vector_queries_per_task: Array
    vector_price_per_1k: Array
    tool_cost_per_task: Array
    escalation_rate: Array
    human_cost_per_escalation: Array
    fixed_monthly: Array
    routes: tuple[RouteInputs, ...]


@dataclass(frozen=True)
class UnitCosts:
    """Per-task costs (arrays over samples); NaN where docs/formulas.md says the result is null."""

    llm_cost_per_task: Array
    retrieval_cost_per_task: Array
    variable_cost_per_task: Array
    loaded_cost_per_task: Array
    gross_margin: Array
    break_even_tasks_month: Array


def base_inputs(route: Route) -> RouteInputs:
    """A route's base values as the inputs of one sample."""
    return RouteInputs(**{name: np.array([getattr(route, name).base]) for name in estimate_names(Route)},
                       tiers=route.tiers)


def route_cost(r: RouteInputs) -> Array:
    """calls * (uncached, cache-read and cache-written input, output and reasoning tokens at their
    prices / 1e6 + the per-request fee), at the prices of the tier the call's input tokens reach."""
    price_in, price_out = r.price_in_mtok, r.price_out_mtok
    price_cached, price_written = r.price_cached_in_mtok, r.price_cache_write_mtok
    for tier in r.tiers:  # ascending: the highest tier whose threshold the input exceeds wins
        over = r.input_tokens > tier.above
        price_in = np.where(over, tier.price_in_mtok, price_in)
        price_out = np.where(over, tier.price_out_mtok, price_out)
        price_cached = np.where(over, tier.price_cached_in_mtok, price_cached)
        price_written = np.where(over, tier.price_cache_write_mtok, price_written)
    # Tokens read from or written to the cache are billed at their cache price instead of the
    # input price, never both; reasoning tokens are not part of output_tokens.
    # A sampled written share is kept within what the read share leaves (the base is validated).
    write_share = np.minimum(r.cache_write_share, 1 - r.cached_share)
    uncached = r.input_tokens * (1 - r.cached_share - write_share) * price_in
    cached = r.input_tokens * r.cached_share * price_cached
    written = r.input_tokens * write_share * price_written
    tokens = (uncached + cached + written + r.output_tokens * price_out
              + r.reasoning_tokens * r.price_reasoning_mtok)
    return r.calls_per_task * tokens / 1e6 + r.calls_per_task * r.price_per_request


def unit_costs(u: UnitInputs, volume_tasks_month: float) -> UnitCosts:
    """docs/formulas.md 3.3 for one unit model at monthly volume V (shares are made to total 1)."""
    llm: Array = np.zeros(1)
    if u.routes:
        total_share = sum(r.share for r in u.routes)
        # Shares that total 1 at base are validated; sampled shares are renormalised per sample.
        llm = sum(r.share / total_share * route_cost(r) for r in u.routes)  # type: ignore[assignment]
    retrieval = (u.embed_tokens_per_task * u.embed_price_mtok / 1e6
                 + u.vector_queries_per_task * u.vector_price_per_1k / 1000)
    variable = (llm * (1 + u.retry_rate) + retrieval + u.tool_cost_per_task
                + u.escalation_rate * u.human_cost_per_escalation)
    # A fixed cost over a vanishing volume overflows: that cost per task is reported as null.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        loaded = variable + (u.fixed_monthly / volume_tasks_month if volume_tasks_month > 0
                             else np.nan * u.fixed_monthly)
        revenue = np.asarray(u.revenue_per_task, dtype=float)
        margin = np.where(revenue != 0, (revenue - loaded) / np.where(revenue != 0, revenue, 1), np.nan)
        headroom = revenue - variable
        break_even = np.where(headroom > 0, u.fixed_monthly / np.where(headroom > 0, headroom, 1), np.nan)
    return UnitCosts(llm_cost_per_task=np.asarray(llm, dtype=float),
                     retrieval_cost_per_task=np.asarray(retrieval, dtype=float),
                     variable_cost_per_task=np.asarray(variable, dtype=float),
                     loaded_cost_per_task=np.asarray(loaded, dtype=float),
                     gross_margin=np.asarray(margin, dtype=float),
                     break_even_tasks_month=np.asarray(break_even, dtype=float))
