"""The LLM price catalog: today's per-token prices from the bundled genai-prices data, offline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from genai_prices.types import ConditionalPrice, ModelInfo, ModelPrice, Provider

# genai-prices is imported lazily, inside the functions that need it: importing it costs a few tenths of a
# second (pydantic, httpx2, 1.6 MB of data), which the app should pay when a PM opens the catalog, not at
# start-up.
#
# Offline by construction: the package only touches the network through `genai_prices.UpdatePrices`, which
# fetches a fresh price list from GitHub and installs it as the snapshot that `calc_price()` uses. This
# module never starts an updater, and it reads `genai_prices.data.providers` (the data bundled in the
# wheel) directly rather than through `data_snapshot.get_snapshot()`, so even an updater started elsewhere
# in the process cannot change the prices the catalog shows.


@dataclass(frozen=True)
class CatalogModel:
    """One model of one provider with the standard (non-batch) prices in force on the catalog's date.

    Prices are USD per million tokens. When the catalog prices by prompt length (`tiered`), the prices are
    the base tier, which applies to prompts of up to `tier_threshold_tokens` input tokens. When the provider
    bills by time of day (`time_of_day_pricing`), the prices are the peak rate, the highest a request can
    pay, and `off_peak_in_mtok` / `off_peak_out_mtok` give the rate outside the peak windows.
    """

    provider_id: str
    provider_name: str
    model_id: str
    model_name: str
    price_in_mtok: float
    price_out_mtok: float
    price_cached_in_mtok: float | None
    """Price of cache reads; None when the catalog gives no cached-input price for this model."""
    price_date: str
    """The catalog's date (see `catalog_date()`): these prices were in force on it and still are today."""
    price_since: str | None = None
    """The date from which these prices apply, when the data records one (a dated price change)."""
    context_window: int | None = None
    description: str | None = None
    deprecated: bool = False
    tiered: bool = False
    tier_threshold_tokens: int | None = None
    """Prompt length (input tokens) above which every token of a request is billed at a higher tier."""
    has_batch: bool = False
    """The catalog has batch prices for this model (see `route_prices`)."""
    time_of_day_pricing: bool = False
    off_peak_in_mtok: float | None = None
    off_peak_out_mtok: float | None = None
    next_change_date: str | None = None
    """The date of the next price change the data already records (e.g. an introductory rate ending)."""
    next_price_in_mtok: float | None = None
    next_price_out_mtok: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(provider_id, model_id), the pair that identifies a model in the catalog."""
        return (self.provider_id, self.model_id)


@dataclass(frozen=True)
class _Catalog:
    date: str
    source: str
    models: tuple[CatalogModel, ...]
    by_key: dict[tuple[str, str], CatalogModel]
    haystacks: tuple[str, ...]
    providers: tuple[tuple[str, str], ...]
    infos: dict[tuple[str, str], ModelInfo]


def _today() -> date:
    # genai-prices resolves dated prices on the UTC date of a request; so does the catalog.
    return datetime.now(UTC).date()


def catalog_date(on: date | None = None) -> str:
    """The date of the price data, "YYYY-MM-DD".

    genai-prices records no release or compilation date for its data (neither in the package metadata
    nor in the data). What it does record is the date of each price change it knows about (standard or
    batch prices), including some announced for the future (an introductory rate that ends, a scheduled
    cut). The catalog's date is the most recent of those change dates that is not after today (UTC): the
    price list in force since that date is the one the catalog shows, and it is still in force today. `on`
    replaces today, to ask what the catalog would show on another day.
    """
    return _catalog(on or _today()).date


def catalog_source() -> str:
    """The package and version the prices come from, e.g. "genai-prices 0.2.3"."""
    return _catalog(_today()).source


def all_models() -> tuple[CatalogModel, ...]:
    """Every model with input and output prices per token, with the prices in force today (UTC).

    Built once per day and cached. Where the data holds a price history, the prices are those in force
    today; prices announced for a later date are reported in `next_change_date` and `next_price_*`.
    Standard prices only: batch, flex and priority variants are not shown.
    """
    return _catalog(_today()).models


def models_on(on: date) -> tuple[CatalogModel, ...]:
    """The catalog as it reads on the date `on` (prices in force on that date)."""
    return _catalog(on).models


def providers() -> tuple[tuple[str, str], ...]:
    """(provider id, provider name) of every provider with at least one model, sorted by name."""
    return _catalog(_today()).providers


def find(provider_id: str, model_id: str) -> CatalogModel | None:
    """The model with these ids (compared without regard to case), or None."""
    return _catalog(_today()).by_key.get((provider_id.strip().lower(), model_id.strip().lower()))


def search(text: str = "", provider: str | None = None, limit: int | None = None) -> list[CatalogModel]:
    """Models whose provider or model id or name contain every word of `text`, without regard to case.

    `provider` keeps one provider (its id or name). An exact model id (or "provider/model") comes first,
    then ids and names that start with the text, then the rest; within each group by provider and name.
    """
    catalog = _catalog(_today())
    query = text.strip().lower()
    tokens = query.split()
    wanted_provider = provider.strip().lower() if provider else None
    ranked: list[tuple[int, str, str, str, CatalogModel]] = []
    for model, haystack in zip(catalog.models, catalog.haystacks, strict=True):
        if wanted_provider is not None and wanted_provider not in (
            model.provider_id.lower(),
            model.provider_name.lower(),
        ):
            continue
        if not all(token in haystack for token in tokens):
            continue
        model_id = model.model_id.lower()
        if query and query in (model_id, f"{model.provider_id}/{model_id}"):
            rank = 0
        elif query and (model_id.startswith(query) or model.model_name.lower().startswith(query)):
            rank = 1
        else:
            rank = 2
        ranked.append((rank, model.provider_name.lower(), model.model_name.lower(), model_id, model))
    ranked.sort(key=lambda item: item[:4])
    found = [item[4] for item in ranked]
    return found if limit is None else found[: max(limit, 0)]


#: Which cache-write price a route pays: Anthropic-style prompt caches are written for 5 minutes or 1 hour.
CACHE_TTLS = {"5m": "cache_write_mtok", "1h": "cache_write_1h_mtok"}


@dataclass(frozen=True)
class RoutePrices:
    """Every price a route copies from one catalog model, as they apply to that route.

    `missing` names the prices the catalog does not have, each replaced as docs/formulas.md 3.3 says:
    cache reads and writes by the input price, reasoning output by the output price.
    """

    price_in_mtok: float
    price_out_mtok: float
    price_cached_in_mtok: float
    price_cache_write_mtok: float
    price_reasoning_mtok: float
    price_per_request: float
    tiers: tuple[dict[str, float | int], ...]
    since: str
    missing: tuple[str, ...]


def prices_of(model: CatalogModel, *, batch: bool = False, cache_ttl: str = "5m",
              on: date | None = None) -> RoutePrices:
    """The prices of `model` for a route: batch or standard, its cache writes' lifetime, on the date `on`
    (today when None), every tier by prompt length. Batch falls back to standard prices for the prices
    the batch variant does not set, as genai-prices does."""
    day = on or _today()
    info = _catalog(_today()).infos[(model.provider_id.lower(), model.model_id.lower())]
    resolved = _resolve(info.prices, day)
    if resolved is None:  # a model listed today with no price on that day: today's prices
        resolved = _resolve(info.prices, _today())
    assert resolved is not None
    chosen, since, _ = resolved
    values = dict(vars(chosen))
    if batch:
        when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        overrides: dict[str, object] = {}
        for variant in info.price_variants or ():
            if _is_batch(variant) and (variant.constraint is None or variant.constraint.active(when)):
                for key, price in vars(variant.prices).items():
                    if price is not None:
                        overrides.setdefault(key, price)
        values.update(overrides)
    write_key = CACHE_TTLS[cache_ttl]
    fields = {"in": values.get("input_mtok"), "out": values.get("output_mtok"),
              "cached": values.get("cache_read_mtok"), "write": values.get(write_key)}
    missing = tuple(name for name, key in (("price_cached_in_mtok", "cache_read_mtok"),
                                           ("price_cache_write_mtok", write_key),
                                           ("price_reasoning_mtok", "output_reasoning_mtok"))
                    if values.get(key) is None)
    from genai_prices.types import TieredPrices

    starts = sorted({tier.start for value in fields.values() if isinstance(value, TieredPrices)
                     for tier in value.tiers})

    def at(value: object, tokens: int | None) -> float | None:
        """The price of one field for a call whose input exceeds `tokens` (None: the base tier)."""
        if isinstance(value, TieredPrices):
            price = value.base
            for tier in value.tiers:
                if tokens is not None and tokens >= tier.start:
                    price = tier.price
            return float(price)
        return float(value) if isinstance(value, Decimal) else None

    def tier(tokens: int | None) -> dict[str, float]:
        price_in = at(fields["in"], tokens)
        assert price_in is not None
        cached, written = at(fields["cached"], tokens), at(fields["write"], tokens)
        return {"price_in_mtok": price_in, "price_out_mtok": at(fields["out"], tokens) or 0.0,
                "price_cached_in_mtok": price_in if cached is None else cached,
                "price_cache_write_mtok": price_in if written is None else written}

    base = tier(None)
    reasoning = values.get("output_reasoning_mtok")
    requests = values.get("requests_kcount")
    return RoutePrices(
        price_in_mtok=base["price_in_mtok"], price_out_mtok=base["price_out_mtok"],
        price_cached_in_mtok=base["price_cached_in_mtok"],
        price_cache_write_mtok=base["price_cache_write_mtok"],
        price_reasoning_mtok=base["price_out_mtok"] if reasoning is None else float(reasoning),
        price_per_request=0.0 if requests is None else float(requests) / 1000,
        tiers=tuple({"above": start, **tier(start)} for start in starts),
        since=since.isoformat() if since is not None else "",
        missing=missing,
    )


def _is_batch(variant: object) -> bool:
    return getattr(variant, "when", None) == {"processing": "batch"}


#: The route fields a catalog model's prices set.
PRICE_FIELDS = ("price_in_mtok", "price_out_mtok", "price_cached_in_mtok", "price_cache_write_mtok",
                "price_reasoning_mtok", "price_per_request")


def route_prices(model: CatalogModel, *, batch: bool = False, cache_ttl: str = "5m",
                 on: date | None = None) -> dict[str, object]:
    """The fields a unit-model route copies from the catalog when the PM picks this model.

    With no cached-input or cache-write price in the catalog, the copied price is the full input price:
    the route cost formula then charges those tokens like any other input token (rather than making
    them free, which 0.0 would). With no reasoning price, reasoning tokens cost the output price.
    """
    prices = prices_of(model, batch=batch, cache_ttl=cache_ttl, on=on)
    return {
        "model": model.model_id,
        "provider": model.provider_id,
        "price_source": "catalog",
        "price_date": model.price_date,
        "price_since": prices.since,
        "batch": batch and model.has_batch,
        "cache_ttl": cache_ttl,
        "tiers": [dict(t) for t in prices.tiers],
        **{name: getattr(prices, name) for name in PRICE_FIELDS},
    }


def price_notes(model: CatalogModel, *, batch: bool = False, cache_ttl: str = "5m",
                on: date | None = None) -> dict[str, str]:
    """Notes for the route's price fields saying where the prices come from and what they leave out."""
    prices = prices_of(model, batch=batch, cache_ttl=cache_ttl, on=on)
    origin = f"Prices from the genai-prices catalog, {model.price_date}"
    if on is not None:
        origin += f", in force on {on.isoformat()}"
    kind = "batch prices" if batch and model.has_batch else "standard prices"
    if prices.tiers:
        basis = (f"{kind}; base rate for prompts up to {_tokens_text(int(prices.tiers[0]['above']))} tokens, "
                 "higher tiers above")
    else:
        basis = kind
    note_in = f"{origin} ({catalog_source()}, {model.provider_id}/{model.model_id}, {basis})."
    if model.time_of_day_pricing:
        note_in += (
            f" Peak rate; off-peak the input price is {_money(model.off_peak_in_mtok)} and the output price"
            f" {_money(model.off_peak_out_mtok)} per million tokens."
        )
    if model.next_change_date is not None:
        note_in += (
            f" From {model.next_change_date} the catalog lists {_money(model.next_price_in_mtok)} input and"
            f" {_money(model.next_price_out_mtok)} output per million tokens."
        )
    ttl = "1-hour" if cache_ttl == "1h" else "5-minute"
    notes = {
        "price_in_mtok": note_in,
        "price_out_mtok": f"{origin}.",
        "price_cached_in_mtok": (
            f"{origin}: no cached-input price, so cached tokens are priced as input (caching saves nothing)."
            if "price_cached_in_mtok" in prices.missing else f"{origin}; cache reads."),
        "price_cache_write_mtok": (
            f"{origin}: no {ttl} cache-write price, so tokens written to the cache are priced as input."
            if "price_cache_write_mtok" in prices.missing else f"{origin}; {ttl} cache writes."),
        "price_reasoning_mtok": (
            f"{origin}: no separate reasoning price, so reasoning tokens are priced as output."
            if "price_reasoning_mtok" in prices.missing else f"{origin}; reasoning output."),
    }
    if prices.price_per_request:
        notes["price_per_request"] = f"{origin}; a fee per request."
    return notes


