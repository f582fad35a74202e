"""Check prices in a real window: the dialog lists the route whose catalog price moved and what it
would change, nothing moves until Apply, Apply is one step and Ctrl+Z gives the plan back."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from app.document import ProjectDocument
from app.interchange import dumps
from views.main_window import MainWindow
from views.reprice_dialog import RepriceDialog

CTRL = Qt.KeyboardModifier.ControlModifier


def test_nothing_moves_until_apply_and_one_undo_takes_it_back(
        show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> None:
    data = copy.deepcopy(sample_json)
    data["project"]["mc_samples"] = 2000
    route = data["unit_models"][0]["routes"][0]
    assert route["provider"]
    route["price_out_mtok"] += 2.0  # as saved with an older catalog
    route["price_date"] = "2026-01-15"
    win: MainWindow = show_window(ProjectDocument.from_data(data))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    assert win.controller is not None
    QTest.keyClick(win, Qt.Key.Key_4, CTRL)
    ws: Any = win.workspace("Unit economics")
    before_json = dumps(win.controller.state.data)
    before_total = win.controller.results.portfolio.total_enpv  # type: ignore[union-attr]
    QTest.mouseClick(ws.check_prices_button, Qt.MouseButton.LeftButton)
    dialog: RepriceDialog = ws.reprice_dialog
    assert dialog.isVisible()
    states = [dialog.routes.item(r, 3).text() for r in range(dialog.routes.rowCount())]
    assert states.count("new prices") == 1
    row = states.index("new prices")
    assert "→" in dialog.routes.item(row, 5).text() and dialog.routes.item(row, 2).text() == "2026-01-15"
    summary = dialog.findChild(QLabel, "repriceSummary")
    assert summary is not None and "1 route has new prices" in summary.text()
    assert dialog.effects.rowCount() > 0  # the copilot's cost per task, margin, NPV and eNPV
    assert dumps(win.controller.state.data) == before_json  # listing changes nothing
    QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    after = next(r for u in win.controller.state.data["unit_models"] for r in u["routes"]
                 if r["id"] == route["id"])
    assert after["price_out_mtok"] == route["price_out_mtok"] - 2.0 and after["price_date"] != "2026-01-15"
    assert win.controller.results.portfolio.total_enpv > before_total  # type: ignore[union-attr]
    QTest.keyClick(win, Qt.Key.Key_Z, CTRL)  # one step: every price and date back
    assert dumps(win.controller.state.data) == before_json


def test_prices_older_than_ninety_days_are_said_with_a_way_to_check_them(
        show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> None:
    data = copy.deepcopy(sample_json)
    data["project"]["mc_samples"] = 2000
    data["unit_models"][0]["routes"][0]["price_date"] = "2026-01-15"
    win: MainWindow = show_window(ProjectDocument.from_data(data))
    qtbot.waitUntil(lambda: "old_prices" in win.messages.keys(), timeout=10_000)
    assert win.messages.text("old_prices").startswith(
        "1 route uses catalog prices more than 90 days older than the bundled catalog (")
    win.check_prices()
    ws: Any = win.workspace("Unit economics")
    assert ws.isVisible() and ws.reprice_dialog.isVisible()
    ws.reprice_dialog.close()


def test_current_prices_are_not_flagged(window: MainWindow, qtbot: Any) -> None:
    qtbot.wait(1800)  # past the moment the check runs
    assert "old_prices" not in window.messages.keys()
