"""Scenarios and correlations as granular edits (``app.edits``): add, duplicate, remove,
override one input, reset it to the base, correlate two inputs. Pure data."""

from __future__ import annotations

import copy
from typing import Any

from app.edits import (
    Edit,
    Insert,
    SetField,
    find,
    index_of,
    override_field,
    override_key,
    removal,
    value_of,
)
from app.ids import new_id
from models.scenarios import BASE_NAME

Json = dict[str, Any]
#: An input as the engine and the file name it: (object kind, object id, field).
Input = tuple[str, str, str]


def unused_name(data: Json, wanted: str) -> str:
    """``wanted``, or ``wanted 2``, ``wanted 3``… if the base or a scenario already has it."""
    taken = {BASE_NAME.casefold()} | {s["name"].strip().casefold() for s in data.get("scenarios") or []}
    name, n = wanted, 1
    while name.strip().casefold() in taken:
        n += 1
        name = f"{wanted} {n}"
    return name


def add_scenario(data: Json, name: str = "New scenario") -> tuple[list[Edit], str]:
    """An empty scenario (it follows the base everywhere), last, and its id."""
    object_id = new_id(data, "scn")
    scenario: Json = {"id": object_id, "name": unused_name(data, name), "description": "",
                      "probability": None, "overrides": []}
    return [Insert("scenario", None, len(data.get("scenarios") or []), scenario)], object_id


def duplicate_scenario(data: Json, scenario_id: str) -> tuple[list[Edit], str]:
    """A copy of a scenario with every override, just after it, and the copy's id."""
    scenarios = data.get("scenarios") or []
    index = index_of(scenarios, scenario_id)
    copied = copy.deepcopy(scenarios[index])
    copied["id"] = new_id(data, "scn")
    copied["name"] = unused_name(data, f"{copied['name']} (copy)")
    return [Insert("scenario", None, index + 1, copied)], copied["id"]


def remove_scenario(data: Json, scenario_id: str) -> list[Edit]:
    return [removal(data, "scenario", scenario_id)]


def scenario(data: Json, scenario_id: str) -> Json:
    return find(data, "scenario", scenario_id)


def override(data: Json, scenario_id: str, target: Input) -> Any:
    """The scenario's value for an input, or None where it follows the base."""
    return value_of(scenario(data, scenario_id), override_field(*target))


def set_override(data: Json, scenario_id: str, target: Input, value: Any) -> list[Edit]:
    """The scenario's value for one input (None: follow the base again); nothing if unchanged."""
    old = override(data, scenario_id, target)
    if old == value:
        return []
    return [SetField("scenario", scenario_id, override_field(*target), copy.deepcopy(old),
                     copy.deepcopy(value))]


def reset_scenario(data: Json, scenario_id: str) -> list[Edit]:
    """Every override of a scenario dropped: it follows the base everywhere."""
    s = scenario(data, scenario_id)
    return [SetField("scenario", scenario_id, override_field(*override_key(o)),
                     copy.deepcopy(o["value"]), None) for o in s.get("overrides") or []]


def add_correlation(data: Json, a: Input, b: Input, rho: float, note: str = "") -> tuple[list[Edit], str]:
    """A rank correlation between two inputs, last, and its id."""
    object_id = new_id(data, "cor")
    correlation = {"id": object_id, "a": dict(zip(("kind", "id", "field"), a, strict=True)),
                   "b": dict(zip(("kind", "id", "field"), b, strict=True)), "rho": rho, "note": note}
    return [Insert("correlation", None, len(data.get("correlations") or []), correlation)], object_id


def remove_correlation(data: Json, correlation_id: str) -> list[Edit]:
    return [removal(data, "correlation", correlation_id)]