def _tokens_text(tokens: int) -> str:
    return f"{tokens // 1000:,}k" if tokens % 1000 == 0 else f"{tokens:,}"


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:g}"


@lru_cache(maxsize=4)
def _catalog(on: date) -> _Catalog:
    import genai_prices
    from genai_prices.data import providers as bundled_providers

    day = _latest_change_on_or_before(bundled_providers, on)
    models: list[CatalogModel] = []
    for provider in bundled_providers:
        for info in provider.models:
            model = _catalog_model(provider.id, provider.name, info, on, day)
            if model is not None:
                models.append(model)
    by_key: dict[tuple[str, str], CatalogModel] = {}
    infos: dict[tuple[str, str], ModelInfo] = {}
    for provider in bundled_providers:
        for info in provider.models:
            infos.setdefault((provider.id.lower(), info.id.lower()), info)
    for model in models:
        by_key.setdefault((model.provider_id.lower(), model.model_id.lower()), model)
    names = {model.provider_id: model.provider_name for model in models}
    return _Catalog(
        date=day,
        source=f"genai-prices {genai_prices.__version__}",
        models=tuple(models),
        by_key=by_key,
        haystacks=tuple(_haystack(model) for model in models),
        providers=tuple(sorted(names.items(), key=lambda item: (item[1].lower(), item[0]))),
        infos=infos,
    )


