"""The price catalog gives the package's own prices, offline, and the sample's routes come from it."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from genai_prices import Usage, calc_price
from genai_prices import data_snapshot as gp_snapshot
from genai_prices.data import providers as bundled_providers
from genai_prices.types import ModelInfo, Provider

from models import catalog
from models.catalog import CatalogModel

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "samples" / "sample.json"
PRICE_FIELDS = catalog.PRICE_FIELDS


def _sample_routes() -> list[dict[str, Any]]:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return [route for unit_model in data["unit_models"] for route in unit_model["routes"]]


def _bundled(model: CatalogModel) -> tuple[Provider, ModelInfo]:
    provider = next(p for p in bundled_providers if p.id == model.provider_id)
    return provider, next(m for m in provider.models if m.id == model.model_id)


def _package_rate(
    provider: Provider, info: ModelInfo, when: datetime, tokens: int, **usage: int
) -> tuple[float, float]:
    """(input, output) price per million tokens that the package charges for `usage` at `when`."""
    price = info.calc_price(Usage(**usage), provider, genai_request_timestamp=when)
    return float(price.input_price) * 1e6 / tokens, float(price.output_price) * 1e6 / tokens


def _tokens_within_base_tier(model: CatalogModel) -> int:
    return min(1_000, model.tier_threshold_tokens or 1_000)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every way out to the network raises; the list records any attempt."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: object, **kwargs: object) -> Any:
            attempts.append(name)
            raise OSError(f"network use in a test: {name}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts


def test_every_sample_route_is_in_the_catalog_with_the_sample_prices() -> None:
    routes = _sample_routes()
    assert routes
    for route in routes:
        model = catalog.find(route["provider"], route["model"])
        assert model is not None, (route["provider"], route["model"])
        prices = catalog.route_prices(model)
        assert {field: prices[field] for field in PRICE_FIELDS} == {
            field: route[field] for field in PRICE_FIELDS
        }


def test_on_the_sample_date_the_catalog_gives_the_sample_routes_and_notes_exactly() -> None:
    for route in _sample_routes():
        day = date.fromisoformat(route["price_date"])
        assert catalog.catalog_date(on=day) == route["price_date"]
        on_day = {m.key: m for m in catalog.models_on(day)}
        model = on_day[(route["provider"], route["model"])]
        expected = {field: route[field] for field in ("model", "provider", "price_source", "price_date",
                                                      "price_since", "batch", "cache_ttl", "tiers",
                                                      *PRICE_FIELDS)}
        assert catalog.route_prices(model, on=day) == expected
        notes = catalog.price_notes(model)
        # A note records the catalog package that priced the route; a newer release of the
        # package gives the same prices for that day, under its own version number.
        assert {field: _any_version(notes[field]) for field in notes} == {
            field: _any_version(route["notes"][field]) for field in notes
        }


def _any_version(note: str) -> str:
    return re.sub(r"genai-prices \d+(\.\d+)*", "genai-prices (version)", note)


@pytest.mark.parametrize("route", _sample_routes(), ids=lambda route: f"{route['provider']}/{route['model']}")
def test_sample_model_prices_match_the_package_calc_price(route: dict[str, Any]) -> None:
    model = catalog.find(route["provider"], route["model"])
    assert model is not None
    # A million tokens, or the most the base tier allows: above it every token costs the higher tier.
    tokens = min(1_000_000, model.tier_threshold_tokens or 1_000_000)
    plain = calc_price(
        Usage(input_tokens=tokens, output_tokens=tokens), model.model_id, provider_id=model.provider_id
    )
    assert float(plain.input_price) * 1e6 / tokens == pytest.approx(model.price_in_mtok, rel=1e-12)
    assert float(plain.output_price) * 1e6 / tokens == pytest.approx(model.price_out_mtok, rel=1e-12)
    cached = calc_price(
        Usage(input_tokens=tokens, cache_read_tokens=tokens), model.model_id, provider_id=model.provider_id
    )
    cached_rate = catalog.route_prices(model)["price_cached_in_mtok"]
    assert float(cached.input_price) * 1e6 / tokens == pytest.approx(cached_rate, rel=1e-12)


def test_every_model_is_priced_as_the_package_prices_it_today() -> None:
    """Prices, the cached-input fallback, tiers and peak hours agree with the package's own calculation."""
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for model in catalog.all_models():
        provider, info = _bundled(model)
        tokens = _tokens_within_base_tier(model)
        if model.time_of_day_pricing:
            # Every half hour of the day: the catalog quotes the peak and records the off-peak rate.
            moments = [today.replace(hour=0, minute=0) + timedelta(minutes=30 * step) for step in range(48)]
        else:
            moments = [today]
        rates = [
            _package_rate(provider, info, when, tokens, input_tokens=tokens, output_tokens=tokens)
            for when in moments
        ]
        assert max(rates) == pytest.approx((model.price_in_mtok, model.price_out_mtok), rel=1e-12), model.key
        if model.time_of_day_pricing:
            assert min(rates) == pytest.approx((model.off_peak_in_mtok, model.off_peak_out_mtok), rel=1e-12)
            assert min(rates) != max(rates)
        # The package charges cache reads at the input price when it has no cache price: so does the route.
        peak_moment = moments[rates.index(max(rates))]
        cached_in, _ = _package_rate(
            provider, info, peak_moment, tokens, input_tokens=tokens, cache_read_tokens=tokens
        )
        route = catalog.route_prices(model)
        assert route["price_cached_in_mtok"] == pytest.approx(cached_in, rel=1e-12), model.key


