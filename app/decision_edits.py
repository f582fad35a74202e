"""Structural changes to a build / partner / buy decision, as granular edits (``app.edits``):
each touches only the decision's own objects, and the opportunities or options that point at
what it removes. Pure data: no Qt. The ``with_*`` / ``without_*`` forms give the whole project
after the change, for callers that want that."""

from __future__ import annotations

import copy
from typing import Any

from app.edits import Edit, Insert, Remove, SetField, changes, dependants, find, removal, unlinks
from app.ids import all_ids, new_id
from models.estimate import estimate_from_json

OPTION_KINDS = {"build": "Build", "partner": "Partner", "buy": "Buy"}
#: The score a new criterion gives every option: the middle of 1..5, so nobody gains.
NEUTRAL_SCORE = 3


def _find(data: dict[str, Any], decision_id: str) -> dict[str, Any]:
    return find(data, "decision", decision_id)


def linked_opportunities(data: dict[str, Any], decision_id: str) -> list[dict[str, Any]]:
    return [o for o in data["opportunities"] if o.get("decision_id") == decision_id]


def new_decision(data: dict[str, Any]) -> dict[str, Any]:
    """A ready-to-score decision: build, partner and buy on quality and TCO, nothing linked yet."""
    taken = set(all_ids(data))

    def fresh(prefix: str) -> str:
        object_id = new_id({}, prefix, taken)
        taken.add(object_id)
        return object_id

    decision_id, quality, cost = fresh("dec"), fresh("crit"), fresh("crit")
    options = [{"id": fresh("opt"), "name": name, "kind": kind, "upfront_cost": 0, "annual_cost": 0,
                "cost_per_task": 0, "launch_months": 0, "scores": {quality: NEUTRAL_SCORE}, "notes": {}}
               for kind, name in OPTION_KINDS.items()]
    currency = data["project"].get("currency") or "USD"
    return {
        "id": decision_id, "name": "New decision", "description": "", "chosen_option_id": None,
        "annual_volume": 0,
        "criteria": [
            {"id": quality, "name": "Quality", "kind": "score", "unit": "", "higher_is_better": True,
             "weight": 50, "notes": {}},
            {"id": cost, "name": "Total cost of ownership", "kind": "tco", "unit": currency,
             "higher_is_better": False, "weight": 50, "notes": {}},
        ],
        "options": options,
        "notes": {},
    }


def add_decision(data: dict[str, Any]) -> tuple[list[Edit], str]:
    decision = new_decision(data)
    return [Insert("decision", None, len(data["decisions"]), decision)], decision["id"]


def remove_decision(data: dict[str, Any], decision_id: str) -> list[Edit]:
    """The decision; opportunities that linked it are unlinked in the same step and keep their
    own inputs."""
    return [*dependants(data, "decision", decision_id),
            *unlinks(data, "opportunity", "decision_id", decision_id), removal(data, "decision", decision_id)]


def add_criterion(data: dict[str, Any], decision_id: str) -> tuple[list[Edit], str]:
    """A score criterion with weight 0 and a neutral score everywhere: no result moves yet."""
    decision = _find(data, decision_id)
    criterion_id = new_id(data, "crit")
    criterion = {"id": criterion_id, "name": "New criterion", "kind": "score", "unit": "",
                 "higher_is_better": True, "weight": 0, "notes": {}}
    return [Insert("criterion", decision_id, len(decision["criteria"]), criterion),
            *(SetField("option", o["id"], f"scores.{criterion_id}", None, NEUTRAL_SCORE)
              for o in decision["options"])], criterion_id


def _option_replaced(decision_id: str, index: int, before: dict[str, Any],
                     after: dict[str, Any]) -> list[Edit]:
    """An option given back as a whole (its scores keep their order through undo)."""
    return [Remove("option", decision_id, index, copy.deepcopy(before)),
            Insert("option", decision_id, index, after)]


def remove_criterion(data: dict[str, Any], decision_id: str, criterion_id: str) -> list[Edit]:
    """The criterion, and each option's value and note for it."""
    decision = _find(data, decision_id)
    edits: list[Edit] = []
    for index, option in enumerate(decision["options"]):
        after = copy.deepcopy(option)
        after.setdefault("scores", {}).pop(criterion_id, None)
        (after.get("notes") or {}).pop(f"scores.{criterion_id}", None)
        if after != option:
            edits += _option_replaced(decision_id, index, option, after)
    return [*dependants(data, "criterion", criterion_id), *edits,
            removal(data, "criterion", criterion_id, decision_id)]


def set_criterion_kind(data: dict[str, Any], decision_id: str, criterion_id: str,
                       kind: str) -> list[Edit]:
    """The criterion as another kind, its values made to fit: a TCO criterion takes none, a
    score must lie in 1..5, and values that did not exist start equal (so they favour nobody)."""
    decision = _find(data, decision_id)
    criterion = find(data, "criterion", criterion_id)
    changed = dict(criterion, kind=kind)
    if kind == "tco":
        changed.update(higher_is_better=False, unit=data["project"].get("currency") or "USD")
    edits = changes("criterion", criterion_id, criterion, changed)
    for index, option in enumerate(decision["options"]):
        after = copy.deepcopy(option)
        scores = after.setdefault("scores", {})
        if kind == "tco":
            scores.pop(criterion_id, None)
            (after.get("notes") or {}).pop(f"scores.{criterion_id}", None)
        elif kind == "score":
            value = scores.get(criterion_id)
            est = None if value is None else estimate_from_json(value, 0.0)
            if est is None or any(not 1 <= v <= 5 for v in (est.base, est.low, est.high) if v is not None):
                scores[criterion_id] = NEUTRAL_SCORE
        elif criterion_id not in scores:
            scores[criterion_id] = 0
        if after != option:
            edits += _option_replaced(decision_id, index, option, after)
    return edits


def add_option(data: dict[str, Any], decision_id: str, template_id: str | None) -> tuple[list[Edit], str]:
    """A copy of the template option (else the last): it ties with it, and ties go to the
    option entered first, so nothing moves until the PM changes the copy."""
    decision = _find(data, decision_id)
    options = decision["options"]
    template = next((o for o in options if o["id"] == template_id), options[-1] if options else None)
    option_id = new_id(data, "opt")
    if template is None:
        scores = {c["id"]: NEUTRAL_SCORE if (c.get("kind") or "score") == "score" else 0
                  for c in decision["criteria"] if (c.get("kind") or "score") != "tco"}
        option: dict[str, Any] = {"id": option_id, "name": "New option", "kind": "build", "upfront_cost": 0,
                                  "annual_cost": 0, "cost_per_task": 0, "launch_months": 0,
                                  "scores": scores, "notes": {}}
    else:
        option = copy.deepcopy(template)
        option.update(id=option_id, name="New option")
        option["notes"] = {}  # a copied source note would claim evidence the new option lacks
    return [Insert("option", decision_id, len(options), option)], option_id


def remove_option(data: dict[str, Any], decision_id: str, option_id: str) -> list[Edit]:
    """The option; a decision that had chosen it goes back to its best score."""
    decision = _find(data, decision_id)
    edits: list[Edit] = []
    if decision.get("chosen_option_id") == option_id:
        edits.append(SetField("decision", decision_id, "chosen_option_id", option_id, None))
    return [*dependants(data, "option", option_id), *edits, removal(data, "option", option_id, decision_id)]
