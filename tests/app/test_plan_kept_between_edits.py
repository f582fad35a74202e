"""The engine's view of the project is kept between edits: after any edit, undo or import it is
exactly the view read afresh from the project, so results never come from a stale opportunity."""

from __future__ import annotations

import copy
from typing import Any

from app import opportunity_edits
from app.document import ProjectDocument
from app.edits import inverse
from app.project_state import ProjectState
from models.engine import calculate, results_json
from models.plan import plan_from_json


def _same_as_fresh(state: ProjectState) -> None:
    kept = state.plan()
    assert kept == plan_from_json(state.data)
    assert results_json(calculate(kept, monte_carlo=False)) == results_json(
        calculate(plan_from_json(state.data), monte_carlo=False))


def test_every_kind_of_change_leaves_no_stale_opportunity(sample_json: dict[str, Any]) -> None:
    with ProjectDocument.from_data(sample_json) as document:
        state = ProjectState(document)
        _same_as_fresh(state)
        first = state.data["opportunities"][0]["id"]
        state.set_value("opportunity", first, "eligible_users", 4321)
        _same_as_fresh(state)
        assert state.plan().opportunities[0].eligible_users.base == 4321
        state.set_value("opportunity", first, "adoption_target",
                        {"base": 0.4, "low": 0.2, "high": 0.6, "dist": "triangular"})
        _same_as_fresh(state)

        added, new_id = opportunity_edits.add_opportunity(state.data)
        state.apply_edits(added)
        _same_as_fresh(state)
        state.set_value("opportunity", new_id, "value_per_success", 9.5)
        _same_as_fresh(state)
        removed = opportunity_edits.remove_opportunity(state.data, first)
        state.apply_edits(removed)
        _same_as_fresh(state)
        state.apply_edits(inverse(removed))  # undo: the first one back, with its edits
        _same_as_fresh(state)
        assert state.plan().opportunities[0].eligible_users.base == 4321

        decision = state.data["decisions"][0]["id"]
        state.set_value("opportunity", first, "decision_id", decision)  # a link, not a number
        _same_as_fresh(state)

        other = copy.deepcopy(sample_json)
        other["opportunities"][0]["eligible_users"] = 777
        state.replace(other)  # an import: nothing kept from before
        _same_as_fresh(state)
        assert state.plan().opportunities[0].eligible_users.base == 777
