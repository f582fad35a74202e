"""The plan as the engine reads it: typed, immutable inputs built from the interchange JSON."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

from models.correlation import Correlation
from models.estimate import Estimate, estimate_from_json
from models.kpis import CheckItem, Gate, Kpi, check_from_json, gate_from_json, kpi_from_json


@dataclass(frozen=True)
class Settings:
    name: str = ""
    currency: str = "USD"
    horizon_years: int = 3
    discount_rate: float = 0.1
    mc_samples: int = 10_000
    mc_seed: int = 42
    budget: float | None = None

    @property
    def months(self) -> int:
        return 12 * self.horizon_years


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str = ""
    kind: str = "score"  # score (1..5), value (raw figure with a unit) or tco (computed)
    unit: str = ""
    higher_is_better: bool = True
    weight: Estimate = Estimate(1.0)


@dataclass(frozen=True)
class Option:
    id: str
    name: str = ""
    kind: str = "build"  # build, partner or buy
    upfront_cost: Estimate = Estimate(0.0)
    annual_cost: Estimate = Estimate(0.0)
    cost_per_task: Estimate = Estimate(0.0)
    launch_months: Estimate = Estimate(0.0)
    scores: dict[str, Estimate] = field(default_factory=dict)  # criterion id -> value


@dataclass(frozen=True)
class Decision:
    id: str
    name: str = ""
    chosen_option_id: str | None = None
    annual_volume: Estimate = Estimate(0.0)
    criteria: tuple[Criterion, ...] = ()
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class PriceTier:
    """Prices that apply to a whole call whose input tokens exceed ``above`` (docs/formulas.md 3.3)."""

    above: int
    price_in_mtok: float
    price_out_mtok: float
    price_cached_in_mtok: float
    price_cache_write_mtok: float


@dataclass(frozen=True)
class Route:
    id: str
    model: str = ""
    provider: str = ""
    #: Where the prices come from: "catalog" (copied, re-priceable) or "manual" (the PM's estimate).
    price_source: str = "manual"
    #: The catalog's date when the prices were copied, and the date they took effect ("" undated).
    price_date: str = ""
    price_since: str = ""
    #: Batch prices were copied (the catalog's batch variant); cache writes priced for "5m" or "1h".
    batch: bool = False
    cache_ttl: str = "5m"
    tiers: tuple[PriceTier, ...] = ()
    share: Estimate = Estimate(1.0)
    price_in_mtok: Estimate = Estimate(0.0)
    price_out_mtok: Estimate = Estimate(0.0)
    price_cached_in_mtok: Estimate = Estimate(0.0)
    input_tokens: Estimate = Estimate(0.0)
    output_tokens: Estimate = Estimate(0.0)
    cached_share: Estimate = Estimate(0.0)
    calls_per_task: Estimate = Estimate(1.0)
    cache_write_share: Estimate = Estimate(0.0)
    price_cache_write_mtok: Estimate = Estimate(0.0)
    reasoning_tokens: Estimate = Estimate(0.0)
    price_reasoning_mtok: Estimate = Estimate(0.0)
    price_per_request: Estimate = Estimate(0.0)


@dataclass(frozen=True)
class UnitModel:
    id: str
    name: str = ""
    revenue_per_task: Estimate = Estimate(0.0)
    retry_rate: Estimate = Estimate(0.0)
    embed_tokens_per_task: Estimate = Estimate(0.0)
    embed_price_mtok: Estimate = Estimate(0.0)
    vector_queries_per_task: Estimate = Estimate(0.0)
    vector_price_per_1k: Estimate = Estimate(0.0)
    tool_cost_per_task: Estimate = Estimate(0.0)
    escalation_rate: Estimate = Estimate(0.0)
    human_cost_per_escalation: Estimate = Estimate(0.0)
    fixed_monthly: Estimate = Estimate(0.0)
    volume_tasks_month: Estimate = Estimate(0.0)
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Opportunity:
    id: str
    name: str = ""
    status: str = "proposed"
    decision_id: str | None = None
    unit_model_id: str | None = None
    eligible_users: Estimate = Estimate(0.0)
    adoption_target: Estimate = Estimate(0.0)
    ramp_months: Estimate = Estimate(0.0)
    tasks_per_user_month: Estimate = Estimate(0.0)
    success_rate: Estimate = Estimate(1.0)
    value_per_success: Estimate = Estimate(0.0)
    launch_month: Estimate = Estimate(0.0)
    build_cost: Estimate = Estimate(0.0)
    run_cost_annual: Estimate = Estimate(0.0)
    cost_per_task: Estimate = Estimate(0.0)
    p_success: Estimate = Estimate(1.0)
    effort_person_months: Estimate = Estimate(0.0)
    impact: Estimate = Estimate(1.0)
    confidence: Estimate = Estimate(1.0)
    #: Its definition of done (docs/formulas.md 3.10): KPI targets, launch checklist, gate.
    kpis: tuple[Kpi, ...] = ()
    checklist: tuple[CheckItem, ...] = ()
    gate: Gate | None = None


@dataclass(frozen=True)
class Plan:
    settings: Settings
    opportunities: tuple[Opportunity, ...] = ()
    decisions: tuple[Decision, ...] = ()
    unit_models: tuple[UnitModel, ...] = ()
    #: Rank correlations between ranged inputs (docs/formulas.md 3.8), in the file's order.
    correlations: tuple[Correlation, ...] = ()

    def decision(self, decision_id: str | None) -> Decision | None:
        return self._decisions.get(decision_id) if decision_id is not None else None

    def unit_model(self, unit_model_id: str | None) -> UnitModel | None:
        return self._unit_models.get(unit_model_id) if unit_model_id is not None else None

    @cached_property
    def _decisions(self) -> dict[str, Decision]:
        return {d.id: d for d in self.decisions}

    @cached_property
    def _unit_models(self) -> dict[str, UnitModel]:
        return {u.id: u for u in self.unit_models}


#: Inputs clamped to [0, 1] after sampling; the other numeric inputs are clamped to >= 0.
FRACTIONS = frozenset({"adoption_target", "success_rate", "p_success", "confidence", "share",
                       "cached_share", "cache_write_share", "escalation_rate"})
#: Inputs rounded to the nearest integer after sampling (docs/formulas.md 2: the whole-number inputs).
INTEGERS = frozenset({"ramp_months", "launch_month", "launch_months"})


@functools.cache
def estimate_defaults(cls: type) -> tuple[tuple[str, Estimate], ...]:
    """The numeric inputs of a plan object type, in field order: each field whose default is an
    Estimate, with that default."""
    return tuple((f.name, f.default) for f in fields(cls) if isinstance(f.default, Estimate))


def estimate_names(cls: type) -> tuple[str, ...]:
    """The names of a plan object type's numeric inputs, in field order."""
    return tuple(name for name, _ in estimate_defaults(cls))


