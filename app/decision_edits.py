"""Structural changes to a build / partner / buy decision, each given as the whole project after
it (what the window's undoable ``change_project`` takes). Pure data: no Qt."""

from __future__ import annotations

import copy
from typing import Any

from app.ids import new_id
from models.estimate import estimate_from_json

OPTION_KINDS = {"build": "Build", "partner": "Partner", "buy": "Buy"}
#: The score a new criterion gives every option: the middle of 1..5, so nobody gains.
NEUTRAL_SCORE = 3


def _find(data: dict[str, Any], decision_id: str) -> dict[str, Any]:
    return next(d for d in data["decisions"] if d["id"] == decision_id)


def linked_opportunities(data: dict[str, Any], decision_id: str) -> list[dict[str, Any]]:
    return [o for o in data["opportunities"] if o.get("decision_id") == decision_id]


def with_new_decision(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A ready-to-score decision: build, partner and buy on quality and TCO, nothing linked yet."""
    after = copy.deepcopy(data)
    decision_id = new_id(after, "dec")
    quality = new_id(after, "crit", {decision_id})
    cost = new_id(after, "crit", {decision_id, quality})
    taken = {decision_id, quality, cost}
    options = []
    for kind, name in OPTION_KINDS.items():
        option_id = new_id(after, "opt", taken)
        taken.add(option_id)
        options.append({"id": option_id, "name": name, "kind": kind, "upfront_cost": 0,
                        "annual_cost": 0, "cost_per_task": 0, "launch_months": 0,
                        "scores": {quality: NEUTRAL_SCORE}, "notes": {}})
    currency = after["project"].get("currency") or "USD"
    after["decisions"].append({
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
    })
    return after, decision_id


def without_decision(data: dict[str, Any], decision_id: str) -> dict[str, Any]:
    """The project without the decision; opportunities that linked it keep their own inputs."""
    after = copy.deepcopy(data)
    after["decisions"] = [d for d in after["decisions"] if d["id"] != decision_id]
    for o in linked_opportunities(after, decision_id):
        o["decision_id"] = None
    return after


def with_new_criterion(data: dict[str, Any], decision_id: str) -> tuple[dict[str, Any], str]:
    """A score criterion with weight 0 and a neutral score everywhere: no result moves yet."""
    after = copy.deepcopy(data)
    decision = _find(after, decision_id)
    criterion_id = new_id(after, "crit")
    decision["criteria"].append({"id": criterion_id, "name": "New criterion", "kind": "score",
                                 "unit": "", "higher_is_better": True, "weight": 0, "notes": {}})
    for option in decision["options"]:
        option.setdefault("scores", {})[criterion_id] = NEUTRAL_SCORE
    return after, criterion_id


def without_criterion(data: dict[str, Any], decision_id: str, criterion_id: str) -> dict[str, Any]:
    after = copy.deepcopy(data)
    decision = _find(after, decision_id)
    decision["criteria"] = [c for c in decision["criteria"] if c["id"] != criterion_id]
    for option in decision["options"]:
        (option.get("scores") or {}).pop(criterion_id, None)
        (option.get("notes") or {}).pop(f"scores.{criterion_id}", None)
    return after


def with_new_option(data: dict[str, Any], decision_id: str, template_id: str | None
                    ) -> tuple[dict[str, Any], str]:
    """A copy of the template option (else the last): it ties with it, and ties go to the
    option entered first, so nothing moves until the PM changes the copy."""
    after = copy.deepcopy(data)
    decision = _find(after, decision_id)
    options = decision["options"]
    template = next((o for o in options if o["id"] == template_id), options[-1] if options else None)
    option_id = new_id(after, "opt")
    if template is None:
        option: dict[str, Any] = {"kind": "build", "upfront_cost": 0, "annual_cost": 0,
                                  "cost_per_task": 0, "launch_months": 0, "scores": {}}
        for c in decision["criteria"]:
            if (c.get("kind") or "score") != "tco":
                option["scores"][c["id"]] = NEUTRAL_SCORE if (c.get("kind") or "score") == "score" else 0
    else:
        option = copy.deepcopy(template)
        option["notes"] = {}  # a copied source note would claim evidence the new option lacks
    option["id"] = option_id
    option["name"] = "New option"
    options.append(option)
    return after, option_id


def without_option(data: dict[str, Any], decision_id: str, option_id: str) -> dict[str, Any]:
    after = copy.deepcopy(data)
    decision = _find(after, decision_id)
    decision["options"] = [o for o in decision["options"] if o["id"] != option_id]
    if decision.get("chosen_option_id") == option_id:
        decision["chosen_option_id"] = None
    return after


def with_criterion_kind(data: dict[str, Any], decision_id: str, criterion_id: str,
                        kind: str) -> dict[str, Any]:
    """The criterion as another kind, its values made to fit: a TCO criterion takes none, a
    score must lie in 1..5, and values that did not exist start equal (so they favour nobody)."""
    after = copy.deepcopy(data)
    decision = _find(after, decision_id)
    criterion = next(c for c in decision["criteria"] if c["id"] == criterion_id)
    criterion["kind"] = kind
    if kind == "tco":
        criterion["higher_is_better"] = False
        criterion["unit"] = after["project"].get("currency") or "USD"
    for option in decision["options"]:
        scores = option.setdefault("scores", {})
        if kind == "tco":
            scores.pop(criterion_id, None)
            (option.get("notes") or {}).pop(f"scores.{criterion_id}", None)
        elif kind == "score":
            value = scores.get(criterion_id)
            est = None if value is None else estimate_from_json(value, 0.0)
            if est is None or any(not 1 <= v <= 5 for v in (est.base, est.low, est.high) if v is not None):
                scores[criterion_id] = NEUTRAL_SCORE
        elif criterion_id not in scores:
            scores[criterion_id] = 0
    return after
