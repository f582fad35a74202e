"""Scenarios in a real window: switching shows a scenario's numbers everywhere, typing a number
stores the scenario's override, one click resets it, and the Scenarios page compares every plan
exactly as the engine calculates it (docs/formulas.md 3.7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTableWidget

from app.document import ProjectDocument
from app.edits import SetField
from models.scenarios import calculate_scenarios, probabilities, scenario_from_json, weighted_enpv
from views import dialogs
from views.estimate_field import OVERRIDDEN_STYLE, EstimateField
from views.main_window import MainWindow
from views.number_display import money, money_range, percent

CTRL = Qt.KeyboardModifier.ControlModifier
#: The switcher's list is a popup: the offscreen platform cannot grab the keyboard for it and says
#: so, though the keys reach it all the same.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
COPILOT = "opp-support-copilot"
SEARCH = "opp-knowledge-search"


def expected(win: MainWindow, monte_carlo: bool = False) -> dict[str, Any]:
    assert win.controller is not None
    data = win.controller.state.data
    return calculate_scenarios(data, [scenario_from_json(s) for s in data["scenarios"]],
                               monte_carlo=monte_carlo, with_tornado=False)


def opportunity_field(win: MainWindow, name: str, opportunity: str = COPILOT) -> EstimateField:
    ws: Any = win.workspace("Opportunities")
    ws.table.selectRow(ws.model.row_of(opportunity))
    assert ws.current_id == opportunity
    return ws.fields[name]  # type: ignore[no-any-return]


def type_into(field: EstimateField, text: str) -> None:
    field.line.setFocus()
    field.line.selectAll()
    QTest.keyClicks(field.line, text)
    QTest.keyClick(field.line, Qt.Key.Key_Return)


def switch_by_keyboard(win: MainWindow, steps: int) -> None:
    """Ctrl+Alt+S opens the switcher's list; arrow keys and Enter choose, as a user would."""
    QTest.keyClick(win, Qt.Key.Key_S, CTRL | Qt.KeyboardModifier.AltModifier)
    combo = win.scenario_bar.combo
    assert combo.view().isVisible()
    listing = QApplication.focusWidget()
    assert listing is combo.view()
    for _ in range(abs(steps)):
        QTest.keyClick(listing, Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up)
    QTest.keyClick(listing, Qt.Key.Key_Return)
    assert not combo.view().isVisible()


def test_switching_to_a_scenario_shows_its_values_marked_and_its_results(window: MainWindow) -> None:
    field = opportunity_field(window, "adoption_target")
    assert field.line.text() == "55% – 90%" and not field.reset.isVisibleTo(window)
    assert window.scenario_bar.combo.toolTip().endswith("(Ctrl+Alt+S)")
    switch_by_keyboard(window, 1)
    assert window.controller is not None and window.controller.state.active_scenario == "scn-downside"
    assert "— Downside —" in window.windowTitle()
    assert window.scenario_strip.isVisibleTo(window) and "Downside" in window.scenario_strip.text.text()
    assert field.line.text() == "40% – 80%"
    assert field.reset.isVisibleTo(window) and field.line.styleSheet() == OVERRIDDEN_STYLE
    assert field.reset.toolTip().startswith("Downside overrides this; the base is 55% – 90%.")
    # The results on screen are the scenario's, to the cent.
    total = window.controller.results.portfolio.total_enpv
    assert round(total, 2) == round(expected(window)["Downside"].portfolio.total_enpv, 2)
    summary = window.workspace("Portfolio").summary.text()  # type: ignore[attr-defined]
    assert summary.startswith(f"Total risk-adjusted NPV {money(total, 'USD', short=True)}.")
    # Not overridden: no mark.
    assert not opportunity_field(window, "eligible_users").reset.isVisibleTo(window)
    # Back to the base: every mark goes.
    switch_by_keyboard(window, -1)
    assert window.controller.state.active_scenario is None
    assert not window.scenario_strip.isVisibleTo(window) and "Downside" not in window.windowTitle()
    assert opportunity_field(window, "adoption_target").line.text() == "55% – 90%"


