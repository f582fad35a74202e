"""Launch readiness in a real window (docs/formulas.md 3.10): targets typed key by key, the plan's
own value following an edit of the unit model, the checklist, and a gate decision that writes the
decision log and goes back with one undo."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTableWidget

from app.document import ProjectDocument
from models.kpis import METRICS
from tests.views.conftest import type_in_table_cell
from views.launch_view import GateDialog, LaunchWorkspace
from views.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
COPILOT, COPILOT_UNIT = "opp-support-copilot", "um-support-copilot"


@pytest.fixture
def win(show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> MainWindow:
    data = copy.deepcopy(sample_json)
    data["project"]["mc_samples"] = 2000
    for o in data["opportunities"]:  # every test builds its own gates
        o.pop("kpis", None), o.pop("launch_checklist", None), o.pop("gate", None)
    window: MainWindow = show_window(ProjectDocument.from_data(data))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def page(win: MainWindow) -> LaunchWorkspace:
    QTest.keyClick(win, Qt.Key.Key_7, CTRL)
    ws = win.workspace("Launch readiness")
    assert isinstance(ws, LaunchWorkspace) and ws.isVisible()
    ws.select_opportunity(COPILOT)
    return ws


def edit_cell(table: QTableWidget, row: int, column: int, text: str) -> None:
    type_in_table_cell(table, row, column, text)
    QApplication.processEvents()


def kpis_of(win: MainWindow) -> list[dict[str, Any]]:
    assert win.controller is not None
    o = next(o for o in win.controller.state.data["opportunities"] if o["id"] == COPILOT)
    return list(o.get("kpis") or [])


def test_a_cost_target_shows_the_plans_value_and_follows_the_unit_model(win: MainWindow) -> None:
    ws = page(win)
    ws.add_kpi("cost_per_task")
    assert [k["metric"] for k in kpis_of(win)] == ["cost_per_task"]
    assert ws.kpis.item(0, ws.K_METRIC).text() == METRICS["cost_per_task"].label
    edit_cell(ws.kpis, 0, ws.K_TARGET, "0.05")
    assert kpis_of(win)[0]["target"] == 0.05
    assert win.controller is not None
    cost = next(k for r in win.controller.results.opportunities if r.id == COPILOT  # type: ignore[union-attr]
                for k in r.kpis)
    assert cost.planned is not None and cost.planned > 0.05 and cost.plan_meets is False
    assert ws.kpis.item(0, ws.K_PLAN).text().endswith("(misses the target)")
    assert "the gate is at most $0.0500" in ws.plan_words.text()
    assert ws.conflicts.isVisible() and "Support copilot" in ws.conflicts.text()
    # A cheaper route moves the plan's value at once: the target is now met by the plan.
    route = next(u for u in win.controller.state.data["unit_models"] if u["id"] == COPILOT_UNIT)["routes"][0]
    for field in ("price_in_mtok", "price_out_mtok", "price_cached_in_mtok"):
        win.controller.set_value("route", route["id"], field, 0.0)
    after = next(k for r in win.controller.results.opportunities if r.id == COPILOT  # type: ignore[union-attr]
                 for k in r.kpis)
    assert after.planned is not None and after.planned < cost.planned
    # Ctrl+Z three times puts the prices back, and the plan's value with them.
    for _ in range(3):
        QTest.keyClick(win, Qt.Key.Key_Z, CTRL)
    back = next(k for r in win.controller.results.opportunities if r.id == COPILOT  # type: ignore[union-attr]
                for k in r.kpis)
    assert back.planned == cost.planned


def test_a_measurement_typed_sets_the_status_and_a_bad_entry_stores_nothing(win: MainWindow) -> None:
    ws = page(win)
    ws.add_kpi("latency_p95_s")
    edit_cell(ws.kpis, 0, ws.K_TARGET, "3")
    assert ws.kpis.item(0, ws.K_STATUS).text() == "not measured"
    edit_cell(ws.kpis, 0, ws.K_MEASURED, "3.4")
    assert kpis_of(win)[0]["measured"] == 3.4
    assert ws.kpis.item(0, ws.K_STATUS).text() == "not met"
    edit_cell(ws.kpis, 0, ws.K_MEASURED, "abc")
    assert kpis_of(win)[0]["measured"] == 3.4  # nothing stored
    assert ws.message.isVisible() and "not stored" in ws.message.text()
    edit_cell(ws.kpis, 0, ws.K_MEASURED, "2.8")
    assert ws.kpis.item(0, ws.K_STATUS).text() == "met"
    gates = ws.gates
    row = next(r for r in range(gates.rowCount())
               if gates.item(r, 0).data(Qt.ItemDataRole.UserRole) == COPILOT)
    assert gates.item(row, ws.G_STATUS).text() == "Ready to launch"


def test_a_gate_decision_writes_the_log_and_one_undo_takes_both_back(
        win: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = page(win)
    ws.add_default_checklist()
    assert ws.checklist.rowCount() == 7
    assert win.controller is not None
    log_before = copy.deepcopy(win.controller.state.data["decision_log"])

    def decide(dialog: GateDialog) -> int:
        dialog.decision.setCurrentIndex(dialog.decision.findData("conditional"))
        QTest.keyClicks(dialog.approvers, "VP Support; CISO")
        QTest.keyClicks(dialog.conditions, "Red-team review done first")
        return 1

    monkeypatch.setattr(GateDialog, "exec", decide)
    ws.record_gate()
    log = win.controller.state.data["decision_log"]
    assert len(log) == len(log_before) + 1
    o = next(o for o in win.controller.state.data["opportunities"] if o["id"] == COPILOT)
    assert o["gate"]["decision"] == "conditional" and o["gate"]["approvers"] == "VP Support; CISO"
    assert o["gate"]["log_entry_id"] in {e["id"] for e in log}
    assert ws.gate_words.text().startswith("Approved with conditions on")
    QTest.keyClick(win, Qt.Key.Key_Z, CTRL)
    assert win.controller.state.data["decision_log"] == log_before
    o = next(o for o in win.controller.state.data["opportunities"] if o["id"] == COPILOT)
    assert not o.get("gate")
    assert ws.gate_words.text() == "No gate decision yet."


def test_the_portfolio_shows_each_opportunitys_launch_gate(win: MainWindow) -> None:
    ws = page(win)
    ws.add_kpi("availability")
    edit_cell(ws.kpis, 0, ws.K_TARGET, "99%")
    QTest.keyClick(win, Qt.Key.Key_1, CTRL)
    portfolio: Any = win.workspace("Portfolio")
    model = portfolio.model
    row = next(i for i, r in enumerate(model.rows) if r["id"] == COPILOT)
    assert model.data(model.index(row, model.LAUNCH)) == "not ready"
    other = next(i for i, r in enumerate(model.rows) if r["id"] != COPILOT)
    assert model.data(model.index(other, model.LAUNCH)) == "—"


def test_an_adoption_target_follows_the_opportunity_typed_in_its_own_workspace(win: MainWindow) -> None:
    ws = page(win)
    ws.add_kpi("adoption_rate")
    edit_cell(ws.kpis, 0, ws.K_TARGET, "80%")
    assert kpis_of(win)[0]["target"] == 0.8
    assert ws.kpis.item(0, ws.K_PLAN).text().startswith("75%")  # the copilot's adoption base
    assert ws.kpis.item(0, ws.K_PLAN).text().endswith("(misses the target)")
    # Typed in the Opportunities workspace, key by key, as a PM does: a range above the old
    # base, so its base becomes the midpoint (a range, as the correlation it is in needs).
    QTest.keyClick(win, Qt.Key.Key_2, CTRL)
    opportunities: Any = win.workspace("Opportunities")
    opportunities.table.selectRow(opportunities.model.row_of(COPILOT))
    field = opportunities.fields["adoption_target"]
    field.line.setFocus()
    field.line.selectAll()
    QTest.keyClicks(field.line, "80% - 90%")
    QTest.keyClick(field.line, Qt.Key.Key_Return)
    QTest.keyClick(win, Qt.Key.Key_7, CTRL)
    assert ws.kpis.item(0, ws.K_PLAN).text() == "85%"
    assert "gate is at least 80%" in ws.plan_words.text()
