"""The Build / partner / buy workspace, driven the way a PM drives it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.document import ProjectDocument
from app.project_state import ProjectState
from models.estimate import Estimate
from tests.views.conftest import numbers
from views.controller import ProjectController
from views.decisions_view import (
    CriteriaModel,
    DecisionsWorkspace,
    FlipsModel,
    OptionGridModel,
    ScoresModel,
)
from views.estimate_field import format_estimate

COPILOT = "dec-copilot"


def _show(qtbot: Any, controller: ProjectController) -> DecisionsWorkspace:
    workspace = DecisionsWorkspace(controller)
    qtbot.addWidget(workspace)
    workspace.resize(1280, 800)
    workspace.show()
    qtbot.waitExposed(workspace)
    return workspace


@pytest.fixture
def workspace(qtbot: Any, controller: ProjectController) -> DecisionsWorkspace:
    """The workspace as built, not shown: it draws no charts (they wait until it is shown)."""
    workspace = DecisionsWorkspace(controller)
    qtbot.addWidget(workspace)
    return workspace


@pytest.fixture
def shown(qtbot: Any, controller: ProjectController) -> DecisionsWorkspace:
    """The workspace on screen, with its charts and keyboard focus."""
    return _show(qtbot, controller)


def _charts_drawn(qtbot: Any, workspace: DecisionsWorkspace) -> None:
    qtbot.waitUntil(lambda: not workspace.charts_pending)


@pytest.fixture
def make_controller(qtbot: Any) -> Iterator[Any]:
    """A controller on a project of the test's own making (closed afterwards)."""
    made: list[tuple[ProjectController, ProjectDocument]] = []

    def make(data: dict[str, Any]) -> ProjectController:
        data = dict(data, project=dict(data["project"], mc_samples=1000))
        document = ProjectDocument.from_data(data)
        controller = ProjectController(ProjectState(document))
        made.append((controller, document))
        return controller

    yield make
    for controller, document in made:
        controller.wait_for_monte_carlo()
        document.close()


def _result(controller: ProjectController, decision_id: str = COPILOT) -> Any:
    assert controller.results is not None
    return next(r for r in controller.results.decisions if r.decision_id == decision_id)


def _lines(figure: Any, prefix: str) -> dict[str, list[float]]:
    """The data of the chart's lines, by option id (the builders tag them with a gid)."""
    out = {}
    for ax in figure.axes:
        for line in ax.get_lines():
            gid = line.get_gid() or ""
            if gid.startswith(prefix):
                out[gid.removeprefix(prefix)] = [float(y) for y in line.get_ydata()]
    return out


def _texts(figure: Any) -> str:
    # Tick labels become Text objects only at draw time; their formatter has them already.
    found = [str(t) for ax in figure.axes
             for t in ax.xaxis.get_major_formatter().format_ticks(ax.get_xticks())]
    found += [t.get_text() for ax in figure.axes for t in ax.texts]
    found += [t.get_text() for t in figure.texts]
    for legend in [*figure.legends, *(ax.get_legend() for ax in figure.axes)]:
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
    return " ".join(found)


def _row(model: Any, object_id: str) -> int:
    ids = model.structure()
    ids = ids[0] if ids and isinstance(ids[0], tuple) else ids
    return list(ids).index(object_id)


def _fmt(value: float, kind: str = "number") -> str:
    return format_estimate(Estimate(value), kind)


# --- editing, results, charts and undo ---------------------------------------------------------


