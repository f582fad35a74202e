"""Adding and removing unit models and their routes, as granular edits (``app.edits``). Pure data."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from app.edits import Edit, Insert, changes, dependants, find, move, plain, removal, unlinks
from app.ids import new_id
from models import catalog
from models.estimate import estimate_from_json
from models.schema import Route, UnitModel


def new_unit_model(object_id: str, name: str) -> dict[str, Any]:
    """An empty unit model (every cost 0, no routes), keys in the order an export writes them."""
    return {"id": object_id, "name": name, "description": "",
            **{field: plain(default) for field, default in UnitModel.ESTIMATES.items()},
            "routes": [], "notes": {}}


def add_unit_model(data: dict[str, Any]) -> tuple[list[Edit], str]:
    """A new unit model, last, named ``New unit model`` (``… 2``, ``… 3`` when taken)."""
    names = {u.get("name") for u in data["unit_models"]}
    name, n = "New unit model", 2
    while name in names:
        name, n = f"New unit model {n}", n + 1
    object_id = new_id(data, "um")
    return [Insert("unit_model", None, len(data["unit_models"]), new_unit_model(object_id, name))], object_id


def remove_unit_model(data: dict[str, Any], unit_id: str) -> list[Edit]:
    """The unit model with its routes; the opportunities that used it are unlinked in the same
    step (a link to a missing unit model would make the plan invalid)."""
    return [*dependants(data, "unit_model", unit_id), *unlinks(data, "opportunity", "unit_model_id", unit_id),
            removal(data, "unit_model", unit_id)]


def move_unit_model(data: dict[str, Any], unit_id: str, new_index: int) -> list[Edit]:
    return move(data, "unit_model", unit_id, new_index)


def new_route(data: dict[str, Any], unit_id: str, object_id: str) -> dict[str, Any]:
    """A custom route taking the share of tasks the unit model's other routes leave."""
    unit = find(data, "unit_model", unit_id)
    taken = sum(estimate_from_json(r.get("share"), 1.0).base for r in unit.get("routes") or [])
    route: dict[str, Any] = {"id": object_id, "model": "", "provider": "", "price_source": "manual",
                             "price_date": "", "price_since": "", "batch": False, "cache_ttl": "5m",
                             "tiers": [],
                             **{field: plain(default) for field, default in Route.ESTIMATES.items()},
                             "notes": {}}
    route["share"] = plain(round(max(0.0, 1.0 - taken), 9))
    route["calls_per_task"] = 1
    return route


def add_route(data: dict[str, Any], unit_id: str,
              model: catalog.CatalogModel | None = None) -> tuple[list[Edit], str]:
    """A route, last in the unit model: custom, or priced from the catalog model."""
    object_id = new_id(data, "route")
    route = new_route(data, unit_id, object_id)
    if model is not None:
        route = with_catalog_prices(route, model, price_day(data))
    index = len(find(data, "unit_model", unit_id).get("routes") or [])
    return [Insert("route", unit_id, index, route)], object_id


def remove_route(data: dict[str, Any], unit_id: str, route_id: str) -> list[Edit]:
    return [*dependants(data, "route", route_id), removal(data, "route", route_id, unit_id)]


def move_route(data: dict[str, Any], unit_id: str, route_id: str, new_index: int) -> list[Edit]:
    return move(data, "route", route_id, new_index, unit_id)


def price_day(data: dict[str, Any]) -> date | None:
    """The plan's price date: catalog prices are those in force on it (None: today's)."""
    text = str((data.get("project") or {}).get("price_date") or "")
    return date.fromisoformat(text) if text else None


def with_catalog_prices(route: dict[str, Any], model: catalog.CatalogModel,
                        on: date | None = None) -> dict[str, Any]:
    """The route priced from a catalog model as the route is billed (batch or not, its cache writes'
    lifetime) on the date ``on``, the source of each price in its notes (the same copy the catalog
    picker makes)."""
    after = copy.deepcopy(route)
    batch, cache_ttl = bool(route.get("batch")), str(route.get("cache_ttl") or "5m")
    after.update({key: plain(value) if isinstance(value, float) else value for key, value in
                  catalog.route_prices(model, batch=batch, cache_ttl=cache_ttl, on=on).items()})
    after["tiers"] = [{k: plain(v) for k, v in tier.items()} for tier in after["tiers"]]
    notes = {k: v for k, v in (after.get("notes") or {}).items() if k not in catalog.PRICE_FIELDS}
    notes.update(catalog.price_notes(model, batch=batch, cache_ttl=cache_ttl, on=on))
    after["notes"] = notes
    return after


def use_catalog_model(data: dict[str, Any], route_id: str, model: catalog.CatalogModel) -> list[Edit]:
    """The route's prices (and their notes) set from the catalog model, field by field."""
    route = find(data, "route", route_id)
    return changes("route", route_id, route, with_catalog_prices(route, model, price_day(data)))


def set_billing(data: dict[str, Any], route_id: str, **terms: Any) -> list[Edit]:
    """The route billed another way (``batch``, ``cache_ttl``): a catalog-priced route takes the
    catalog's prices for it in the same step; a route priced by hand keeps its prices."""
    route = find(data, "route", route_id)
    after = {**route, **terms}
    model = catalog.find(str(route.get("provider") or ""), str(route.get("model") or ""))
    if route.get("price_source") == "catalog" and model is not None:
        after = with_catalog_prices(after, model, price_day(data))
    return changes("route", route_id, route, after)
