"""The decisions workspace: a tie is said as a tie, and a value criterion's direction is a choice."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from app.document import ProjectDocument
from tests.models.test_decision_ties import with_tied_decision
from views.decisions_view import CriteriaModel, DecisionsWorkspace, FlipsModel, ScoresModel

LATENCY = "crit-copilot-latency"  # the sample's value criterion: draft latency, lower is better


def _window(show_window: Any, data: dict[str, Any]) -> Any:
    data = dict(data, project=dict(data["project"], mc_samples=1000))
    return show_window(ProjectDocument.from_data(data))


def _workspace(qtbot: Any, window: Any) -> DecisionsWorkspace:
    workspace = window.workspace("Build / partner / buy")
    assert isinstance(workspace, DecisionsWorkspace)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return workspace


def _direction(window: Any) -> bool:
    decision = next(d for d in window.controller.state.data["decisions"] if d["id"] == "dec-copilot")
    return next(c for c in decision["criteria"] if c["id"] == LATENCY)["higher_is_better"]


def test_a_tie_is_said_as_a_tie_in_the_workspace(qtbot: Any, show_window: Any,
                                                 sample_json: dict[str, Any]) -> None:
    window = _window(show_window, with_tied_decision(copy.deepcopy(sample_json)))
    workspace = _workspace(qtbot, window)
    workspace.select_decision("dec-contract")
    assert workspace.winner_label.text() == "Build and Partner tie at 75.0 of 100"
    said = workspace.robustness_label.text()
    assert said == ("Any change in the weights breaks the tie: more weight on Quality favours Build; more "
                    "weight on Speed favours Partner. Until you choose one, linked opportunities use Build, "
                    "the first entered.")
    assert "firm" not in said and "Highest score" not in workspace.winner_label.text()
    scores = workspace.scores_model
    assert [scores.index(r, ScoresModel.STATUS).data() for r in range(scores.rowCount())] == [
        "tied for highest score", "tied for highest score", ""]
    grid = workspace.grid_model
    assert [bool(grid.index(r, 0).data(Qt.ItemDataRole.FontRole)) for r in range(3)] == [True, True, False]
    assert grid.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) == "Tied for the highest weighted score"
    flips = workspace.flips_model
    assert [flips.index(r, FlipsModel.NEW_WINNER).data() for r in range(flips.rowCount())] == [
        "Partner", "Partner"]
    assert workspace.chosen_combo.itemText(0) == "The highest score (now Build, tied with Partner)"
    going = workspace.decisions_model
    assert going.index(1, going.GOING_WITH).data() == "Build and Partner (tied, highest score)"

    workspace.chosen_combo.setCurrentIndex(workspace.chosen_combo.findData("opt-contract-partner"))
    workspace.chosen_combo.activated.emit(workspace.chosen_combo.currentIndex())
    qtbot.waitUntil(lambda: "You chose Partner" in workspace.robustness_label.text())
    assert workspace.robustness_label.text().endswith(
        "You chose Partner, which ties with Build; linked opportunities use it.")


def test_the_direction_is_a_choice_picked_by_keyboard_and_undone_by_ctrl_z(
        qtbot: Any, show_window: Any, sample_json: dict[str, Any]) -> None:
    window = _window(show_window, copy.deepcopy(sample_json))
    workspace = _workspace(qtbot, window)
    workspace.select_decision("dec-copilot")
    view, model = workspace.criteria_view, workspace.criteria_model
    row = [model.criterion_id(r) for r in range(model.rowCount())].index(LATENCY)
    cell = model.index(row, CriteriaModel.HIGHER)
    # The cell shows its choice in words and offers both; it is no checkbox.
    assert cell.data() == "lower is better"
    assert cell.data(Qt.ItemDataRole.CheckStateRole) is None
    assert not cell.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert _direction(window) is False

    # As a user: click the cell, F2 opens the drop-down, Up picks "higher is better".
    view.scrollTo(cell)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(cell).center())
    assert view.currentIndex() == cell
    qtbot.keyClick(view, Qt.Key.Key_F2)
    combo = view.indexWidget(cell) or view.viewport().findChild(QComboBox)
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["higher is better", "lower is better"]
    assert combo.currentText() == "lower is better"
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: _direction(window) is True)
    assert model.index(row, CriteriaModel.HIGHER).data() == "higher is better"
    assert window.controller.undo_stack.count() == 1

    # Ctrl+Z in the window restores the stored direction and what the cell says.
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _direction(window) is False
    assert model.index(row, CriteriaModel.HIGHER).data() == "lower is better"