def test_weight_edit_moves_scores_share_and_radar_then_undo_restores(
        qtbot: Any, shown: DecisionsWorkspace, controller: ProjectController) -> None:
    workspace = shown
    model = workspace.criteria_model
    before = numbers(controller.results)
    scores_before = dict(_result(controller).scores)
    radar_before = _texts(workspace.radar_chart.figure)
    assert "(20%)" in radar_before
    row = _row(model, "crit-copilot-privacy")
    weight, share = model.index(row, CriteriaModel.WEIGHT), model.index(row, CriteriaModel.SHARE)
    assert (weight.data(), share.data()) == ("20", "20%")

    assert model.setData(weight, "40")  # what the delegate does with the text a user typed

    assert share.data() == "33.3%"  # 40 of 30 + 40 + 15 + 10 + 25
    assert _result(controller).scores != scores_before
    assert numbers(controller.results) != before
    _charts_drawn(qtbot, workspace)
    radar_after = _texts(workspace.radar_chart.figure)
    assert radar_after != radar_before and "(33%)" in radar_after

    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert (weight.data(), share.data()) == ("20", "20%")
    _charts_drawn(qtbot, workspace)
    assert _texts(workspace.radar_chart.figure) == radar_before


def test_typing_an_upfront_cost_in_the_grid_moves_tco_then_undo_restores(
        qtbot: Any, shown: DecisionsWorkspace, controller: ProjectController) -> None:
    workspace = shown
    grid, view = workspace.grid_model, workspace.grid_view
    before = numbers(controller.results)
    tco_lines_before = _lines(workspace.tco_chart.figure, "tco:")
    row = _row(grid, "opt-copilot-build")
    cell = grid.index(row, OptionGridModel.UPFRONT)
    tco_column = OptionGridModel.FIXED + 4  # the sample's fifth criterion is its TCO
    tco_cell = grid.index(row, tco_column)
    tco_before = tco_cell.data()

    view.setFocus()
    view.setCurrentIndex(cell)
    view.edit(cell)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == _fmt(420000, "money")
    editor.selectAll()
    qtbot.keyClicks(editor, "500k")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits it on its next turn of the loop

    qtbot.waitUntil(lambda: cell.data() == _fmt(500000, "money"))
    assert _result(controller).tco["opt-copilot-build"] == pytest.approx(664638 + 80000)
    assert tco_cell.data() != tco_before
    _charts_drawn(qtbot, workspace)
    assert _lines(workspace.tco_chart.figure, "tco:")["opt-copilot-build"][0] == 500000
    assert numbers(controller.results) != before

    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert cell.data() == _fmt(420000, "money")
    assert tco_cell.data() == tco_before
    _charts_drawn(qtbot, workspace)
    assert _lines(workspace.tco_chart.figure, "tco:") == tco_lines_before


def test_choosing_an_option_moves_the_linked_opportunity_then_undo_restores(
        qtbot: Any, shown: DecisionsWorkspace, controller: ProjectController) -> None:
    workspace = shown  # a page refreshes only while it is on screen
    combo = workspace.chosen_combo
    assert combo.currentData() == "opt-copilot-partner"
    before = numbers(controller.results)
    opportunity = next(o for o in controller.results.opportunities if o.id == "opp-support-copilot")

    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # partner -> build: the keyboard picks the previous option

    assert controller.state.value("decision", COPILOT, "chosen_option_id") == "opt-copilot-build"
    after = next(o for o in controller.results.opportunities if o.id == "opp-support-copilot")
    assert after.npv != opportunity.npv
    assert "You chose Build in-house" in workspace.robustness_label.text()
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert combo.currentData() == "opt-copilot-partner"


def test_results_show_winner_robustness_and_flips(workspace: DecisionsWorkspace,
                                                  controller: ProjectController) -> None:
    assert workspace.winner_label.text().startswith(
        "Highest score: Partner: cloud AI platform plus implementation partner")
    assert ("stays best unless Time to market's weight falls from 15% to 10%, when Build in-house on "
            "model APIs overtakes it." in workspace.robustness_label.text())
    scores = workspace.scores_model
    winner_row = [scores.index(r, ScoresModel.OPTION).data() for r in range(scores.rowCount())].index(
        "Partner: cloud AI platform plus implementation partner")
    assert scores.index(winner_row, ScoresModel.STATUS).data() == "highest score, chosen"
    assert scores.index(winner_row, 0).data(Qt.ItemDataRole.FontRole).bold()
    flips = workspace.flips_model
    ttm = [flips.index(r, 0).data() for r in range(flips.rowCount())].index("Time to market")
    assert [flips.index(ttm, c).data() for c in range(1, 4)] == [
        "15%", "10.4%", "Build in-house on model APIs"]
    assert flips.close_call(ttm)


