"""Re-pricing a plan against the bundled catalog (``aiplan reprice``): each catalog-priced route's
old and new prices and what they would change, before anything moves; manual prices are never
touched, and a model the catalog no longer has is listed, not dropped."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from app.edits import Edit, apply, changes
from app.price_words import age_days, is_estimated
from app.unit_model_edits import price_day, with_catalog_prices
from models import catalog
from models.catalog import PRICE_FIELDS
from models.engine import PlanResults, calculate
from models.estimate import estimate_from_json
from models.plan import plan_from_json

#: How the prices are named to a PM, in the order they are listed.
PRICE_LABELS = dict(zip(PRICE_FIELDS, ("input", "output", "cached input", "cache writes", "reasoning",
                                       "per request"), strict=True))


@dataclass(frozen=True)
class RouteReprice:
    """One catalog-priced route: its prices now, and the catalog's (None: no longer listed)."""

    unit_model_id: str
    unit_model: str
    route_id: str
    provider: str
    model: str
    price_date: str
    old: dict[str, float]
    new: dict[str, float] | None
    old_tiers: list[dict[str, Any]] = field(default_factory=list)
    new_tiers: list[dict[str, Any]] | None = None
    batch: bool = False

    @property
    def changed(self) -> bool:
        return self.new is not None and (any(self.old[f] != self.new[f] for f in PRICE_FIELDS)
                                         or self.old_tiers != self.new_tiers)


@dataclass(frozen=True)
class Effect:
    """One result a re-price would move: a unit model's cost per task or margin, or an
    opportunity's NPV or eNPV."""

    kind: str
    object_id: str
    name: str
    measure: str
    old: float | None
    new: float | None


@dataclass
class Reprice:
    catalog_date: str
    catalog_source: str
    routes: list[RouteReprice] = field(default_factory=list)
    manual: int = 0  # routes whose prices the PM typed: never re-priced
    edits: list[Edit] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)

    @property
    def changed(self) -> list[RouteReprice]:
        return [r for r in self.routes if r.changed]

    @property
    def vanished(self) -> list[RouteReprice]:
        return [r for r in self.routes if r.new is None]


def _base(value: Any) -> float:
    return float(estimate_from_json(value, 0.0).base)


def reprice(data: dict[str, Any]) -> Reprice:
    """What re-pricing ``data`` against the bundled catalog would change (``data`` is not touched)."""
    out = Reprice(catalog.catalog_date(), catalog.catalog_source())
    day = price_day(data)
    for u in data.get("unit_models") or []:
        for r in u.get("routes") or []:
            if is_estimated(r):
                out.manual += 1
                continue
            model = catalog.find(str(r.get("provider") or ""), str(r.get("model") or ""))
            old = {f: _base(r.get(f)) for f in PRICE_FIELDS}
            new, new_tiers, after = None, None, None
            if model is not None:
                after = with_catalog_prices(r, model, day)
                new = {f: _base(after.get(f)) for f in PRICE_FIELDS}
                new_tiers = list(after.get("tiers") or [])
            item = RouteReprice(u["id"], u.get("name") or u["id"], r["id"], str(r.get("provider") or ""),
                                str(r.get("model") or ""), str(r.get("price_date") or ""), old, new,
                                list(r.get("tiers") or []), new_tiers, bool(r.get("batch")))
            out.routes.append(item)
            if item.changed and after is not None:
                out.edits += changes("route", r["id"], r, after)
    if out.edits:
        after = copy.deepcopy(data)
        for edit in out.edits:
            apply(after, edit)
        out.effects = effects(_results(data), _results(after))
    return out


def _results(data: dict[str, Any]) -> PlanResults:
    return calculate(plan_from_json(data), monte_carlo=False, with_tornado=False)


