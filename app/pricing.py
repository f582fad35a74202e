"""Copying a catalog model's prices into a route, so a shared plan keeps the prices it used."""

from __future__ import annotations

from app.document import ProjectDocument
from models import catalog
from models.estimate import Estimate
from models.schema import Route

PRICE_FIELDS = ("price_in_mtok", "price_out_mtok", "price_cached_in_mtok")


class UnknownCatalogModelError(LookupError):
    def __init__(self, provider_id: str, model_id: str) -> None:
        super().__init__(f"The price catalog has no model “{model_id}” from “{provider_id}”. "
                         "Search the catalog, or enter custom prices.")


def apply_catalog_model(doc: ProjectDocument, route_id: str, provider_id: str,
                        model_id: str) -> catalog.CatalogModel:
    """Set the route's model and copy the catalog's prices (and their source) into the project."""
    model = catalog.find(provider_id, model_id)
    if model is None:
        raise UnknownCatalogModelError(provider_id, model_id)
    fields = catalog.route_prices(model)
    notes = catalog.price_notes(model)
    with doc.edit() as session:
        route = session.get(Route, route_id)
        if route is None:
            raise LookupError(f"There is no route “{route_id}” in this project.")
        route.model = str(fields["model"])
        route.provider = str(fields["provider"])
        route.price_date = str(fields["price_date"])
        for name in PRICE_FIELDS:
            setattr(route, name, Estimate(float(fields[name])))  # type: ignore[arg-type]
            route.set_note(name, notes.get(name, ""))
    return model