def test_typing_while_a_scenario_is_shown_stores_its_override_in_the_file_and_ctrl_z_removes_it(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = window.controller
    assert c is not None
    field = opportunity_field(window, "eligible_users")
    base = c.state.base_value("opportunity", COPILOT, "eligible_users")
    switch_by_keyboard(window, 1)
    type_into(field, "500")
    assert c.state.base_value("opportunity", COPILOT, "eligible_users") == base == 420
    downside = c.state.base_object("scenario", "scn-downside")
    added = {"kind": "opportunity", "id": COPILOT, "field": "eligible_users", "value": 500}
    assert added in downside["overrides"]
    assert c.undo_stack.undoText() == "Downside: eligible users"
    assert field.line.text() == "500" and field.reset.isVisibleTo(window)
    # Saved to a real file: the override is in it, the base is not touched.
    target = tmp_path / "plan.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *_a, **_k: target)
    assert window.save_as()
    with ProjectDocument.open_copy(target) as saved:
        data = saved.to_json()
    scenario = next(s for s in data["scenarios"] if s["id"] == "scn-downside")
    assert added in scenario["overrides"]
    assert next(o for o in data["opportunities"] if o["id"] == COPILOT)["eligible_users"] == 420
    # Ctrl+Z in the field: the override is gone, the field shows the base again, unmarked.
    QTest.keyClick(field.line, Qt.Key.Key_Z, CTRL)
    assert not any(o["field"] == "eligible_users" and o["id"] == COPILOT
                   for o in c.state.base_object("scenario", "scn-downside")["overrides"])
    assert field.line.text() == "420" and not field.reset.isVisibleTo(window)


def test_names_typed_while_a_scenario_is_shown_change_the_base_and_say_so(window: MainWindow) -> None:
    c = window.controller
    assert c is not None
    said: list[str] = []
    c.status.connect(said.append)
    switch_by_keyboard(window, 1)
    ws: Any = window.workspace("Opportunities")
    ws.table.selectRow(ws.model.row_of(COPILOT))
    ws.name_edit.setFocus()
    ws.name_edit.selectAll()
    QTest.keyClicks(ws.name_edit, "Agent assist")
    QTest.keyClick(ws.name_edit, Qt.Key.Key_Return)
    assert c.state.base_value("opportunity", COPILOT, "name") == "Agent assist"
    assert said == ["Names and links are shared by every scenario: that change was made to the base plan "
                    "and every scenario shows it."]


def test_the_reset_button_removes_one_override_and_undo_brings_it_back(window: MainWindow,
                                                                       qtbot: Any) -> None:
    c = window.controller
    assert c is not None
    field = opportunity_field(window, "adoption_target")
    switch_by_keyboard(window, 1)
    before = c.results.portfolio.total_enpv
    qtbot.mouseClick(field.reset, Qt.MouseButton.LeftButton)
    assert c.state.override_value("opportunity", COPILOT, "adoption_target") is None
    assert field.line.text() == "55% – 90%" and not field.reset.isVisibleTo(window)
    assert c.undo_stack.undoText() == "Downside: reset adoption target to the base"
    assert c.results.portfolio.total_enpv == pytest.approx(expected(window)["Downside"].portfolio.total_enpv,
                                                           abs=0.005)
    assert c.results.portfolio.total_enpv != before
    c.undo_stack.undo()
    assert field.line.text() == "40% – 80%" and field.reset.isVisibleTo(window)
    assert round(c.results.portfolio.total_enpv, 2) == round(before, 2)


def test_editing_the_base_moves_only_the_scenarios_that_do_not_override_the_field(window: MainWindow) -> None:
    c = window.controller
    assert c is not None
    page: Any = window.workspace("Scenarios")
    before = {name: r.portfolio.total_enpv for name, r in c.scenario_results().items()}
    field = opportunity_field(window, "adoption_target", SEARCH)  # Downside overrides it, Upside does not
    type_into(field, "50% - 80%")
    after = {name: r.portfolio.total_enpv for name, r in c.scenario_results().items()}
    assert after["Downside"] == before["Downside"]
    assert after["Upside"] != before["Upside"] and after["Base"] != before["Base"]
    assert after == {n: r.portfolio.total_enpv for n, r in expected(window).items()}
    window.workspace("Scenarios")
    table: QTableWidget = page.comparison
    assert [table.item(0, col).text() for col in range(3)] == [money(after[n], "USD") for n in after]


def test_the_comparison_shows_every_plan_as_the_engine_calculates_it_with_the_weighted_total(
        window: MainWindow, qtbot: Any) -> None:
    c = window.controller
    assert c is not None
    page: Any = window.workspace("Scenarios")
    table: QTableWidget = page.comparison
    assert [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())] == \
        ["Base", "Downside", "Upside"]
    deterministic = expected(window)
    for column, r in enumerate(deterministic.values()):
        assert table.item(0, column).text() == money(r.portfolio.total_enpv, "USD")
        names = {o.id: o.name for o in r.opportunities}
        assert table.item(1, column).text() == ", ".join(names[i] for i in r.portfolio.selected)
        assert table.item(2, column).text() == money(r.portfolio.selected_enpv, "USD")
    assert table.item(3, 0).text() == "…"  # Monte Carlo still to come, on the worker thread
    qtbot.waitUntil(lambda: not c.comparison_stale, timeout=60_000)
    simulated = expected(window, monte_carlo=True)
    for column, r in enumerate(simulated.values()):
        s, w = r.portfolio.selected_mc, r.portfolio.mc
        assert table.item(3, column).text() == money_range(s.p10, s.p90, "USD")
        assert table.item(4, column).text() == percent(1 - s.p_positive)
        assert table.item(5, column).text() == money_range(w.p10, w.p90, "USD")
        assert table.item(6, column).text() == percent(1 - w.p_positive)
    assert page.progress.text().startswith("Monte Carlo: 3 plans × 2,000 samples in ")
    shares = probabilities([scenario_from_json(s) for s in c.state.data["scenarios"]])
    assert shares == {"Base": 0.5, "Downside": 0.25, "Upside": 0.25}
    total = weighted_enpv(deterministic, shares)
    assert total is not None
    assert page.weighted.text() == (f"Probability-weighted total eNPV: {money(total, 'USD')} "
                                    f"(Base 50%, Downside 25%, Upside 25%)")
    # A scenario with no probability: the weighted total says what it needs.
    c.set_value("scenario", "scn-upside", "probability", None)
    assert page.weighted.text() == "Give every scenario a probability to see the weighted total."