def test_linked_volume_is_explained_and_own_volume_drives_tco(qtbot: Any, workspace: DecisionsWorkspace,
                                                               controller: ProjectController) -> None:
    assert not workspace.volume_field.isEnabled()
    assert "718,200 tasks a year" in workspace.volume_note.text()
    assert "Support copilot" in workspace.volume_note.text()

    qtbot.mouseClick(workspace.add_decision_button, Qt.MouseButton.LeftButton)
    new = workspace.decision_id
    assert workspace.volume_field.isEnabled() and "no opportunity links" in workspace.volume_note.text()
    grid = workspace.grid_model
    assert grid.setData(grid.index(0, OptionGridModel.PER_TASK), "0.1")
    assert _result(controller, new).tco[grid.option_id(0)] == 0.0  # no volume yet
    qtbot.keyClicks(workspace.volume_field.line, "50000")
    assert _result(controller, new).annual_volume == 0.0  # typing stores nothing until committed
    qtbot.keyClick(workspace.volume_field.line, Qt.Key.Key_Return)
    assert _result(controller, new).annual_volume == 50000
    assert _result(controller, new).tco[grid.option_id(0)] == pytest.approx(3 * 0.1 * 50000)


def test_renaming_by_typing_is_one_undo_step(qtbot: Any, shown: DecisionsWorkspace,
                                             controller: ProjectController) -> None:
    workspace = shown
    steps = controller.undo_stack.count()
    workspace.name_edit.end(False)
    qtbot.keyClicks(workspace.name_edit, " (v2)")
    qtbot.keyClick(workspace.name_edit, Qt.Key.Key_Return)  # stored when the entry is done
    assert workspace.picker.currentText() == "How do we get the support copilot? (v2)"
    assert controller.undo_stack.count() == steps + 1  # the typing is one change
    controller.undo_stack.undo()
    name = "How do we get the support copilot?"
    assert workspace.name_edit.text() == workspace.picker.currentText() == name


# --- invalid entries ---------------------------------------------------------------------------


def test_score_out_of_range_shows_rule_and_is_not_stored(workspace: DecisionsWorkspace,
                                                         controller: ProjectController) -> None:
    grid = workspace.grid_model
    row = _row(grid, "opt-copilot-build")
    cell = grid.index(row, OptionGridModel.FIXED)  # Answer accuracy, a 1–5 score
    steps = controller.undo_stack.count()

    assert not grid.setData(cell, "7")

    assert not workspace.grid_status.isHidden()
    assert "between 1 and 5" in workspace.grid_status.text()
    assert "between 1 and 5" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert cell.data() == "4"
    assert controller.state.value("option", "opt-copilot-build", "scores.crit-copilot-accuracy") == 4
    assert controller.undo_stack.count() == steps

    assert not grid.setData(cell, "four")
    assert "Type a number" in workspace.grid_status.text()
    assert grid.setData(cell, "5")  # a valid entry clears the rule
    assert workspace.grid_status.isHidden()
    assert cell.data(Qt.ItemDataRole.ToolTipRole) is None or "between" not in cell.data(
        Qt.ItemDataRole.ToolTipRole)


def test_negative_and_all_zero_weights_are_refused(workspace: DecisionsWorkspace,
                                                   controller: ProjectController) -> None:
    model = workspace.criteria_model
    weight = model.index(0, CriteriaModel.WEIGHT)
    assert not model.setData(weight, "-5")
    assert "must not be negative" in workspace.criteria_status.text()
    for row in range(1, model.rowCount()):
        assert model.setData(model.index(row, CriteriaModel.WEIGHT), "0")
    assert not model.setData(weight, "0")
    assert "at least one criterion needs a weight above zero" in workspace.criteria_status.text()
    assert controller.state.value("criterion", "crit-copilot-accuracy", "weight") == 30
    assert controller.results is not None