def _estimates(cls: type, obj: dict[str, Any]) -> dict[str, Estimate]:
    out: dict[str, Estimate] = {}
    for name, default in estimate_defaults(cls):
        value: Any = obj.get(name)
        # The common cases, made here as estimate_from_json would make them: a plain number, or
        # nothing (the field's default, a plain number too).
        kind = type(value)
        if kind is float:
            out[name] = Estimate(value)
        elif kind is int:
            out[name] = Estimate(float(value))
        elif value is None and default.dist is None:
            out[name] = default
        else:
            out[name] = estimate_from_json(value, default.base)
    return out


def _text(obj: dict[str, Any], key: str, default: str = "") -> str:
    value = obj.get(key)
    return default if value is None else str(value)


def opportunity_from_json(o: dict[str, Any]) -> Opportunity:
    """The engine's view of one opportunity of the interchange format."""
    return Opportunity(id=o["id"], name=_text(o, "name"), status=o.get("status") or "proposed",
                       decision_id=o.get("decision_id"), unit_model_id=o.get("unit_model_id"),
                       **_estimates(Opportunity, o),
                       kpis=tuple(kpi_from_json(k) for k in o.get("kpis") or ()),
                       checklist=tuple(check_from_json(c) for c in o.get("launch_checklist") or ()),
                       gate=gate_from_json(o.get("gate")))


