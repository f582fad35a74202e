"""The Opportunities workspace, driven as a PM would: typing, choosing, adding, removing, undoing."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.views.conftest import numbers
from views.opportunities_view import (
    INPUTS,
    OpportunitiesWorkspace,
    OpportunityListModel,
    new_opportunity_id,
)

PLAIN = "opp-sales-email"  # linked to nothing: every input is its own
LINKED = "opp-support-copilot"  # linked to a decision and a unit model


def chart_data(figure: Any) -> list[float]:
    """Every plotted number of a matplotlib figure: line points, bar sizes, scatter points."""
    out: list[float] = []
    for ax in figure.axes:
        for line in ax.get_lines():
            out += [float(v) for v in line.get_xdata()] + [float(v) for v in line.get_ydata()]
        for patch in ax.patches:
            if hasattr(patch, "get_height"):
                out += [float(patch.get_x()), float(patch.get_width()), float(patch.get_height())]
        for collection in ax.collections:
            out += [float(v) for v in collection.get_offsets().ravel()]
    return out


def workspace(qtbot: QtBot, controller: Any, select: str | None = None) -> OpportunitiesWorkspace:
    ws = OpportunitiesWorkspace(controller)
    qtbot.addWidget(ws)
    if select is not None:  # before showing, so the charts are drawn once
        ws.table.selectRow(ws.model.row_of(select))
        assert ws.current_id == select
    ws.resize(1280, 800)
    ws.show()
    qtbot.waitExposed(ws)
    ws.activateWindow()  # typing keeps its text only while the field has keyboard focus
    qtbot.waitUntil(ws.isActiveWindow)
    settle(qtbot, ws)
    return ws


def type_into(qtbot: QtBot, ws: OpportunitiesWorkspace, name: str, text: str) -> None:
    line = ws.fields[name].line
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)  # an entry is stored when committed


def settle(qtbot: QtBot, ws: OpportunitiesWorkspace) -> None:
    """Charts follow the numbers once typing pauses: wait for them."""
    qtbot.waitUntil(lambda: not ws.charts_pending)


def result_of(controller: Any, oid: str) -> Any:
    return next(r for r in controller.results.opportunities if r.id == oid)


def test_typing_a_value_moves_results_and_charts_and_undo_restores_them(qtbot: QtBot,
                                                                          controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    before = numbers(controller.results)
    old_text = ws.fields["value_per_success"].line.text()
    old_enpv = ws.result_values["enpv"].text()
    old_cash, old_tornado = chart_data(ws.cash_flow_chart.figure), chart_data(ws.tornado_chart.figure)
    old_npv = result_of(controller, PLAIN).npv
    enpv_cell = ws.model.index(ws.model.row_of(PLAIN), OpportunityListModel.ENPV)
    old_list_enpv = ws.model.data(enpv_cell)

    type_into(qtbot, ws, "value_per_success", "9")

    assert controller.state.value("opportunity", PLAIN, "value_per_success") == 9
    assert result_of(controller, PLAIN).npv > old_npv
    assert ws.result_values["enpv"].text() != old_enpv
    settle(qtbot, ws)
    assert chart_data(ws.cash_flow_chart.figure) != old_cash
    assert chart_data(ws.tornado_chart.figure) != old_tornado
    assert ws.model.data(enpv_cell) != old_list_enpv  # the list follows too

    ws.fields["value_per_success"].line.clearFocus()
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert ws.fields["value_per_success"].line.text() == old_text
    assert ws.result_values["enpv"].text() == old_enpv
    settle(qtbot, ws)
    assert chart_data(ws.cash_flow_chart.figure) == old_cash


def test_a_range_typed_as_text_becomes_an_estimate(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    had = controller.state.value("opportunity", PLAIN, "adoption_target")
    type_into(qtbot, ws, "adoption_target", "20% - 40%")
    value = controller.state.value("opportunity", PLAIN, "adoption_target")
    assert isinstance(value, dict)
    assert value["low"] == pytest.approx(0.2) and value["high"] == pytest.approx(0.4)
    assert value["dist"] == had["dist"]  # the range's shape is kept
    assert had["base"] == pytest.approx(0.4)  # within the typed range, so the base is kept
    assert value["base"] == had["base"]


def test_an_invalid_entry_shows_its_rule_and_is_not_stored(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    stored = controller.state.value("opportunity", PLAIN, "success_rate")
    type_into(qtbot, ws, "success_rate", "150")
    field = ws.fields["success_rate"]
    assert field.error.isVisible()
    assert "between 0% and 100%" in field.error.text()
    # Nothing is stored while typing, so neither 1% nor 15% reached the project on the way.
    assert controller.state.value("opportunity", PLAIN, "success_rate") == stored
    assert controller.undo_stack.count() == 0

    type_into(qtbot, ws, "build_cost", "lots")
    assert "Type a number" in ws.fields["build_cost"].error.text()
    assert controller.state.value("opportunity", PLAIN, "build_cost") != "lots"


def test_the_list_model_passes_the_model_tester(qtmodeltester: Any, controller: Any) -> None:
    model = OpportunityListModel(controller)
    qtmodeltester.check(model)
    assert model.rowCount() == len(controller.state.data["opportunities"])
    row = model.row_of(PLAIN)
    assert model.data(model.index(row, OpportunityListModel.ENPV)).startswith(("$", "−$"))
    assert model.data(model.index(row, OpportunityListModel.STATUS)) in (
        "Proposed", "Discovery", "Building", "Launched", "Paused", "Rejected")


def test_renaming_in_the_list_is_undoable(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    index = ws.model.index(ws.model.row_of(PLAIN), OpportunityListModel.NAME)
    old = ws.model.data(index)
    assert ws.model.setData(index, "Sales email drafts v2")
    assert controller.state.value("opportunity", PLAIN, "name") == "Sales email drafts v2"
    assert ws.name_edit.text() == "Sales email drafts v2"
    assert not ws.model.setData(index, "   ")  # a name cannot be blank
    controller.undo_stack.undo()
    assert ws.model.data(index) == old and ws.name_edit.text() == old


def test_linked_inputs_show_their_effective_value_and_source(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, LINKED)
    result = result_of(controller, LINKED)
    assert result.effective["build_cost"][1].startswith("option:")
    assert not ws.fields["build_cost"].isEnabled()  # the decision's option overrides it
    text = ws.effective["build_cost"].text()
    assert text.startswith("Uses $220,000 from decision option “Partner")
    assert "“How do we get the support copilot?”" in ws.effective["build_cost"].toolTip()
    assert "unit model “Support copilot" in ws.effective["cost_per_task"].text()
    assert "12 × the fixed monthly cost" in ws.effective["run_cost_annual"].text()
    assert ws.fields["eligible_users"].isEnabled()
    assert not ws.effective["eligible_users"].isVisible()

    # Unlinking the decision gives the build cost back to the opportunity, undoably.
    before = numbers(controller.results)
    ws.decision_combo.setCurrentIndex(0)
    ws.decision_combo.activated.emit(0)
    assert controller.state.value("opportunity", LINKED, "decision_id") is None
    assert ws.fields["build_cost"].isEnabled()
    assert not ws.effective["build_cost"].isVisible()
    assert numbers(controller.results) != before
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert ws.decision_combo.currentData() == "dec-copilot"
    assert not ws.fields["build_cost"].isEnabled()


def test_notes_status_and_description_are_stored_and_undoable(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    note = ws.notes["eligible_users"]
    note.setFocus()
    note.selectAll()
    qtbot.keyClicks(note, "CRM seats, 2026")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert controller.state.value("opportunity", PLAIN, "notes.eligible_users") == \
        "CRM seats, 2026"
    ws.status_combo.setCurrentIndex(ws.status_combo.findData("paused"))
    ws.status_combo.activated.emit(ws.status_combo.currentIndex())
    assert controller.state.value("opportunity", PLAIN, "status") == "paused"
    assert ws.model.data(ws.model.index(ws.model.row_of(PLAIN), OpportunityListModel.STATUS)) == "Paused"
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert note.text() == (controller.state.value("opportunity", PLAIN, "notes.eligible_users") or "")
    assert ws.status_combo.currentData() != "paused"


def test_add_and_remove_are_undoable(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    count = len(controller.state.data["opportunities"])
    before = numbers(controller.results)

    qtbot.mouseClick(ws.add_button, Qt.MouseButton.LeftButton)
    assert len(controller.state.data["opportunities"]) == count + 1
    assert ws.current_id == "opp-new-1" and ws.model.rowCount() == count + 1
    assert ws.name_edit.text() == "New opportunity"
    assert result_of(controller, "opp-new-1").npv != 0  # sensible defaults give a real result
    qtbot.keyClicks(ws.name_edit, "Renewal risk alerts")  # the name is selected, ready to type
    qtbot.keyClick(ws.name_edit, Qt.Key.Key_Return)
    assert controller.state.value("opportunity", "opp-new-1", "name") == "Renewal risk alerts"

    ws.table.setFocus()
    ws.table.selectRow(ws.model.row_of(PLAIN))
    qtbot.keyClick(ws.table, Qt.Key.Key_Delete)
    ids = [o["id"] for o in controller.state.data["opportunities"]]
    assert PLAIN not in ids and len(ids) == count
    assert ws.current_id in ids

    controller.undo_stack.undo()  # the removal
    assert PLAIN in [o["id"] for o in controller.state.data["opportunities"]]
    controller.undo_stack.undo()  # the rename
    controller.undo_stack.undo()  # the addition
    assert len(controller.state.data["opportunities"]) == count
    assert numbers(controller.results) == before
    assert ws.model.rowCount() == count


def test_new_ids_are_unique_across_the_project() -> None:
    data = {"opportunities": [{"id": "opp-new-1"}], "decisions": [{"id": "opp-new-2", "options": []}]}
    assert new_opportunity_id(data) == "opp-new-3"


def test_an_empty_project_renders_and_can_start(qtbot: QtBot, controller: Any) -> None:
    empty = controller.state.snapshot()
    empty["opportunities"] = []
    empty["scenarios"] = empty["correlations"] = []  # they named opportunities that are gone
    controller.change_project(empty, "Remove all")
    ws = workspace(qtbot, controller)
    assert ws.model.rowCount() == 0
    assert ws.detail.currentWidget() is ws.empty_note
    assert not ws.remove_button.isEnabled()
    ws.remove_current()  # nothing selected: nothing happens
    qtbot.mouseClick(ws.add_button, Qt.MouseButton.LeftButton)
    assert ws.model.rowCount() == 1 and ws.detail.currentWidget() is not ws.empty_note
    assert ws.result_values["npv"].text() not in ("", "—")


def test_an_invalid_plan_shows_the_problem_and_keeps_inputs_editable(qtbot: QtBot,
                                                                      controller: Any) -> None:
    ws = workspace(qtbot, controller, LINKED)
    route = controller.state.data["unit_models"][0]["routes"][0]
    controller.set_value("route", route["id"], "share", 0.01)  # shares no longer total 100%
    assert controller.results is None
    assert ws.banner.isVisible() and "100%" in ws.banner.text()
    assert all(field.isEnabled() for field in ws.fields.values())
    assert ws.result_values["npv"].text() == "—"
    type_into(qtbot, ws, "eligible_users", "500")
    assert controller.state.value("opportunity", LINKED, "eligible_users") == 500
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert controller.results is not None and not ws.banner.isVisible()


def test_monte_carlo_ranges_and_histogram(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    assert controller.wait_for_monte_carlo()
    settle(qtbot, ws)
    summary = next(r for r in controller.mc_results.opportunities if r.id == PLAIN).mc
    assert " to " in ws.result_values["range"].text()
    assert ws.result_values["p_positive"].text().endswith("%")
    assert "updating" not in ws.npv_chart_heading.text()
    histogram = chart_data(ws.npv_chart.figure)
    assert histogram and any(v == pytest.approx(summary.p10) for v in histogram)

    type_into(qtbot, ws, "eligible_users", "5000")
    assert controller.mc_stale
    assert "updating" in ws.npv_chart_heading.text() and "updating" in ws.mc_note.text()
    assert controller.wait_for_monte_carlo()
    settle(qtbot, ws)
    assert chart_data(ws.npv_chart.figure) != histogram


def test_every_input_of_design_3_1_has_a_field_of_the_right_kind(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    kinds = {name: field.kind for name, field in ws.fields.items()}
    assert kinds == {name: spec.kind for name, spec in INPUTS.items()}
    assert kinds["adoption_target"] == "percent" and kinds["cost_per_task"] == "money_small"
    assert ws.fields["adoption_target"].line.text().endswith("%")