def test_tiered_prices_are_the_base_tier_up_to_the_threshold() -> None:
    tiered = [model for model in catalog.all_models() if model.tiered]
    assert tiered
    today = datetime.now(UTC)
    for model in tiered:
        assert model.tier_threshold_tokens is not None
        provider, info = _bundled(model)
        threshold = model.tier_threshold_tokens
        at_threshold = _package_rate(provider, info, today, threshold, input_tokens=threshold)
        assert at_threshold[0] == pytest.approx(model.price_in_mtok, rel=1e-12), model.key


def test_announced_price_changes_are_reported_and_take_effect_on_their_date() -> None:
    changing = [model for model in catalog.all_models() if model.next_change_date is not None]
    if not changing:
        pytest.skip("the bundled data announces no future price change")
    for model in changing:
        assert model.next_change_date is not None
        day = date.fromisoformat(model.next_change_date)
        assert day > datetime.now(UTC).date()
        later = {m.key: m for m in catalog.models_on(day)}[model.key]
        assert (later.price_in_mtok, later.price_out_mtok) == (
            model.next_price_in_mtok,
            model.next_price_out_mtok,
        )
        provider, info = _bundled(model)
        tokens = _tokens_within_base_tier(model)
        when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        package = _package_rate(provider, info, when, tokens, input_tokens=tokens, output_tokens=tokens)
        assert package == pytest.approx((later.price_in_mtok, later.price_out_mtok), rel=1e-12)
        assert catalog.catalog_date(on=day) == model.next_change_date


def test_catalog_date_is_a_past_date_on_which_todays_prices_already_applied() -> None:
    day = date.fromisoformat(catalog.catalog_date())
    assert day <= datetime.now(UTC).date()
    assert catalog.models_on(day) == catalog.all_models()
    assert {model.price_date for model in catalog.all_models()} == {catalog.catalog_date()}


def test_catalog_has_only_models_with_input_and_output_prices() -> None:
    models = catalog.all_models()
    assert len(models) > 100
    assert len({model.key for model in models}) == len(models)
    for model in models:
        assert model.price_in_mtok >= 0 and model.price_out_mtok >= 0
        assert model.price_cached_in_mtok is None or model.price_cached_in_mtok >= 0
        assert model.model_name


def test_providers_are_the_providers_of_the_models_sorted_by_name() -> None:
    listed = catalog.providers()
    assert {pid for pid, _ in listed} == {model.provider_id for model in catalog.all_models()}
    assert [name.lower() for _, name in listed] == sorted(name.lower() for _, name in listed)
    assert ("anthropic", "Anthropic") in listed


def test_search_by_provider_keeps_that_provider_only() -> None:
    by_id = catalog.search(provider="anthropic")
    assert by_id and all(model.provider_id == "anthropic" for model in by_id)
    assert len(by_id) == sum(model.provider_id == "anthropic" for model in catalog.all_models())
    assert catalog.search(provider="ANTHROPIC") == by_id == catalog.search(provider="Anthropic")
    assert [m.key for m in catalog.search("haiku", provider="anthropic")] == [
        m.key for m in by_id if "haiku" in m.model_id.lower() or "haiku" in m.model_name.lower()
    ]


