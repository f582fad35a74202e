"""Structural edits of a decision: each gives a valid project, and a new criterion moves nothing."""

from __future__ import annotations

import copy
from typing import Any

from app import decision_edits as edits
from app import interchange
from app.edits import Edit, apply
from app.ids import all_ids
from models.engine import calculate
from models.plan import plan_from_json


def _after(data: dict[str, Any], made: list[Edit]) -> dict[str, Any]:
    """The project after ``made``, as a new project (``data`` is left as it was)."""
    after = copy.deepcopy(data)
    for edit in made:
        apply(after, edit)
    return after


def _scores(data: dict[str, Any]) -> list[dict[str, float]]:
    return [r.scores for r in calculate(plan_from_json(data)).decisions]


def test_every_edit_leaves_a_valid_project_with_unique_ids(sample: dict[str, Any]) -> None:
    before = copy.deepcopy(sample)
    decision = sample["decisions"][0]
    added, new_decision = edits.add_decision(sample)
    after = _after(sample, added)
    added, criterion = edits.add_criterion(after, decision["id"])
    after = _after(after, added)
    added, option = edits.add_option(after, decision["id"], decision["options"][0]["id"])
    after = _after(after, added)
    after = _after(after, edits.set_criterion_kind(after, decision["id"], criterion, "value"))
    for data in (after, _after(after, edits.remove_option(after, decision["id"], option)),
                 _after(after, edits.remove_criterion(after, decision["id"], criterion)),
                 _after(after, edits.remove_decision(after, new_decision))):
        interchange.validate(data)
        ids = list(all_ids(data))
        assert len(ids) == len(set(ids))
    assert sample == before  # each edit returns a new project; its input is never changed


def test_a_new_criterion_moves_no_score_and_removing_the_chosen_option_clears_it(
        sample: dict[str, Any]) -> None:
    decision = sample["decisions"][0]
    added, _ = edits.add_criterion(sample, decision["id"])
    after = _after(sample, added)
    assert _scores(after) == _scores(sample)
    chosen = decision["chosen_option_id"] or decision["options"][0]["id"]
    sample["decisions"][0]["chosen_option_id"] = chosen
    without = _after(sample, edits.remove_option(sample, decision["id"], chosen))
    assert without["decisions"][0]["chosen_option_id"] is None
    linked = edits.linked_opportunities(sample, decision["id"])
    after_removal = _after(sample, edits.remove_decision(sample, decision["id"]))
    linked_ids = {x["id"] for x in linked}
    assert linked and all(o["decision_id"] is None for o in after_removal["opportunities"]
                          if o["id"] in linked_ids)
