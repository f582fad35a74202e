"""Pages that read whole objects follow the scenario on screen: Plan Settings shows the
scenario's budget, Build / partner / buy the scenario's option values."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.edits import override_field
from views.estimate_field import OVERRIDDEN_TINT
from views.main_window import MainWindow
from views.plan_settings import PlanSettingsDialog


def test_plan_settings_shows_the_budget_of_the_scenario_on_screen(window: MainWindow, qtbot: Any) -> None:
    controller = window.controller
    assert controller is not None
    controller.switch_scenario("scn-downside")
    assert controller.set_value("scenario", "scn-downside", override_field("project", "", "budget"), 600000)
    dialog = PlanSettingsDialog(controller, window)
    qtbot.addWidget(dialog)
    assert dialog.text("budget").replace("\u202f", "").replace(",", "") == "600000"
    controller.switch_scenario(None)
    base = PlanSettingsDialog(controller, window)
    qtbot.addWidget(base)
    assert base.text("budget").replace("\u202f", "").replace(",", "") == "900000"


def test_option_values_follow_the_scenario(window: MainWindow) -> None:
    controller = window.controller
    assert controller is not None
    ws: Any = window.workspace("Build / partner / buy")
    ws.select_decision("dec-copilot")
    grid = ws.grid_model
    row = [o["id"] for o in grid.options()].index("opt-copilot-partner")

    def launch() -> str:
        return str(grid.index(row, grid.LAUNCH).data(Qt.ItemDataRole.DisplayRole))

    assert launch() == "4"
    controller.switch_scenario("scn-upside")  # Upside launches the partner option a month sooner
    assert launch() == "3"
    controller.switch_scenario(None)
    assert launch() == "4"


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")  # the menu, offscreen
def test_route_prices_a_scenario_overrides_are_tinted_and_reset_from_the_menu(window: MainWindow,
                                                                             qtbot: Any) -> None:
    controller = window.controller
    assert controller is not None
    ws: Any = window.workspace("Unit economics")
    model = ws.routes_model
    model.set_unit_model("um-support-copilot")
    row = model.ids.index("route-copilot-sonnet")
    price = model.index(row, model.PRICE_IN)
    assert price.data(Qt.ItemDataRole.BackgroundRole) is None  # the base: nothing marked
    controller.switch_scenario("scn-downside")  # the vendor raises this price 30%
    assert price.data(Qt.ItemDataRole.DisplayRole) == "2.60"
    assert price.data(Qt.ItemDataRole.BackgroundRole).color().name() == OVERRIDDEN_TINT
    assert "Downside overrides this; the base is 2.00" in price.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(row, model.SHARE).data(Qt.ItemDataRole.BackgroundRole) is None
    ws.show()
    qtbot.waitExposed(ws)
    ws._route_menu(ws.routes_table.visualRect(price).center())
    ws.route_menu.actions()[0].trigger()
    assert price.data(Qt.ItemDataRole.DisplayRole) == "2.00"
    assert controller.state.override_value("route", "route-copilot-sonnet", "price_in_mtok") is None
    controller.undo_stack.undo()
    assert price.data(Qt.ItemDataRole.DisplayRole) == "2.60"
