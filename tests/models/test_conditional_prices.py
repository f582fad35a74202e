"""The catalog's conditional prices as a route pays them: batch, cache writes kept 5 minutes or 1 hour,
tiers by prompt length, reasoning output, per-request fees and dated changes, checked against prices
written out by hand from the catalog's data and against genai-prices' own bill for the same call."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from models import catalog
from models.plan import tier_from_json
from models.unit_economics import RouteInputs, route_cost

DAY = date(2026, 12, 1)


def _model(provider: str, model: str) -> catalog.CatalogModel:
    found = catalog.find(provider, model)
    assert found is not None, (provider, model)
    return found


def _prices(provider: str, model: str, **terms: Any) -> tuple[float, ...]:
    p = catalog.prices_of(_model(provider, model), on=terms.pop("on", DAY), **terms)
    return (p.price_in_mtok, p.price_out_mtok, p.price_cached_in_mtok, p.price_cache_write_mtok,
            p.price_reasoning_mtok, p.price_per_request)


def _cost(prices: dict[str, Any], *, input_tokens: float, output_tokens: float = 0, cached: float = 0,
          written: float = 0, reasoning: float = 0, calls: float = 1) -> float:
    fields = {name: np.array([float(prices[name])]) for name in catalog.PRICE_FIELDS}
    route = RouteInputs(share=np.array([1.0]), input_tokens=np.array([input_tokens]),
                        output_tokens=np.array([output_tokens]), cached_share=np.array([cached]),
                        cache_write_share=np.array([written]), reasoning_tokens=np.array([reasoning]),
                        calls_per_task=np.array([calls]),
                        tiers=tuple(tier_from_json(t) for t in prices["tiers"]), **fields)
    return float(route_cost(route)[0])


def test_batch_and_one_hour_cache_writes_take_the_prices_the_catalog_lists() -> None:
    # anthropic/claude-sonnet-5-5 in the catalog's data: $2 input, $10 output, $0.1 cache reads,
    # $2.5 5-minute and $4 1-hour cache writes; batch (from 2026-10-14) $1, $5, $0.05, $1.25, $2.
    # No reasoning price (so the output price), no fee per request.
    assert _prices("anthropic", "claude-sonnet-5-5") == (2, 10, 0.1, 2.5, 10, 0)
    assert _prices("anthropic", "claude-sonnet-5-5", cache_ttl="1h") == (2, 10, 0.1, 4, 10, 0)
    assert _prices("anthropic", "claude-sonnet-5-5", batch=True) == (1, 5, 0.05, 1.25, 5, 0)
    assert _prices("anthropic", "claude-sonnet-5-5", batch=True, cache_ttl="1h") == (1, 5, 0.05, 2, 5, 0)
    copied = catalog.route_prices(_model("anthropic", "claude-sonnet-5-5"), batch=True, on=DAY)
    assert copied["batch"] is True and copied["price_source"] == "catalog"
    # A model without batch prices keeps its standard ones and is not marked batch.
    flash = catalog.route_prices(_model("google", "gemini-3.5-flash"), batch=True, on=DAY)
    assert flash["batch"] is False and flash["price_in_mtok"] == 1.5


def test_prices_the_catalog_lacks_are_stated_stand_ins_never_zero() -> None:
    # google/gemini-3.5-flash: $1.5 input, $9 output, $0.15 cache reads; no cache-write or reasoning price.
    prices = catalog.prices_of(_model("google", "gemini-3.5-flash"), on=DAY)
    assert (prices.price_cache_write_mtok, prices.price_reasoning_mtok) == (1.5, 9)
    assert set(prices.missing) == {"price_cache_write_mtok", "price_reasoning_mtok"}
    notes = catalog.price_notes(_model("google", "gemini-3.5-flash"))
    assert "no 5-minute cache-write price" in notes["price_cache_write_mtok"]
    assert "priced as output" in notes["price_reasoning_mtok"]
    # perplexity/sonar has no cached-input price at all: cache reads cost the input price.
    assert _prices("perplexity", "sonar")[2] == 1


def test_reasoning_output_and_fees_per_request_add_their_terms() -> None:
    # perplexity/sonar-deep-research: $2 input, $8 output, $3 reasoning output.
    deep = _prices("perplexity", "sonar-deep-research")
    assert deep[:2] + deep[4:] == (2, 8, 3, 0)
    research = catalog.route_prices(_model("perplexity", "sonar-deep-research"), on=DAY)
    assert _cost(research, input_tokens=5000, output_tokens=800, reasoning=3000, calls=2) \
        == pytest.approx(2 * (5000 * 2 + 800 * 8 + 3000 * 3) / 1e6, rel=1e-12)
    # perplexity/sonar: $1 input, $1 output and $12 per thousand requests, so $0.012 a call.
    sonar = catalog.route_prices(_model("perplexity", "sonar"), on=DAY)
    assert sonar["price_per_request"] == 0.012
    assert _cost(sonar, input_tokens=1000, output_tokens=500, calls=3) \
        == pytest.approx(3 * ((1000 + 500) / 1e6 + 0.012), rel=1e-12)


def test_a_tier_prices_the_whole_call_above_its_threshold_from_the_day_it_took_effect() -> None:
    qwen = _model("openrouter", "qwen/qwen3-coder-flash")
    # Before 2026-10-19 one price; from that day tiers above 32k and 128k input tokens:
    # input $0.195 / $0.325 / $0.52, output $0.975 / $1.625 / $2.6, cache reads $0.039 / $0.065 /
    # $0.104, 5-minute cache writes $0.24375 / $0.40625 / $0.65.
    before = catalog.route_prices(qwen, on=date(2026, 10, 1))
    assert before["tiers"] == [] and before["price_since"] == ""
    after = catalog.route_prices(qwen, on=DAY)
    assert after["price_since"] == "2026-10-19"
    assert after["tiers"] == [
        {"above": 32000, "price_in_mtok": 0.325, "price_out_mtok": 1.625, "price_cached_in_mtok": 0.065,
         "price_cache_write_mtok": 0.40625},
        {"above": 128000, "price_in_mtok": 0.52, "price_out_mtok": 2.6, "price_cached_in_mtok": 0.104,
         "price_cache_write_mtok": 0.65}]
    call = {"output_tokens": 1000, "cached": 0.5, "written": 0.1}

    def by_hand(tokens: int, p_in: float, p_out: float, p_read: float, p_write: float) -> float:
        return (tokens * 0.4 * p_in + tokens * 0.5 * p_read + tokens * 0.1 * p_write + 1000 * p_out) / 1e6

    assert _cost(after, input_tokens=32000, **call) == pytest.approx(
        by_hand(32000, 0.195, 0.975, 0.039, 0.24375), rel=1e-12)  # at the threshold: the base
    assert _cost(after, input_tokens=32001, **call) == pytest.approx(
        by_hand(32001, 0.325, 1.625, 0.065, 0.40625), rel=1e-12)  # every token of the call
    assert _cost(after, input_tokens=200000, **call) == pytest.approx(
        by_hand(200000, 0.52, 2.6, 0.104, 0.65), rel=1e-12)
    assert _cost(before, input_tokens=200000, **call) == pytest.approx(
        by_hand(200000, 0.195, 0.975, 0.039, 0.24375), rel=1e-12)


@pytest.mark.parametrize(("provider", "model", "batch", "ttl", "tokens"), [
    ("anthropic", "claude-sonnet-5-5", False, "5m", 14000),
    ("anthropic", "claude-sonnet-5-5", True, "1h", 14000),
    ("openrouter", "qwen/qwen3-coder-flash", False, "5m", 40000),
    ("openrouter", "qwen/qwen3-coder-flash", False, "5m", 150000),
    ("google", "gemini-3.5-flash", False, "5m", 4000),
])
def test_a_call_costs_what_genai_prices_bills_for_it(provider: str, model: str, batch: bool, ttl: str,
                                                     tokens: int) -> None:
    from genai_prices.data import providers
    from genai_prices.types import Usage

    info = next(m for p in providers if p.id == provider for m in p.models if m.id == model)
    context = {"processing": "batch"} if batch else None
    bill = info.get_prices(datetime(2026, 12, 1, 12, tzinfo=UTC), context)
    cached, written, output = tokens * 3 // 10, tokens // 10, 900
    if ttl == "5m":
        usage = Usage(input_tokens=tokens, cache_read_tokens=cached, cache_write_tokens=written,
                      output_tokens=output)
        expected = bill.calc_price(usage)["total_price"]
    else:  # the bill of the other tokens, and the written ones at the data's own 1-hour write price
        expected = bill.calc_price(Usage(input_tokens=tokens - written, cache_read_tokens=cached,
                                         output_tokens=output))["total_price"]
        expected += Decimal(written) * vars(bill)["cache_write_1h_mtok"] / Decimal(10**6)
    prices = catalog.route_prices(_model(provider, model), batch=batch, cache_ttl=ttl, on=DAY)
    ours = _cost(prices, input_tokens=tokens, output_tokens=output, cached=cached / tokens,
                 written=written / tokens)
    assert ours == pytest.approx(float(expected), rel=1e-12)


def test_a_sampled_prompt_length_takes_the_tier_each_sample_reaches() -> None:
    after = catalog.route_prices(_model("openrouter", "qwen/qwen3-coder-flash"), on=DAY)
    tokens = np.array([10000.0, 32000.0, 32001.0, 127999.0, 128001.0])
    fields = {name: np.full(5, float(after[name])) for name in catalog.PRICE_FIELDS}
    route = RouteInputs(share=np.ones(5), input_tokens=tokens, output_tokens=np.zeros(5),
                        cached_share=np.zeros(5), calls_per_task=np.ones(5),
                        tiers=tuple(tier_from_json(t) for t in after["tiers"]), **fields)
    per_million = route_cost(route) / tokens * 1e6
    assert per_million == pytest.approx([0.195, 0.195, 0.325, 0.325, 0.52], rel=1e-12)
