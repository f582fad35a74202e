"""The correlation editor used as a PM would: pick two inputs, type a rank correlation, Enter;
change it in the list; see when correlations cannot hold together; undo."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from views.correlations_dialog import CorrelationsDialog

COPILOT = ("opportunity", "opp-support-copilot", "adoption_target")
SELF_SERVICE = ("opportunity", "opp-self-service", "adoption_target")
SEARCH = ("opportunity", "opp-knowledge-search", "adoption_target")
TRIAGE = ("opportunity", "opp-ticket-triage", "adoption_target")


@pytest.fixture
def dialog(qtbot: Any, controller: Any) -> CorrelationsDialog:
    shown = CorrelationsDialog(controller)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def pick(dialog: CorrelationsDialog, first: tuple[str, str, str], second: tuple[str, str, str]) -> None:
    for combo, key in ((dialog.first, first), (dialog.second, second)):
        dialog.choose(combo, key)
        assert combo.currentIndex() >= 0


def type_rho(dialog: CorrelationsDialog, text: str) -> None:
    dialog.rho.setFocus()
    QTest.keyClicks(dialog.rho, text)
    QTest.keyClick(dialog.rho, Qt.Key.Key_Return)


def pairs(controller: Any) -> list[tuple[Any, ...]]:
    return [((c["a"]["id"], c["b"]["id"]), c["rho"]) for c in controller.state.data["correlations"]]


def test_the_sample_correlations_are_listed_with_names_ranges_and_notes(dialog: CorrelationsDialog) -> None:
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 0).text() == "Support copilot (agent assist) · adoption target (55% – 90%)"
    assert dialog.table.item(0, 2).text() == "0.60"
    assert dialog.table.item(0, 3).text().startswith("The same 420 support agents")
    assert dialog.matrix.rowCount() == 4  # the four correlated inputs


def test_typing_a_correlation_stores_it_and_ctrl_z_removes_it(dialog: CorrelationsDialog,
                                                               controller: Any) -> None:
    before = pairs(controller)
    pick(dialog, COPILOT, SELF_SERVICE)
    type_rho(dialog, "0.9")
    assert pairs(controller) == [*before, (("opp-support-copilot", "opp-self-service"), 0.9)]
    assert dialog.table.rowCount() == 3 and dialog.error.text() == ""
    controller.undo_stack.undo()
    assert pairs(controller) == before and dialog.table.rowCount() == 2


@pytest.mark.parametrize("typed", ["1", "1.5", "-1", "lots"])
def test_a_correlation_that_is_not_one_is_refused_in_a_sentence(dialog: CorrelationsDialog, controller: Any,
                                                                typed: str) -> None:
    before = pairs(controller)
    pick(dialog, COPILOT, SELF_SERVICE)
    type_rho(dialog, typed)
    assert dialog.error.text() == "Type a rank correlation between −0.99 and 0.99, such as 0.6."
    assert pairs(controller) == before and not controller.undo_stack.canUndo()


def test_an_input_with_itself_and_a_pair_twice_are_refused(dialog: CorrelationsDialog,
                                                            controller: Any) -> None:
    pick(dialog, COPILOT, COPILOT)
    type_rho(dialog, "0.5")
    assert "cannot be correlated with itself" in dialog.error.text()
    pick(dialog, TRIAGE, COPILOT)
    type_rho(dialog, "0.5")
    assert "already correlated" in dialog.error.text()
    assert len(pairs(controller)) == 2


def test_changing_a_correlation_in_the_list_is_one_undo_step(qtbot: Any, dialog: CorrelationsDialog,
                                                            controller: Any) -> None:
    cell = dialog.table.item(0, 2)
    dialog.table.setCurrentItem(cell)
    dialog.table.setFocus()
    QTest.keyClick(dialog.table, Qt.Key.Key_F2)  # edit the cell, as a user would
    editor = dialog.table.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    QTest.keyClicks(editor, "0.3")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # the cell closes on the next turn of the event loop
    qtbot.waitUntil(lambda: controller.state.data["correlations"][0]["rho"] == 0.3)
    assert controller.undo_stack.count() == 1
    controller.undo_stack.undo()
    assert controller.state.data["correlations"][0]["rho"] == 0.6
    assert dialog.table.item(0, 2).text() == "0.60"


def test_correlations_that_cannot_hold_together_say_what_the_simulation_uses(qtbot: Any,
                                                                             dialog: CorrelationsDialog,
                                                                             controller: Any) -> None:
    for first, second, rho in ((TRIAGE, SEARCH, "0.9"), (COPILOT, SEARCH, "-0.9")):
        pick(dialog, first, second)
        type_rho(dialog, rho)
    dialog.table.item(0, 2).setText("0.9")  # copilot and triage: 0.9, while both ±0.9 with search
    qtbot.waitUntil(lambda: "target: 0.60" not in dialog.repairs.text())  # redrawn once the cell is stored
    text = dialog.repairs.text()
    assert text.startswith("These correlations cannot all hold together; the simulation uses the nearest set")
    assert ("Support copilot (agent assist) · adoption target ↔ Ticket triage and routing · "
            "adoption target: 0.90 → ") in text


def test_the_portfolio_range_widens_when_two_adoptions_that_raise_npv_move_together(
        dialog: CorrelationsDialog, controller: Any) -> None:
    controller.wait_for_monte_carlo()
    before = controller.mc_results.portfolio.mc
    pick(dialog, COPILOT, SELF_SERVICE)
    type_rho(dialog, "0.9")
    controller.wait_for_monte_carlo()
    after = controller.mc_results.portfolio.mc
    assert after.p90 - after.p10 > before.p90 - before.p10
