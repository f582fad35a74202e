"""Adding, removing and moving opportunities, as granular edits (``app.edits``). Pure data."""

from __future__ import annotations

from typing import Any

from app.edits import Edit, Insert, dependants, move, plain, removal
from app.ids import new_id
from models.schema import Opportunity

#: Typical values of a new opportunity: small, plausible, and positive enough to show results.
TYPICAL: dict[str, float] = {
    "eligible_users": 1000, "adoption_target": 0.3, "ramp_months": 6, "tasks_per_user_month": 20,
    "success_rate": 0.7, "value_per_success": 2, "launch_month": 3, "build_cost": 100000,
    "run_cost_annual": 20000, "cost_per_task": 0.02, "p_success": 0.8, "effort_person_months": 6,
    "impact": 1, "confidence": 0.5,
}


def new_opportunity(object_id: str, name: str = "New opportunity") -> dict[str, Any]:
    """A new opportunity with typical values, keys in the order an export writes them."""
    return {"id": object_id, "name": name, "description": "", "status": "proposed", "decision_id": None,
            "unit_model_id": None,
            **{field: TYPICAL.get(field, plain(default)) for field, default in Opportunity.ESTIMATES.items()},
            "notes": {}, "kpis": [], "launch_checklist": [], "gate": None}


def add_opportunity(data: dict[str, Any], index: int | None = None) -> tuple[list[Edit], str]:
    """A new opportunity at ``index`` (default: last), and its id."""
    object_id = new_id(data, "opp-new")
    at = len(data["opportunities"]) if index is None else index
    return [Insert("opportunity", None, at, new_opportunity(object_id))], object_id


def remove_opportunity(data: dict[str, Any], object_id: str) -> list[Edit]:
    """Its scenario overrides and correlations go with it; nothing else links to an opportunity."""
    return [*dependants(data, "opportunity", object_id), removal(data, "opportunity", object_id)]


def move_opportunity(data: dict[str, Any], object_id: str, new_index: int) -> list[Edit]:
    return move(data, "opportunity", object_id, new_index)
