"""The Unit economics workspace and the catalog picker, driven as a user would (offscreen)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.document import ProjectDocument
from app.project_state import ProjectState
from models import catalog
from models.estimate import Estimate
from tests.views.conftest import numbers
from views.catalog_picker import CatalogPicker, CatalogTableModel
from views.controller import ProjectController
from views.estimate_field import format_estimate
from views.unit_economics_view import RoutesModel, UnitEconomicsWorkspace, UnitModelsModel

SUPPORT = "um-support-copilot"
HAIKU_ROUTE = "route-copilot-haiku"


def make_workspace(qtbot: QtBot, controller: ProjectController) -> UnitEconomicsWorkspace:
    ws = UnitEconomicsWorkspace(controller)
    qtbot.addWidget(ws)
    ws.resize(1280, 800)
    ws.show()
    ws.activateWindow()
    qtbot.waitActive(ws)  # typing goes to a focused field, as on a desktop
    return ws


@pytest.fixture
def ws(qtbot: QtBot, controller: ProjectController) -> Iterator[UnitEconomicsWorkspace]:
    """The workspace on the sample plan, shown at a laptop's size."""
    workspace = make_workspace(qtbot, controller)
    yield workspace
    workspace.close()  # before the controller's teardown runs the event loop: no charts for nobody


def wait_for_charts(qtbot: QtBot, ws: UnitEconomicsWorkspace) -> None:
    """Charts follow edits a moment later (they are debounced); wait for them as a user would."""
    qtbot.waitUntil(lambda: not ws.charts_pending, timeout=5000)


def unit_result(controller: ProjectController, unit_id: str = SUPPORT) -> dict[str, Any]:
    assert controller.results is not None
    return next(u.costs for u in controller.results.unit_models if u.id == unit_id)


def chart_numbers(ws: UnitEconomicsWorkspace) -> list[Any]:
    """Every plotted number of both charts: line data and bar sizes."""
    out: list[Any] = []
    for view in (ws.breakdown_chart, ws.margin_chart):
        assert view.figure is not None
        for ax in view.figure.axes:
            out += [list(map(float, line.get_ydata())) for line in ax.lines]  # type: ignore[arg-type]
            out += [(round(p.get_x(), 12), round(p.get_width(), 12)) for p in ax.patches]
    return out


def route_cell(ws: UnitEconomicsWorkspace, route_id: str, column: int) -> Any:
    return ws.routes_model.index(ws.routes_model.ids.index(route_id), column)


# --- editing, results, charts and undo ---------------------------------------------------


