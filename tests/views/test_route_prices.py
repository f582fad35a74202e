"""A route's prices in the Unit economics table, as a PM edits them: a typed price becomes an estimate,
Batch and the cache writes' lifetime re-price a catalog route, and each is one undo step."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.reprice import reprice
from tests.views.conftest import numbers
from tests.views.test_unit_economics_view import HAIKU_ROUTE, make_workspace
from views.controller import ProjectController
from views.unit_economics_view import RoutesModel, UnitEconomicsWorkspace

SONNET_ROUTE = "route-copilot-sonnet"


def _type(qtbot: QtBot, ws: UnitEconomicsWorkspace, route_id: str, column: int, text: str) -> None:
    """Select the cell, F2, replace its text key by key and press Enter (the table stores it once
    the editor has closed)."""
    table = ws.routes_table
    table.setFocus()
    table.setCurrentIndex(ws.routes_model.index(ws.routes_model.ids.index(route_id), column))
    QTest.keyClick(table, Qt.Key.Key_F2)
    [editor] = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    editor.selectAll()
    QTest.keyClick(editor, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)
    qtbot.wait(20)


def _shown(ws: UnitEconomicsWorkspace, route_id: str, column: int) -> Any:
    return ws.routes_model.index(ws.routes_model.ids.index(route_id), column).data()


def test_a_price_typed_over_the_catalogs_becomes_an_estimate_that_re_pricing_leaves_alone(
        qtbot: QtBot, controller: ProjectController) -> None:
    ws = make_workspace(qtbot, controller)
    before = numbers(controller.results)
    assert _shown(ws, HAIKU_ROUTE, RoutesModel.PRICES).startswith("catalog ")
    _type(qtbot, ws, HAIKU_ROUTE, RoutesModel.PRICE_OUT, "0.8")
    route = controller.state.object("route", HAIKU_ROUTE)
    assert route["price_out_mtok"] == 0.8 and route["price_source"] == "manual"
    assert _shown(ws, HAIKU_ROUTE, RoutesModel.PRICES) == "estimated"
    assert "your estimate" in ws.route_error.text()
    assert numbers(controller.results) != before
    found = reprice(controller.state.data)
    assert HAIKU_ROUTE not in [r.route_id for r in found.routes] and found.manual == 1

    controller.undo_stack.undo()  # the price and its source go back in one step
    route = controller.state.object("route", HAIKU_ROUTE)
    assert route["price_out_mtok"] == 0.5 and route["price_source"] == "catalog"
    assert _shown(ws, HAIKU_ROUTE, RoutesModel.PRICES).startswith("catalog ")
    assert numbers(controller.results) == before
    ws.close()


def test_batch_and_the_cache_writes_lifetime_take_the_catalogs_prices_in_one_step(
        qtbot: QtBot, controller: ProjectController) -> None:
    ws = make_workspace(qtbot, controller)
    before = numbers(controller.results)
    table = ws.routes_table
    table.setFocus()
    table.setCurrentIndex(ws.routes_model.index(ws.routes_model.ids.index(SONNET_ROUTE), RoutesModel.BATCH))
    QTest.keyClick(table, Qt.Key.Key_Space)  # tick Batch
    route = controller.state.object("route", SONNET_ROUTE)
    # anthropic/claude-sonnet-5-5's batch prices in the catalog: $1 in, $5 out, $0.05 reads, $1.25 writes.
    assert route["batch"] is True
    assert [route[f] for f in ("price_in_mtok", "price_out_mtok", "price_cached_in_mtok",
                               "price_cache_write_mtok")] == [1, 5, 0.05, 1.25]
    assert _shown(ws, SONNET_ROUTE, RoutesModel.PRICES).endswith(", batch")
    assert numbers(controller.results) != before

    _type(qtbot, ws, SONNET_ROUTE, RoutesModel.TTL, "1h")
    assert controller.state.object("route", SONNET_ROUTE)["price_cache_write_mtok"] == 2  # batch, 1 hour
    _type(qtbot, ws, SONNET_ROUTE, RoutesModel.TTL, "2h")
    assert "type 5m" in ws.route_error.text()
    assert controller.state.object("route", SONNET_ROUTE)["cache_ttl"] == "1h"

    controller.undo_stack.undo()
    controller.undo_stack.undo()
    route = controller.state.object("route", SONNET_ROUTE)
    assert (route["batch"], route["cache_ttl"], route["price_in_mtok"]) == (False, "5m", 2)
    assert numbers(controller.results) == before

    ws.close()