def plan_from_json(data: dict[str, Any], built: dict[str, Opportunity] | None = None) -> Plan:
    """The engine's view of a project in the interchange format (already schema-valid).

    ``built`` keeps opportunities built before, by id: whoever passes it drops an entry when
    that opportunity changes (an edit reads one opportunity, not all of them again).
    """
    p = data.get("project") or {}
    settings = Settings(
        name=_text(p, "name"),
        currency=p.get("currency") or "USD",
        horizon_years=int(p.get("horizon_years") or 3),
        discount_rate=float(0.1 if p.get("discount_rate") is None else p["discount_rate"]),
        mc_samples=int(p.get("mc_samples") or 10_000),
        mc_seed=int(42 if p.get("mc_seed") is None else p["mc_seed"]),
        budget=None if p.get("budget") is None else float(p["budget"]),
    )
    decisions = tuple(
        Decision(
            id=d["id"], name=_text(d, "name"), chosen_option_id=d.get("chosen_option_id"),
            **_estimates(Decision, d),
            criteria=tuple(
                Criterion(id=c["id"], name=_text(c, "name"), kind=c.get("kind") or "score",
                          unit=_text(c, "unit"),
                          higher_is_better=True if c.get("higher_is_better") is None
                          else bool(c["higher_is_better"]),
                          **_estimates(Criterion, c))
                for c in d.get("criteria") or []
            ),
            options=tuple(
                Option(id=o["id"], name=_text(o, "name"), kind=o.get("kind") or "build",
                       **_estimates(Option, o),
                       scores={k: estimate_from_json(v) for k, v in (o.get("scores") or {}).items()})
                for o in d.get("options") or []
            ),
        )
        for d in data.get("decisions") or []
    )
    unit_models = tuple(
        UnitModel(
            id=u["id"], name=_text(u, "name"), **_estimates(UnitModel, u),
            routes=tuple(route_from_json(r) for r in u.get("routes") or []),
        )
        for u in data.get("unit_models") or []
    )
    if built is None:
        opportunities = tuple(opportunity_from_json(o) for o in data.get("opportunities") or [])
    else:
        opportunities = tuple(built.get(o["id"]) or built.setdefault(o["id"], opportunity_from_json(o))
                              for o in data.get("opportunities") or [])
    correlations = tuple(
        Correlation(_input_key(c["a"]), _input_key(c["b"]), float(c["rho"]), str(c["id"]))
        for c in data.get("correlations") or [])
    return Plan(settings, opportunities, decisions, unit_models, correlations)


def route_from_json(r: dict[str, Any]) -> Route:
    """The engine's view of one route of the interchange format (its tiers in ascending order)."""
    return Route(id=r["id"], model=_text(r, "model"), provider=_text(r, "provider"),
                 price_source=price_source(r), price_date=_text(r, "price_date"),
                 price_since=_text(r, "price_since"), batch=bool(r.get("batch")),
                 cache_ttl=_text(r, "cache_ttl", "5m"),
                 tiers=tuple(sorted((tier_from_json(t) for t in r.get("tiers") or ()),
                                    key=lambda t: t.above)),
                 **_estimates(Route, r))


def price_source(route: dict[str, Any]) -> str:
    """A route's price source; a file written before sources were recorded says it by its provider
    (a provider was only ever set by the catalog)."""
    return str(route.get("price_source") or ("catalog" if route.get("provider") else "manual"))


def tier_from_json(t: dict[str, Any]) -> PriceTier:
    """One price tier of the interchange format; a cache price it lacks is its input price."""
    price_in = float(t["price_in_mtok"])
    cached = t.get("price_cached_in_mtok")
    written = t.get("price_cache_write_mtok")
    return PriceTier(int(t["above"]), price_in, float(t["price_out_mtok"]),
                     price_in if cached is None else float(cached),
                     price_in if written is None else float(written))


def _input_key(ref: dict[str, Any]) -> tuple[str, str, str]:
    """An input as the engine names it: (object kind, object id, field)."""
    return (str(ref["kind"]), str(ref.get("id") or ""), str(ref["field"]))