def test_typing_a_fixed_cost_moves_results_and_charts_and_undo_restores(
        qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    wait_for_charts(qtbot, ws)
    before = numbers(controller.results)
    charts_before = chart_numbers(ws)
    loaded_before = ws.result_labels["loaded_cost_per_task"].text()
    field = ws.fields["fixed_monthly"]
    shown_before = field.line.text()

    field.line.setFocus()
    field.line.selectAll()
    qtbot.keyClicks(field.line, "9000")
    qtbot.keyClick(field.line, Qt.Key.Key_Tab)

    assert controller.state.value("unit_model", SUPPORT, "fixed_monthly") == 9000
    assert field.line.text() == format_estimate(Estimate(9000), "money")
    assert unit_result(controller)["loaded_cost_per_task"] > before["unit_models"][0]["loaded_cost_per_task"]
    assert ws.result_labels["loaded_cost_per_task"].text() != loaded_before
    wait_for_charts(qtbot, ws)
    assert chart_numbers(ws) != charts_before
    assert controller.undo_stack.count() == 1  # the keystrokes merged into one step

    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert field.line.text() == shown_before == format_estimate(Estimate(3500), "money")
    assert ws.result_labels["loaded_cost_per_task"].text() == loaded_before
    wait_for_charts(qtbot, ws)
    assert chart_numbers(ws) == charts_before


def test_an_invalid_entry_shows_its_rule_and_is_not_stored(qtbot: QtBot,
                                                           controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    before = numbers(controller.results)
    field = ws.fields["fixed_monthly"]
    field.line.setFocus()
    field.line.selectAll()
    qtbot.keyClicks(field.line, "-500")
    assert field.error.isVisible()
    assert field.error.text() == "Must not be negative."  # beside its label, while typing
    qtbot.keyClick(field.line, Qt.Key.Key_Return)
    assert field.error.text().startswith("Must not be negative. Not stored: the results use ")
    assert controller.state.value("unit_model", SUPPORT, "fixed_monthly") == 3500
    assert controller.undo_stack.count() == 0

    field.line.selectAll()
    qtbot.keyClicks(field.line, "lots")
    assert "Type a number" in field.error.text()

    percent_field = ws.fields["escalation_rate"]
    percent_field.line.setFocus()
    percent_field.line.selectAll()
    escalation = controller.state.value("unit_model", SUPPORT, "escalation_rate")
    qtbot.keyClicks(percent_field.line, "150%")  # nothing typed on the way is stored: not 1%, not 15%
    qtbot.keyClick(percent_field.line, Qt.Key.Key_Return)
    assert "between 0% and 100%" in percent_field.error.text()
    assert controller.state.value("unit_model", SUPPORT, "escalation_rate") == escalation
    assert controller.undo_stack.count() == 0
    assert numbers(controller.results) == before


def test_route_cells_edit_in_place_and_shares_must_total_100(qtbot: QtBot,
                                                             controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    before = numbers(controller.results)
    model = ws.routes_model
    assert "100%" in ws.share_total.text()

    assert model.setData(route_cell(ws, HAIKU_ROUTE, RoutesModel.SHARE), "70%")
    assert controller.results is None  # shares total 90%: results wait
    assert ws.banner.isVisible() and "100%" in ws.banner.text()
    assert "90%" in ws.share_total.text() and "add 10 points" in ws.share_total.text()
    assert ws.result_labels["loaded_cost_per_task"].text() == "—"
    assert not ws.chart_tabs.isVisible() and ws.charts_placeholder.isVisible()
    assert ws.fields["fixed_monthly"].line.isEnabled()  # inputs stay editable

    assert model.setData(route_cell(ws, "route-copilot-sonnet", RoutesModel.SHARE), "30%")
    assert controller.results is not None and not ws.banner.isVisible()
    assert ws.chart_tabs.isVisible()

    # Tokens change the cost; a typo is refused with a message and never stored.
    assert model.setData(route_cell(ws, HAIKU_ROUTE, RoutesModel.OUTPUT), "900")
    assert controller.state.value("route", HAIKU_ROUTE, "output_tokens") == 900
    assert not model.setData(route_cell(ws, HAIKU_ROUTE, RoutesModel.OUTPUT), "many")
    assert ws.route_error.isVisible() and "Type a number" in ws.route_error.text()
    assert not model.setData(route_cell(ws, HAIKU_ROUTE, RoutesModel.CACHED), "120%")
    assert "between 0% and 100%" in ws.route_error.text()
    assert controller.state.value("route", HAIKU_ROUTE, "cached_share") == 0.45

    # Any cell can become a range through the estimate editor (opened without blocking).
    ws.routes_table.setCurrentIndex(route_cell(ws, HAIKU_ROUTE, RoutesModel.INPUT))
    dialog = ws.edit_cell_as_estimate()
    assert dialog is not None and dialog.isVisible()
    dialog.low.setText("7000")
    dialog.high.setText("12000")
    dialog.dist.setCurrentText("pert")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert controller.state.value("route", HAIKU_ROUTE, "input_tokens") == {
        "base": 9000, "low": 7000, "high": 12000, "dist": "pert"}
    assert model.data(route_cell(ws, HAIKU_ROUTE, RoutesModel.INPUT)) == format_estimate(
        Estimate(9000, 7000, 12000, "pert"), "number")

    while controller.undo_stack.canUndo():
        controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert model.data(route_cell(ws, HAIKU_ROUTE, RoutesModel.SHARE)) == "80%"


def test_the_detail_shows_every_input_with_its_note(qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    unit = controller.state.object("unit_model", SUPPORT)
    assert ws.name_edit.text() == unit["name"]
    assert ws.description_edit.toPlainText() == unit["description"]
    assert ws.fields["retry_rate"].line.text() == "3%"
    assert ws.fields["escalation_rate"].line.text() == "2% – 8%"
    assert ws.notes["fixed_monthly"].text() == unit["notes"]["fixed_monthly"]
    assert "$ per million tokens" in ws.labels["embed_price_mtok"].text()

    qtbot.keyClicks(ws.notes["retry_rate"], "Pilot")
    qtbot.keyClick(ws.notes["retry_rate"], Qt.Key.Key_Return)  # stored when the entry is done
    assert controller.state.value("unit_model", SUPPORT, "notes.retry_rate") == "Pilot"
    controller.undo_stack.undo()
    assert controller.state.value("unit_model", SUPPORT, "notes.retry_rate") is None
    assert ws.notes["retry_rate"].text() == ""


def test_linked_opportunities_set_the_volume_in_words(qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    assert controller.results is not None
    volume = next(u.volume_tasks_month for u in controller.results.unit_models if u.id == SUPPORT)
    text = ws.volume_source.text()
    assert f"{volume:,.0f} tasks a month" in text and "set the volume" in text
    assert not ws.fields["volume_tasks_month"].isEnabled()

    ws.add_unit_model()
    assert "No opportunity links this unit model" in ws.volume_source.text()
    assert ws.fields["volume_tasks_month"].isEnabled()


def test_monte_carlo_ranges_show_and_are_marked_stale_while_running(
        qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    controller.wait_for_monte_carlo()
    text = ws.result_labels["mc_cost"].text()
    assert " to " in text and "updating" not in text
    assert "%" in ws.result_labels["mc_margin"].text()

    ws.fields["human_cost_per_escalation"].edited.emit(2.0)
    assert controller.mc_stale
    assert "updating" in ws.result_labels["mc_cost"].text()
    controller.wait_for_monte_carlo()
    assert "updating" not in ws.result_labels["mc_cost"].text()
    assert ws.result_labels["mc_cost"].text() != text


# --- adding and removing ---------------------------------------------------------------


def test_add_and_remove_unit_models_are_undoable(qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    before = numbers(controller.results)
    count = len(controller.state.data["unit_models"])

    qtbot.mouseClick(ws.add_unit_button, Qt.MouseButton.LeftButton)
    assert ws.units_model.rowCount() == count + 1
    new_id = ws.current_id
    assert new_id is not None and ws.name_edit.text() == "New unit model"
    assert ws.units_table.currentIndex().row() == count

    # Removing a unit model an opportunity links also unlinks it, in the same step.
    ws.select_unit_model(SUPPORT)
    assert ws.name_edit.text().startswith("Support copilot")
    ws.units_table.setFocus()
    qtbot.keyClick(ws.units_table, Qt.Key.Key_Delete)
    assert SUPPORT not in ws.units_model.ids
    assert all(o.get("unit_model_id") != SUPPORT for o in controller.state.data["opportunities"])
    assert controller.results is not None  # the plan stays valid

    controller.undo_stack.undo()
    assert SUPPORT in ws.units_model.ids
    assert controller.state.value("opportunity", "opp-support-copilot", "unit_model_id") == SUPPORT
    controller.undo_stack.undo()
    assert new_id not in ws.units_model.ids
    assert numbers(controller.results) == before


def test_add_and_remove_routes_are_undoable(qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    before = numbers(controller.results)
    qtbot.mouseClick(ws.add_route_button, Qt.MouseButton.LeftButton)
    assert ws.routes_model.rowCount() == 3
    new_route = ws.routes_model.ids[-1]
    assert controller.state.value("route", new_route, "share") == 0  # the others already total 100%
    assert controller.results is not None

    ws.select_route(HAIKU_ROUTE)
    ws.routes_table.setFocus()
    qtbot.keyClick(ws.routes_table, Qt.Key.Key_Delete)
    assert HAIKU_ROUTE not in ws.routes_model.ids
    assert controller.results is None and "20%" in ws.share_total.text()

    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert ws.routes_model.ids == [HAIKU_ROUTE, "route-copilot-sonnet"]
    assert numbers(controller.results) == before


# --- the catalog picker ------------------------------------------------------------------


def test_choosing_a_catalog_model_copies_prices_and_notes_in_one_undo_step(
        qtbot: QtBot, controller: ProjectController,
        ws: UnitEconomicsWorkspace) -> None:
    before = numbers(controller.results)
    route_before = copy.deepcopy(controller.state.object("route", HAIKU_ROUTE))
    ws.select_route(HAIKU_ROUTE, RoutesModel.SHARE)

    qtbot.mouseClick(ws.choose_model_button, Qt.MouseButton.LeftButton)
    picker = ws.picker
    assert picker is not None and picker.isVisible()  # open, not exec: nothing blocks
    assert picker.chosen() is not None and picker.chosen().model_id == "claude-haiku-5-5"  # type: ignore[union-attr]
    picker.search.clear()
    qtbot.keyClicks(picker.search, "gpt-4o-mini")
    picker.provider.setCurrentIndex(picker.provider.findData("openai"))
    assert all(m.provider_id == "openai" for m in picker.model.rows)
    picker.select_row(0)
    chosen = picker.chosen()
    assert chosen is not None and chosen.model_id == "gpt-4o-mini"
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # Enter picks
    assert not picker.isVisible()

    route = controller.state.object("route", HAIKU_ROUTE)
    for name, value in catalog.route_prices(chosen).items():
        assert route[name] == value
    for name, note in catalog.price_notes(chosen).items():
        assert route["notes"][name] == note
    assert route["notes"]["input_tokens"] == route_before["notes"]["input_tokens"]  # other notes kept
    assert route["share"] == route_before["share"] and route["input_tokens"] == 9000
    assert controller.undo_stack.count() == 1
    assert ws.routes_model.data(route_cell(ws, HAIKU_ROUTE, RoutesModel.MODEL)) == "gpt-4o-mini"
    assert numbers(controller.results) != before

    # Catalog prices stay editable as custom prices.
    assert ws.routes_model.setData(route_cell(ws, HAIKU_ROUTE, RoutesModel.PRICE_IN), "0.12")
    assert controller.state.value("route", HAIKU_ROUTE, "price_in_mtok") == 0.12

    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert controller.state.object("route", HAIKU_ROUTE) == route_before
    assert numbers(controller.results) == before


def test_picker_filters_as_you_type_by_provider_and_shows_the_catalog_date(qtbot: QtBot) -> None:
    picker = CatalogPicker(current=("anthropic", "claude-haiku-5-5"), text="claude-haiku-5-5")
    qtbot.addWidget(picker)
    assert picker.chosen() is not None and picker.chosen().provider_id == "anthropic"  # type: ignore[union-attr]
    picker.search.clear()
    everything = picker.model.rowCount()
    qtbot.keyClicks(picker.search, "haiku")
    some = picker.model.rowCount()
    assert 0 < some < everything
    assert all("haiku" in (m.model_id + m.model_name).lower() for m in picker.model.rows)
    picker.provider.setCurrentIndex(picker.provider.findData("anthropic"))
    assert 0 < picker.model.rowCount() < some
    assert f"{picker.model.rowCount()} models" in picker.count.text()
    assert catalog.catalog_date() in picker.source.text()
    qtbot.keyClicks(picker.search, " no-such-model-xyz")
    assert picker.model.rowCount() == 0 and "No model matches" in picker.count.text()
    picker.show()
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # nothing to choose: Enter keeps the dialog open
    assert picker.isVisible() and picker.chosen() is None
    picker.reject()


def test_picking_with_no_routes_adds_a_route_with_the_whole_share(qtbot: QtBot) -> None:
    document = ProjectDocument.new()
    controller = ProjectController(ProjectState(document))
    try:
        ws = make_workspace(qtbot, controller)
        assert ws.empty.isVisible() and not ws.routes_box.isVisible()  # an empty project renders
        assert not ws.remove_unit_button.isEnabled()
        qtbot.mouseClick(ws.add_unit_button, Qt.MouseButton.LeftButton)
        assert ws.routes_box.isVisible() and "No routes yet" in ws.share_total.text()

        picker = ws.choose_model()
        picker.search.setText("gpt-4o-mini")
        picker.provider.setCurrentIndex(picker.provider.findData("openai"))
        picker.table.doubleClicked.emit(picker.model.index(0, CatalogTableModel.MODEL))  # double-click picks
        assert ws.routes_model.rowCount() == 1
        route_id = ws.routes_model.ids[0]
        assert controller.state.value("route", route_id, "share") == 1
        assert controller.state.value("route", route_id, "model") == "gpt-4o-mini"
        assert "100%" in ws.share_total.text()
        assert controller.results is not None
        assert unit_result(controller, str(ws.current_id))["llm_cost_per_task"] == 0  # no tokens yet

        controller.undo_stack.undo()
        assert ws.routes_model.rowCount() == 0
        controller.undo_stack.undo()
        assert ws.units_model.rowCount() == 0 and ws.empty.isVisible()
    finally:
        ws.close()
        controller.wait_for_monte_carlo()
        document.close()


# --- item models -------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["units", "routes", "catalog"])
def test_item_models_pass_the_model_tester(qtbot: QtBot, qtmodeltester: Any,
                                           controller: ProjectController, which: str) -> None:
    if which == "units":
        qtmodeltester.check(UnitModelsModel(controller))
    elif which == "routes":
        model = RoutesModel(controller)
        model.set_unit_model(SUPPORT)
        assert model.rowCount() == 2
        qtmodeltester.check(model)
    else:
        model = CatalogTableModel()
        model.set_rows(catalog.search("claude")[:20])
        qtmodeltester.check(model)