# --- adding and removing -----------------------------------------------------------------------


def test_add_and_remove_decision_are_undoable(qtbot: Any, shown: DecisionsWorkspace,
                                              controller: ProjectController) -> None:
    workspace = shown  # a page refreshes only while it is on screen
    before = numbers(controller.results)
    qtbot.mouseClick(workspace.add_decision_button, Qt.MouseButton.LeftButton)
    assert len(controller.state.data["decisions"]) == 3
    assert workspace.picker.currentText() == "New decision"
    assert controller.results is not None  # a new decision is ready to score
    assert workspace.grid_model.rowCount() == 3 and workspace.criteria_model.rowCount() == 2
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert workspace.picker.count() == 2 and workspace.decision_id in ("dec-copilot", "dec-contract")

    workspace.select_decision(COPILOT)
    qtbot.mouseClick(workspace.remove_decision_button, Qt.MouseButton.LeftButton)
    assert [d["id"] for d in controller.state.data["decisions"]] == ["dec-contract"]
    assert controller.state.value("opportunity", "opp-support-copilot", "decision_id") is None
    assert workspace.decision_id == "dec-contract"
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert controller.state.value("opportunity", "opp-support-copilot", "decision_id") == COPILOT


def test_add_criterion_moves_nothing_and_remove_is_undoable(qtbot: Any, workspace: DecisionsWorkspace,
                                                            controller: ProjectController) -> None:
    scores = dict(_result(controller).scores)
    qtbot.mouseClick(workspace.add_criterion_button, Qt.MouseButton.LeftButton)
    model = workspace.criteria_model
    assert model.rowCount() == 6
    assert model.index(5, CriteriaModel.SHARE).data() == "0%"
    assert _result(controller).scores == pytest.approx(scores)  # weight 0: nothing moves yet
    assert workspace.grid_model.columnCount() == OptionGridModel.FIXED + 6
    workspace.criteria_view.closePersistentEditor(model.index(5, CriteriaModel.NAME))

    controller.undo_stack.undo()
    before = numbers(controller.results)
    workspace.criteria_view.setCurrentIndex(model.index(_row(model, "crit-copilot-latency"), 0))
    qtbot.mouseClick(workspace.remove_criterion_button, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 4
    assert "crit-copilot-latency" not in controller.state.value("option", "opt-copilot-build", "scores")
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert controller.state.value("option", "opt-copilot-build", "scores.crit-copilot-latency") == 1400


def test_add_option_copies_and_delete_key_removes(qtbot: Any, shown: DecisionsWorkspace,
                                                  controller: ProjectController) -> None:
    workspace = shown
    before = numbers(controller.results)
    grid, view = workspace.grid_model, workspace.grid_view
    view.setCurrentIndex(grid.index(_row(grid, "opt-copilot-buy"), 0))
    qtbot.mouseClick(workspace.add_option_button, Qt.MouseButton.LeftButton)
    assert grid.rowCount() == 4
    assert grid.index(3, OptionGridModel.NAME).data() == "New option"
    assert grid.index(3, OptionGridModel.ANNUAL).data() == _fmt(380000, "money")
    assert _result(controller).winner == "opt-copilot-partner"  # a copy ties, and ties go to the first

    view.closePersistentEditor(grid.index(3, 0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # Tab leaves the grid for its buttons, as in a form
    assert QApplication.focusWidget() is workspace.add_option_button
    view.setFocus()
    view.setCurrentIndex(grid.index(3, OptionGridModel.KIND))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert grid.rowCount() == 3
    assert numbers(controller.results) == before
    controller.undo_stack.undo()
    assert grid.rowCount() == 4
    controller.undo_stack.undo()
    assert numbers(controller.results) == before


def test_a_decision_keeps_two_options(qtbot: Any, shown: DecisionsWorkspace,
                                      controller: ProjectController) -> None:
    workspace = shown  # a page refreshes only while it is on screen
    grid = workspace.grid_model
    workspace.grid_view.setCurrentIndex(grid.index(0, 0))
    qtbot.mouseClick(workspace.remove_option_button, Qt.MouseButton.LeftButton)
    assert grid.rowCount() == 2
    assert not workspace.remove_option_button.isEnabled()
    workspace.remove_option()  # the Delete key's path
    assert grid.rowCount() == 2
    assert "at least two options" in workspace.grid_status.text()


def test_changing_a_criterion_kind_fits_its_values_and_undoes(workspace: DecisionsWorkspace,
                                                              controller: ProjectController) -> None:
    before = numbers(controller.results)
    model, grid = workspace.criteria_model, workspace.grid_model
    row = _row(model, "crit-copilot-latency")
    assert model.setData(model.index(row, CriteriaModel.KIND), "score")
    assert controller.state.value("option", "opt-copilot-build", "scores.crit-copilot-latency") == 3
    assert controller.results is not None
    assert model.setData(model.index(row, CriteriaModel.KIND), "tco")
    assert "crit-copilot-latency" not in controller.state.value("option", "opt-copilot-build", "scores")
    assert grid.index(0, OptionGridModel.FIXED + row).data().startswith("$")
    assert not grid.flags(grid.index(0, OptionGridModel.FIXED + row)) & Qt.ItemFlag.ItemIsEditable
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert grid.index(0, OptionGridModel.FIXED + row).data() == _fmt(1400)


# --- item models, empty and invalid projects ---------------------------------------------------


def test_item_models_pass_the_model_tester(qtmodeltester: Any, workspace: DecisionsWorkspace) -> None:
    for model in (workspace.decisions_model, workspace.criteria_model, workspace.grid_model,
                  workspace.scores_model, workspace.flips_model):
        qtmodeltester.check(model)
    assert isinstance(workspace.flips_model, FlipsModel)


def test_empty_project_renders_and_can_add_a_decision(qtbot: Any, make_controller: Any,
                                                      sample_json: dict[str, Any]) -> None:
    data = copy.deepcopy(sample_json)
    for key in ("opportunities", "decisions", "unit_models", "memo", "decision_log", "scenarios",
                "correlations"):
        data[key] = []
    controller = make_controller(data)
    workspace = _show(qtbot, controller)
    assert workspace.stack.currentWidget() is workspace.empty
    assert not workspace.remove_decision_button.isEnabled()
    assert workspace.grid_model.rowCount() == 0 and workspace.grid_model.columnCount() == 0
    qtbot.mouseClick(workspace.add_decision_button, Qt.MouseButton.LeftButton)
    assert workspace.stack.currentIndex() == 1
    assert _result(controller, workspace.decision_id).winner
    _charts_drawn(qtbot, workspace)
    options = {o["id"] for o in workspace.grid_model.options()}
    assert set(_lines(workspace.tco_chart.figure, "tco:")) == options


def test_invalid_plan_shows_banner_marks_cell_and_stays_editable(qtbot: Any, make_controller: Any,
                                                                 sample_json: dict[str, Any]) -> None:
    data = copy.deepcopy(sample_json)
    del data["decisions"][0]["options"][0]["scores"]["crit-copilot-accuracy"]
    controller = make_controller(data)
    assert controller.results is None
    workspace = _show(qtbot, controller)
    assert workspace.banner.isVisible()
    assert "wait" in workspace.winner_label.text()
    grid = workspace.grid_model
    cell = grid.index(_row(grid, "opt-copilot-build"), OptionGridModel.FIXED)
    assert cell.data() == ""
    assert "Needs a score from 1 to 5" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is not None
    tco_cell = grid.index(0, OptionGridModel.FIXED + 4)
    assert tco_cell.data().startswith("$")  # TCO needs only costs, so it still shows

    assert grid.setData(cell, "4")
    assert controller.results is not None
    assert not workspace.banner.isVisible()
    assert workspace.winner_label.text().startswith("Highest score")