def _haystack(model: CatalogModel) -> str:
    parts = (
        model.provider_id,
        model.provider_name,
        model.model_id,
        model.model_name,
        f"{model.provider_id}/{model.model_id}",
    )
    return "\n".join(parts).lower()


def _latest_change_on_or_before(bundled_providers: Sequence[Provider], on: date) -> str:
    from genai_prices.types import StartDateConstraint

    latest: date | None = None
    for provider in bundled_providers:
        for info in provider.models:
            conditional = info.prices if isinstance(info.prices, list) else []
            constraints = [price.constraint for price in conditional]
            constraints += [variant.constraint for variant in info.price_variants or ()]
            for constraint in constraints:
                if isinstance(constraint, StartDateConstraint) and constraint.start_date <= on:
                    if latest is None or constraint.start_date > latest:
                        latest = constraint.start_date
    # Data with no dated change at all: the prices are undated, and today is the only truthful "as of".
    return (latest or on).isoformat()


def _catalog_model(
    provider_id: str, provider_name: str, info: ModelInfo, on: date, day: str
) -> CatalogModel | None:
    resolved = _resolve(info.prices, on)
    if resolved is None:
        return None
    chosen, since, off_peak = resolved
    now = _rates(chosen)
    if now.input is None or now.output is None:
        return None
    next_date, next_prices = _next_change(info.prices, on)
    later = _rates(next_prices) if next_prices is not None else None
    cheap = _rates(off_peak) if off_peak is not None else None
    return CatalogModel(
        provider_id=provider_id,
        provider_name=provider_name,
        model_id=info.id,
        model_name=info.name or info.id,
        price_in_mtok=now.input,
        price_out_mtok=now.output,
        price_cached_in_mtok=now.cached_input,
        price_date=day,
        price_since=since.isoformat() if since is not None else None,
        context_window=info.context_window,
        description=info.description,
        deprecated=bool(info.deprecated),
        tiered=now.tier_threshold is not None,
        tier_threshold_tokens=now.tier_threshold,
        has_batch=any(_is_batch(variant) for variant in info.price_variants or ()),
        time_of_day_pricing=cheap is not None,
        off_peak_in_mtok=cheap.input if cheap is not None else None,
        off_peak_out_mtok=cheap.output if cheap is not None else None,
        next_change_date=next_date.isoformat() if next_date is not None else None,
        next_price_in_mtok=later.input if later is not None else None,
        next_price_out_mtok=later.output if later is not None else None,
    )


