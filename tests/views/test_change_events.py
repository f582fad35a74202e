"""Pages refresh only what a change touches: hidden pages catch up when shown, prose leaves
the results alone, and adding or removing an opportunity moves one row of the list."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.document import ProjectDocument
from models.changes import Change, moves_results
from views.main_window import MainWindow
from views.portfolio_view import PortfolioModel


@pytest.fixture
def window(qtbot: Any, sample_json: dict[str, Any]) -> Any:
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    win = MainWindow(ProjectDocument.from_data(data))
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    yield win
    assert win.controller is not None
    win.controller.undo_stack.setClean()
    win.controller.wait_for_monte_carlo()


def _portfolio_enpv_text(window: Any, opportunity_id: str) -> str:
    page = window.workspace("Portfolio")
    model = page.model
    row = next(i for i, r in enumerate(model.rows) if r["id"] == opportunity_id)
    return str(model.index(row, PortfolioModel.ENPV).data())


def test_the_rule_of_what_moves_results() -> None:
    assert moves_results("opportunity", "eligible_users")
    assert moves_results("opportunity", "name")  # results carry names (charts, tables)
    assert moves_results("project", "discount_rate")
    assert moves_results("option", "")  # an option added or removed
    assert not moves_results("opportunity", "description")
    assert not moves_results("opportunity", "status")
    assert not moves_results("opportunity", "notes.eligible_users")
    assert not moves_results("memo", "body")
    assert not moves_results("log", "")
    assert Change("*").moves_results


def test_a_hidden_page_catches_up_once_when_shown(window: Any, qtbot: Any) -> None:
    controller = window.controller
    portfolio = window.workspace("Portfolio")  # built, then hidden
    opportunities = window.workspace("Opportunities")
    resets: list[int] = []
    portfolio.model.modelReset.connect(lambda: resets.append(1))
    oid = opportunities.current_id
    before = _enpv(controller, oid)

    field = opportunities.fields["eligible_users"].line
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "250000")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert _enpv(controller, oid) != before
    assert resets == []  # the hidden Portfolio did not redraw for an edit it does not show

    window.sidebar.setCurrentRow(0)  # Ctrl+1, as a user goes back to the Portfolio
    assert resets  # caught up on being shown
    shown = str(portfolio.model.index(
        next(i for i, r in enumerate(portfolio.model.rows) if r["id"] == oid),
        PortfolioModel.ENPV).data())
    from app.formatting import money

    assert shown == money(_enpv(controller, oid), "USD", short=True)


def _enpv(controller: Any, oid: str) -> float:
    return next(r.enpv for r in controller.results.opportunities if r.id == oid)


def test_prose_leaves_results_and_monte_carlo_alone(window: Any) -> None:
    controller = window.controller
    controller.wait_for_monte_carlo()
    results, mc = controller.results, controller.mc_results
    memo = controller.state.data["memo"][0]["id"]
    controller.set_value("memo", memo, "body", "A new paragraph the PM wrote.")
    oid = controller.state.data["opportunities"][0]["id"]
    controller.set_value("opportunity", oid, "description", "What it does, in a sentence.")
    assert controller.results is results  # not recalculated
    assert controller.mc_results is mc and not controller.mc_stale  # no new run started
    controller.set_value("opportunity", oid, "eligible_users", 1234)
    assert controller.results is not results
    assert controller.mc_stale


def test_a_status_change_shows_in_the_portfolio(window: Any) -> None:
    controller = window.controller
    portfolio = window.workspace("Portfolio")
    oid = controller.state.data["opportunities"][0]["id"]
    controller.set_value("opportunity", oid, "status", "paused")
    row = next(i for i, r in enumerate(portfolio.model.rows) if r["id"] == oid)
    assert portfolio.model.index(row, PortfolioModel.STATUS).data() == "paused"


def test_adding_and_removing_moves_one_row_and_keeps_the_list_in_place(window: Any) -> None:
    controller = window.controller
    page = window.workspace("Opportunities")
    model = page.model
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsInserted.connect(lambda _p, first, last: events.append(f"inserted {first}-{last}"))
    model.rowsRemoved.connect(lambda _p, first, last: events.append(f"removed {first}-{last}"))
    count = model.rowCount()

    page.add_button.click()
    assert events == [f"inserted {count}-{count}"]
    assert model.rowCount() == count + 1
    assert page.table.selectionModel().selectedRows()[0].row() == count  # the new one, selected

    events.clear()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert events == [f"removed {count}-{count}"]
    assert model.ids == [o["id"] for o in controller.state.data["opportunities"]]

    events.clear()
    second = model.ids[1]
    page.current_id = second
    page.remove_current()
    assert events == ["removed 1-1"]
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert events == ["removed 1-1", "inserted 1-1"]
    assert model.ids[1] == second