def test_each_scenario_action_is_one_undo_step_and_deleting_the_one_shown_shows_the_base(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from views import scenario_bar

    c = window.controller
    assert c is not None
    monkeypatch.setattr(scenario_bar, "ask_scenario_name", lambda *_a: "Vendor price rise")
    monkeypatch.setattr(dialogs, "ask_confirm", lambda *_a: True)
    window.scenario_actions.new_action.trigger()
    assert c.state.active_name() == "Vendor price rise"
    assert [window.scenario_bar.combo.itemText(i) for i in range(4)] == \
        ["Base", "Downside", "Upside", "Vendor price rise"]
    # Plan Settings' discount rate, while a scenario is shown, is the scenario's.
    rate = SetField("project", "", "discount_rate", 0.1, 0.14)
    assert c.edit_structure([rate], "Change plan discount rate")
    assert c.state.data["project"]["discount_rate"] == 0.1
    assert c.state.override_value("project", "", "discount_rate") == 0.14
    assert c.results.plan.settings.discount_rate == 0.14
    # A budget cleared while a scenario is shown: nothing changes, and the status bar says why.
    said: list[str] = []
    c.status.connect(said.append)
    assert c.set_value("project", "", "budget", None, "budget") is False
    assert c.state.data["project"]["budget"] == 900000 and c.results.portfolio.budget == 900000
    assert said == ["A scenario can change the budget but not remove it: nothing was changed. "
                    "Show Base to remove it."]
    window.scenario_actions.delete_action.trigger()
    assert c.state.active_scenario is None and "Vendor" not in window.windowTitle()
    assert window.scenario_bar.combo.currentText() == "Base"
    c.undo_stack.undo()  # the scenario is back, with its override; the base stays shown
    assert [s["name"] for s in c.state.data["scenarios"]][-1] == "Vendor price rise"
    assert c.state.data["scenarios"][-1]["overrides"][0]["value"] == 0.14


def test_a_read_only_project_refuses_scenario_edits(show_window: Any, sample_json: dict[str, Any],
                                                    tmp_path: Path) -> None:
    document = ProjectDocument.from_data(sample_json)
    document.read_only = True
    win = show_window(document)
    c = win.controller
    c.switch_scenario("scn-downside")  # looking is fine
    assert c.state.active_scenario == "scn-downside"
    assert not c.reset_override("opportunity", COPILOT, "adoption_target")
    assert c.state.override_value("opportunity", COPILOT, "adoption_target") is not None
    win.scenario_actions.update_enabled()
    assert not win.scenario_actions.new_action.isEnabled()