def _resolve(
    prices: ModelPrice | list[ConditionalPrice], on: date
) -> tuple[ModelPrice, date | None, ModelPrice | None] | None:
    """(prices in force on `on`, the date they started, off-peak prices or None) as genai-prices decides.

    genai-prices tries conditional prices last to first and takes the first whose constraint holds
    (falling back to the first entry). Dated entries are decided by `on`. Daily time windows (DeepSeek's
    peak hours) would make the answer depend on the hour, so the catalog quotes the highest windowed
    price that can override the dated price, the peak, and keeps the dated one as the off-peak rate.
    """
    from genai_prices.types import StartDateConstraint, TimeOfDateConstraint

    if not isinstance(prices, list):
        return (prices, None, None)
    if not prices:
        return None
    dated_index = 0
    for index in range(len(prices) - 1, -1, -1):
        constraint = prices[index].constraint
        if constraint is None or (
            isinstance(constraint, StartDateConstraint) and constraint.start_date <= on
        ):
            dated_index = index
            break
    dated = prices[dated_index]
    windowed = [
        entry.prices
        for entry in prices[dated_index + 1 :]
        if isinstance(entry.constraint, TimeOfDateConstraint)
    ]
    if windowed:
        # The data does not date the windowed prices, so no `since` for the peak rate.
        peak = max(windowed, key=_peak_order)
        return (peak, None, dated.prices)
    since = dated.constraint.start_date if isinstance(dated.constraint, StartDateConstraint) else None
    return (dated.prices, since, None)


