"""The correlation matrix typed into cell by cell, Esc in the list, Ctrl+Z in the editor's own
window, and a correlation whose input lost its range, as a PM meets them."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableWidget
from shiboken6 import isValid

from tests.views.conftest import type_in_table_cell
from views.correlations_dialog import CorrelationsDialog

# The matrix lists the correlated inputs sorted by (kind, id, field).
MEETINGS, SALES_EMAIL, COPILOT, TRIAGE = range(4)


@pytest.fixture
def dialog(qtbot: Any, controller: Any) -> CorrelationsDialog:
    shown = CorrelationsDialog(controller)
    qtbot.addWidget(shown)
    shown.show()
    shown.activateWindow()
    qtbot.waitUntil(shown.isActiveWindow)  # shortcuts reach only the active window
    return shown


def type_in_cell(qtbot: Any, table: QTableWidget, row: int, column: int, text: str,
                 key: Qt.Key = Qt.Key.Key_Return) -> None:
    dialog = table.window()
    assert isinstance(dialog, CorrelationsDialog)
    # the tab that shows the table, chosen as a user clicks it
    dialog.tabs.setCurrentWidget(table if table is dialog.matrix else table.parentWidget())
    editor = type_in_table_cell(table, row, column, text, key)
    qtbot.waitUntil(lambda: not isValid(editor) or not editor.isVisible())
    qtbot.wait(20)  # the tables are redrawn on the next turn of the event loop


def saved(controller: Any) -> list[tuple[tuple[str, str], float]]:
    """The correlations as the project file holds them."""
    return [((c["a"]["id"], c["b"]["id"]), c["rho"])
            for c in controller.state.document.to_json()["correlations"]]


def test_a_typed_matrix_cell_correlates_its_two_inputs_and_ctrl_z_takes_it_back(
        qtbot: Any, dialog: CorrelationsDialog, controller: Any) -> None:
    before = saved(controller)
    type_in_cell(qtbot, dialog.matrix, COPILOT, SALES_EMAIL, "0.3")
    assert saved(controller) == [*before, (("opp-support-copilot", "opp-sales-email"), 0.3)]
    assert dialog.matrix.item(SALES_EMAIL, COPILOT).text() == "0.30"  # the other half follows
    assert dialog.table.rowCount() == 3
    QTest.keyClick(dialog.matrix, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert saved(controller) == before
    assert dialog.matrix.item(SALES_EMAIL, COPILOT).text() == "" and dialog.table.rowCount() == 2


def test_a_matrix_cell_changes_a_correlation_and_clearing_it_removes_it(
        qtbot: Any, dialog: CorrelationsDialog, controller: Any) -> None:
    type_in_cell(qtbot, dialog.matrix, TRIAGE, COPILOT, "0.8")
    assert saved(controller)[0] == (("opp-support-copilot", "opp-ticket-triage"), 0.8)
    assert controller.undo_stack.count() == 1
    type_in_cell(qtbot, dialog.matrix, COPILOT, TRIAGE, "")
    assert saved(controller) == [(("opp-sales-email", "opp-meeting-summaries"), 0.5)]
    assert controller.undo_stack.count() == 2


def test_a_refused_matrix_cell_says_why_and_shows_the_stored_value_again(
        qtbot: Any, dialog: CorrelationsDialog, controller: Any) -> None:
    before = saved(controller)
    type_in_cell(qtbot, dialog.matrix, COPILOT, TRIAGE, "2")
    assert dialog.error.text() == "Type a rank correlation between −0.99 and 0.99, such as 0.6."
    assert dialog.matrix.item(COPILOT, TRIAGE).text() == "0.60"
    assert saved(controller) == before and not controller.undo_stack.canUndo()


def test_esc_in_the_list_restores_the_stored_correlation(qtbot: Any, dialog: CorrelationsDialog,
                                                         controller: Any) -> None:
    type_in_cell(qtbot, dialog.table, 0, 2, "0.1", key=Qt.Key.Key_Escape)
    assert dialog.table.item(0, 2).text() == "0.60"
    assert saved(controller)[0][1] == 0.6 and not controller.undo_stack.canUndo()


def test_a_correlated_input_whose_range_is_removed_is_said_in_the_dialog(
        qtbot: Any, dialog: CorrelationsDialog, controller: Any) -> None:
    assert dialog.problems.text() == ""
    controller.set_value("opportunity", "opp-support-copilot", "adoption_target", 0.7)
    qtbot.waitUntil(lambda: dialog.problems.text() != "")
    assert dialog.problems.text().startswith(
        "Correlation “Support copilot (agent assist) · adoption target ↔ ")
    assert "adoption target has no range, and only a range can be correlated" in dialog.problems.text()
    controller.undo_stack.undo()
    qtbot.waitUntil(lambda: dialog.problems.text() == "")


def test_the_two_pickers_start_on_different_inputs(dialog: CorrelationsDialog) -> None:
    assert dialog.first.currentIndex() == 0 and dialog.second.currentIndex() == 1
    assert dialog.first.currentText() != dialog.second.currentText()
