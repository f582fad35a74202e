"""Structural edits of a decision: each gives a valid project, and a new criterion moves nothing."""

from __future__ import annotations

import copy
from typing import Any

from app import decision_edits as edits
from app import interchange
from app.ids import all_ids
from models.engine import calculate
from models.plan import plan_from_json


def _scores(data: dict[str, Any]) -> list[dict[str, float]]:
    return [r.scores for r in calculate(plan_from_json(data)).decisions]


def test_every_edit_leaves_a_valid_project_with_unique_ids(sample: dict[str, Any]) -> None:
    before = copy.deepcopy(sample)
    decision = sample["decisions"][0]
    after, new_decision = edits.with_new_decision(sample)
    after, criterion = edits.with_new_criterion(after, decision["id"])
    after, option = edits.with_new_option(after, decision["id"], decision["options"][0]["id"])
    after = edits.with_criterion_kind(after, decision["id"], criterion, "value")
    for data in (after, edits.without_option(after, decision["id"], option),
                 edits.without_criterion(after, decision["id"], criterion),
                 edits.without_decision(after, new_decision)):
        interchange.validate(data)
        ids = list(all_ids(data))
        assert len(ids) == len(set(ids))
    assert sample == before  # each edit returns a new project; its input is never changed


def test_a_new_criterion_moves_no_score_and_removing_the_chosen_option_clears_it(
        sample: dict[str, Any]) -> None:
    decision = sample["decisions"][0]
    after, _ = edits.with_new_criterion(sample, decision["id"])
    assert _scores(after) == _scores(sample)
    chosen = decision["chosen_option_id"] or decision["options"][0]["id"]
    sample["decisions"][0]["chosen_option_id"] = chosen
    without = edits.without_option(sample, decision["id"], chosen)
    assert without["decisions"][0]["chosen_option_id"] is None
    linked = edits.linked_opportunities(sample, decision["id"])
    assert linked and all(o["decision_id"] is None for o in edits.without_decision(
        sample, decision["id"])["opportunities"] if o["id"] in {x["id"] for x in linked})
