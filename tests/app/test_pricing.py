"""A catalog model chosen for a route copies its prices into the saved project."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.document import ProjectDocument
from app.pricing import UnknownCatalogModelError, apply_catalog_model
from models import catalog


def test_chosen_prices_travel_with_the_file(sample_file: Path) -> None:
    cheapest = min((m for m in catalog.search("mini") if m.price_cached_in_mtok is not None),
                   key=lambda m: m.price_in_mtok)
    with ProjectDocument.open(sample_file) as doc:
        route_id = doc.to_json()["unit_models"][0]["routes"][0]["id"]
        apply_catalog_model(doc, route_id, cheapest.provider_id, cheapest.model_id)
        doc.save()
    with ProjectDocument.open(sample_file) as doc:
        route = doc.to_json()["unit_models"][0]["routes"][0]
    assert route["model"] == cheapest.model_id and route["provider"] == cheapest.provider_id
    assert route["price_in_mtok"] == cheapest.price_in_mtok
    assert route["price_out_mtok"] == cheapest.price_out_mtok
    assert route["price_cached_in_mtok"] == cheapest.price_cached_in_mtok
    assert route["price_date"] == cheapest.price_date
    assert "genai-prices catalog" in route["notes"]["price_in_mtok"]


def test_unknown_model_is_refused_plainly(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file) as doc, pytest.raises(UnknownCatalogModelError,
                                                                 match="no model"):
        apply_catalog_model(doc, "r", "nobody", "no-such-model")
