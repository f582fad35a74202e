"""A route's prices in words: where they come from (the catalog and its date, or the PM's estimate)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.plan import price_source

#: What a route priced by hand is called wherever its prices are shown.
ESTIMATED = "estimated"


def is_estimated(route: dict[str, Any]) -> bool:
    return price_source(route) != "catalog"


def source_label(route: dict[str, Any]) -> str:
    """"catalog 2026-12-01" (", batch" for batch prices), or "estimated"."""
    if is_estimated(route):
        return ESTIMATED
    return f"catalog {route.get('price_date') or 'undated'}" + (", batch" if route.get("batch") else "")


def age_days(route: dict[str, Any], catalog_date: str) -> int | None:
    """How many days the route's catalog prices are older than the catalog of ``catalog_date``;
    None for an estimate or an undated route."""
    if is_estimated(route):
        return None
    try:
        priced = dt.date.fromisoformat(str(route.get("price_date") or ""))
    except ValueError:
        return None
    return (dt.date.fromisoformat(catalog_date) - priced).days


def source_detail(route: dict[str, Any]) -> str:
    """Every fact of the prices' provenance, a line each."""
    notes = route.get("notes") or {}
    if is_estimated(route):
        lines = ["Estimated: prices typed by hand. Re-pricing never changes them."]
        note = notes.get("price_in_mtok") or notes.get("price_out_mtok")
        lines.append(f"Note: {note}" if note else
                     "Add a note on the input price saying where they come from.")
        return "\n".join(lines)
    lines = [f"Catalog prices of {route.get('provider')}/{route.get('model')}, from the catalog of "
             f"{route.get('price_date') or 'no recorded date'}."]
    if route.get("price_since"):
        lines.append(f"In force since {route['price_since']}.")
    lines.append(("Batch prices." if route.get("batch") else "Standard (not batch) prices.")
                 + (" Cache writes kept 1 hour." if route.get("cache_ttl") == "1h"
                    else " Cache writes kept 5 minutes."))
    for tier in route.get("tiers") or ():
        lines.append(f"Above {int(tier['above']):,} input tokens a call costs ${tier['price_in_mtok']:g} in, "
                     f"${tier['price_out_mtok']:g} out per million tokens.")
    return "\n".join(lines)


def ages_sentence(data: dict[str, Any], catalog_date: str, source: str) -> str:
    """One sentence on the plan's prices: how many are the catalog's and how old, how many are
    estimates. Empty without routes."""
    routes = [r for u in data.get("unit_models") or () for r in u.get("routes") or ()]
    if not routes:
        return ""
    estimated = sum(is_estimated(r) for r in routes)
    ages = [a for r in routes if (a := age_days(r, catalog_date)) is not None]
    parts = []
    if ages:
        oldest = max(ages)
        age = ("as recent as the bundled catalog" if oldest <= 0
               else f"the oldest {oldest} day{'s' if oldest != 1 else ''} older than the bundled catalog")
        parts.append(f"{len(ages)} of {len(routes)} routes use catalog prices, {age} "
                     f"({source}, {catalog_date})")
    undated = len(routes) - estimated - len(ages)
    if undated:
        parts.append(f"{undated} catalog route{'s have' if undated != 1 else ' has'} no recorded price date")
    if estimated:
        parts.append(f"{estimated} route{'s are' if estimated != 1 else ' is'} priced by hand, marked "
                     f"{ESTIMATED}")
    return "Model prices: " + "; ".join(parts) + "."