def _peak_order(prices: ModelPrice) -> tuple[float, float]:
    rates = _rates(prices)
    return (rates.input or 0.0, rates.output or 0.0)


def _next_change(
    prices: ModelPrice | list[ConditionalPrice], on: date
) -> tuple[date | None, ModelPrice | None]:
    from genai_prices.types import StartDateConstraint

    if not isinstance(prices, list):
        return (None, None)
    upcoming = [
        entry.constraint.start_date
        for entry in prices
        if isinstance(entry.constraint, StartDateConstraint) and entry.constraint.start_date > on
    ]
    if not upcoming:
        return (None, None)
    next_date = min(upcoming)
    # Resolved like today's prices, so a windowed model's next price is again its peak price.
    resolved = _resolve(prices, next_date)
    return (next_date, resolved[0] if resolved is not None else None)


class _Rates(NamedTuple):
    input: float | None
    output: float | None
    cached_input: float | None
    tier_threshold: int | None
    """The lowest prompt length at which a higher tier starts, when any of the three prices is tiered."""


def _rates(prices: ModelPrice) -> _Rates:
    """Input, output and cache-read prices in USD per million tokens; the base tier of tiered prices."""
    from genai_prices.types import TieredPrices

    # The package's own price code reads a ModelPrice through its __dict__ too; getattr() would also work,
    # but costs a registry lookup for every absent key.
    values = vars(prices)
    rates: list[float | None] = []
    tier_starts: list[int] = []
    for key in ("input_mtok", "output_mtok", "cache_read_mtok"):
        value = values.get(key)
        if isinstance(value, TieredPrices):
            tier_starts.extend(tier.start for tier in value.tiers)
            value = value.base
        rates.append(float(value) if isinstance(value, Decimal) else None)
    return _Rates(rates[0], rates[1], rates[2], min(tier_starts) if tier_starts else None)