def test_search_matches_every_word_in_any_order_without_regard_to_case() -> None:
    found = catalog.search("Haiku CLAUDE 5.5")
    assert ("anthropic", "claude-haiku-5-5") in [m.key for m in found]
    for model in found:
        text = " ".join((model.provider_id, model.provider_name, model.model_id, model.model_name)).lower()
        assert all(word in text for word in ("haiku", "claude", "5.5")), model.key
    assert catalog.search("no-such-model-anywhere") == []
    assert len(catalog.search("gpt", limit=3)) == 3


def test_search_puts_exact_ids_first_then_orders_by_provider_and_name() -> None:
    found = catalog.search("gpt-6-luna")
    exact = [m for m in found if m.model_id == "gpt-6-luna"]
    assert len(exact) >= 2
    assert found[: len(exact)] == exact
    assert [m.provider_name.lower() for m in exact] == sorted(m.provider_name.lower() for m in exact)
    assert catalog.search("openai/gpt-6-luna")[0].key == ("openai", "gpt-6-luna")
    everything = catalog.search()
    assert len(everything) == len(catalog.all_models())
    order = [(m.provider_name.lower(), m.model_name.lower()) for m in everything]
    assert order == sorted(order)


def test_find_ignores_case_and_returns_none_for_unknown_models() -> None:
    model = catalog.find("Anthropic", "Claude-Haiku-5-5")
    assert model is not None and model.key == ("anthropic", "claude-haiku-5-5")
    assert catalog.find("anthropic", "claude-haiku-0") is None
    assert catalog.find("no-such-provider", "claude-haiku-5-5") is None


def test_route_prices_round_trip_through_json_and_find() -> None:
    for model in catalog.all_models():
        route = catalog.route_prices(model)
        assert json.loads(json.dumps(route)) == route
        assert catalog.find(str(route["provider"]), str(route["model"])) is model
        assert route["price_in_mtok"] == model.price_in_mtok
        assert route["price_out_mtok"] == model.price_out_mtok
        expected_cached = (
            model.price_in_mtok if model.price_cached_in_mtok is None else model.price_cached_in_mtok
        )
        assert route["price_cached_in_mtok"] == expected_cached


def test_a_model_without_cached_price_says_caching_saves_nothing() -> None:
    model = next(m for m in catalog.all_models() if m.price_cached_in_mtok is None)
    assert catalog.route_prices(model)["price_cached_in_mtok"] == model.price_in_mtok
    assert "caching saves nothing" in catalog.price_notes(model)["price_cached_in_mtok"]


def test_notes_tell_the_pm_about_tiers_peak_hours_and_announced_changes() -> None:
    for model in catalog.all_models():
        note = catalog.price_notes(model)["price_in_mtok"]
        assert ("base rate for prompts up to" in note) == model.tiered, model.key
        assert ("off-peak" in note) == model.time_of_day_pricing, model.key
        assert (f"From {model.next_change_date} " in note) == (model.next_change_date is not None), model.key


def test_building_the_catalog_uses_no_network(no_network: list[str]) -> None:
    catalog._catalog.cache_clear()
    models = catalog.all_models()
    assert models and catalog.search("claude") and catalog.catalog_date()
    assert no_network == []


def test_prices_fetched_by_a_genai_prices_updater_are_never_used() -> None:
    expected = catalog.all_models()
    catalog._catalog.cache_clear()
    gp_snapshot.set_custom_snapshot(gp_snapshot.DataSnapshot(providers=[], from_auto_update=True))
    try:
        assert catalog.all_models() == expected
    finally:
        gp_snapshot.set_custom_snapshot(None)
        catalog._catalog.cache_clear()


def test_a_fresh_process_imports_and_builds_the_catalog_offline() -> None:
    script = """
import socket, threading
def refuse(*args, **kwargs):
    raise OSError("network use")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from models import catalog
assert "genai_prices" not in __import__("sys").modules, "genai-prices imported before it is needed"
models = catalog.all_models()
assert not any(t.name.startswith("genai_prices") for t in threading.enumerate())
print(len(models))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(catalog.all_models())