def effects(before: PlanResults, after: PlanResults) -> list[Effect]:
    """The unit costs and margins, and the opportunities' NPV and eNPV, that differ."""
    out: list[Effect] = []
    units = {u.id: u for u in after.unit_models}
    for u in before.unit_models:
        for measure in ("loaded_cost_per_task", "gross_margin"):
            a, b = u.costs.get(measure), units[u.id].costs.get(measure)
            if a != b:
                out.append(Effect("unit_model", u.id, u.name, measure, a, b))
    opportunities = {o.id: o for o in after.opportunities}
    for o in before.opportunities:
        for measure in ("npv", "enpv"):
            a, b = getattr(o, measure), getattr(opportunities[o.id], measure)
            if a != b:
                out.append(Effect("opportunity", o.id, o.name, measure, a, b))
    return out


def as_json(result: Reprice) -> dict[str, Any]:
    return {
        "catalog_date": result.catalog_date,
        "catalog_source": result.catalog_source,
        "manual_routes": result.manual,
        "routes": [{"unit_model_id": r.unit_model_id, "route_id": r.route_id, "provider": r.provider,
                    "model": r.model, "price_date": r.price_date, "batch": r.batch, "old": r.old,
                    "new": r.new, "old_tiers": r.old_tiers, "new_tiers": r.new_tiers,
                    "changed": r.changed, "in_catalog": r.new is not None} for r in result.routes],
        "effects": [{"kind": e.kind, "id": e.object_id, "measure": e.measure, "old": e.old, "new": e.new}
                    for e in result.effects],
    }


def price_text(field_name: str, value: float) -> str:
    """A price as the catalog states it: per million tokens, or per request."""
    return f"${value:g}" + ("/request" if field_name == "price_per_request" else "/M")


def as_text(result: Reprice, currency: str) -> str:
    """The re-price in a few lines a PM reads before deciding."""
    from app.formatting import money, percent

    lines = [f"Catalog prices of {result.catalog_date} ({result.catalog_source})."]
    for r in result.changed:
        assert r.new is not None
        parts = [f"{PRICE_LABELS[f]} {price_text(f, r.old[f])} → {price_text(f, r.new[f])}"
                 for f in PRICE_FIELDS if r.old[f] != r.new[f]]
        if r.old_tiers != r.new_tiers:
            parts.append("prices above a prompt length changed")
        lines.append(f"  {r.unit_model} · {r.provider}/{r.model} (priced {r.price_date or 'on no date'}): "
                     f"{', '.join(parts)}")
    for r in result.vanished:
        lines.append(f"  {r.unit_model} · {r.provider}/{r.model}: no longer in the catalog; its prices "
                     "stay as they are")
    if not result.changed:
        lines.append("  Every catalog-priced route already has the catalog's prices: nothing to re-price.")
    if result.manual:
        lines.append(f"  {result.manual} route{'s' if result.manual > 1 else ''} priced by hand "
                     f"{'are' if result.manual > 1 else 'is'} never re-priced.")
    if result.effects:
        lines.append("What re-pricing would change (base values):")
        for e in result.effects:
            if e.measure == "gross_margin":
                words = f"{percent(e.old, 1)} → {percent(e.new, 1)}"
            elif e.measure == "loaded_cost_per_task":
                words = f"{money(e.old, currency, cents=True)} → {money(e.new, currency, cents=True)}"
            else:
                words = f"{money(e.old, currency)} → {money(e.new, currency)}"
            label = {"loaded_cost_per_task": "cost per task", "gross_margin": "gross margin",
                     "npv": "NPV", "enpv": "eNPV"}[e.measure]
            lines.append(f"  {e.name}: {label} {words}")
    return "\n".join(lines) + "\n"


#: Catalog prices older than this, next to the bundled catalog, are worth checking.
STALE_DAYS = 90


def stale_routes(data: dict[str, Any], days: int = STALE_DAYS) -> int:
    """How many catalog-priced routes were priced more than ``days`` before the bundled catalog's
    date (a route without a date counts: nobody knows how old its prices are)."""
    newest = catalog.catalog_date()
    ages = [age_days(r, newest) for u in data.get("unit_models") or [] for r in u.get("routes") or []
            if not is_estimated(r)]
    return sum(age is None or age > days for age in ages)
