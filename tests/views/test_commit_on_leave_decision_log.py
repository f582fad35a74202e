"""Decision-log entries typed key by key in a real window: stored once, when the field is left."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from views.decision_log_view import ID_ROLE, DecisionLogModel, DecisionLogWorkspace
from views.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier



def entry(win: MainWindow, index: int) -> tuple[DecisionLogWorkspace, str]:
    """The log workspace with the entry at ``index`` of the file selected."""
    assert win.controller is not None
    ws = win.workspace("Decision log")
    assert isinstance(ws, DecisionLogWorkspace)
    entry_id = win.controller.state.data["decision_log"][index]["id"]
    row = next(r for r in range(ws.proxy.rowCount()) if ws.proxy.index(r, 0).data(ID_ROLE) == entry_id)
    ws.table.selectionModel().setCurrentIndex(
        ws.proxy.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    return ws, entry_id


def stored(win: MainWindow, entry_id: str, field: str) -> Any:
    assert win.controller is not None
    return win.controller.state.value("log", entry_id, field)


def on_disk(win: MainWindow, entry_id: str, field: str) -> Any:
    assert win.controller is not None
    saved = win.controller.state.document.to_json()["decision_log"]
    return next(e for e in saved if e["id"] == entry_id)[field]


def test_the_rationale_typed_then_tab_is_one_step_that_ctrl_z_and_ctrl_shift_z_move_through(
        window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws, entry_id = entry(window, 1)
    original = stored(window, entry_id, "rationale")
    ws.rationale_edit.setFocus()
    ws.rationale_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.rationale_edit, " Finance agreed.")
    qtbot.wait(400)  # a pause while typing stores nothing
    assert stored(window, entry_id, "rationale") == original and stack.count() == 0
    assert on_disk(window, entry_id, "rationale") == original
    QTest.keyClick(ws.rationale_edit, Qt.Key.Key_Tab)
    expected = original + " Finance agreed."
    assert stack.count() == 1 and stack.text(0) == "Change log rationale"
    assert stored(window, entry_id, "rationale") == expected
    assert on_disk(window, entry_id, "rationale") == expected
    cell = ws.proxy.index(ws.table.currentIndex().row(), DecisionLogModel.RATIONALE)
    assert cell.data().endswith("Finance agreed.")
    focused = window.focusWidget()
    assert focused is ws.alternatives_edit

    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL)
    assert ws.rationale_edit.toPlainText() == original and stored(window, entry_id, "rationale") == original
    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL_SHIFT)
    assert ws.rationale_edit.toPlainText() == expected and stored(window, entry_id, "rationale") == expected


def test_the_owner_is_stored_on_enter_and_ctrl_z_in_the_field_undoes_the_project(
        window: MainWindow) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws, entry_id = entry(window, 0)
    old = stored(window, entry_id, "owner")
    ws.owner_edit.setFocus()
    QTest.keyClick(ws.owner_edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(ws.owner_edit, "Dana Kim")
    assert stored(window, entry_id, "owner") == old
    QTest.keyClick(ws.owner_edit, Qt.Key.Key_Return)
    assert stored(window, entry_id, "owner") == "Dana Kim" and stack.count() == 1
    assert stack.text(0) == "Change log owner"
    QTest.keyClick(ws.owner_edit, Qt.Key.Key_Z, CTRL)
    assert ws.owner_edit.text() == old and stored(window, entry_id, "owner") == old
    QTest.keyClick(ws.owner_edit, Qt.Key.Key_Z, CTRL_SHIFT)
    assert ws.owner_edit.text() == "Dana Kim"


def test_a_refused_date_stays_with_its_rule_and_holds_back_undo(window: MainWindow) -> None:
    """Ctrl+Z while the date field says why its text is refused waits: nothing typed is lost."""
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws, entry_id = entry(window, 0)
    old_owner = stored(window, entry_id, "owner")
    ws.owner_edit.setFocus()
    QTest.keyClicks(ws.owner_edit, " jr")
    QTest.keyClick(ws.owner_edit, Qt.Key.Key_Tab)
    assert stack.count() == 1
    old_date = stored(window, entry_id, "date")
    ws.date_edit.setFocus()
    QTest.keyClick(ws.date_edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(ws.date_edit, "27/11/2026")
    QTest.keyClick(ws.date_edit, Qt.Key.Key_Return)
    assert ws.date_error.isVisible() and "YYYY-MM-DD" in ws.date_error.text()
    assert stored(window, entry_id, "date") == old_date and stack.count() == 1
    QTest.keyClick(ws.date_edit, Qt.Key.Key_Z, CTRL)
    assert stored(window, entry_id, "owner") == f"{old_owner} jr"  # the undo waited
    assert ws.date_edit.text() == "27/11/2026"
    QTest.keyClick(ws.date_edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(ws.date_edit, "2026-11-21")
    QTest.keyClick(ws.date_edit, Qt.Key.Key_Tab)
    assert stored(window, entry_id, "date") == "2026-11-21" and not ws.date_error.isVisible()
    assert stack.count() == 2 and stack.text(1) == "Change log date"


def test_typing_then_picking_another_entry_stores_it_in_the_entry_it_was_typed_in(
        window: MainWindow) -> None:
    assert window.controller is not None
    ws, first = entry(window, 1)
    ws.decision_edit.setFocus()
    ws.decision_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.decision_edit, " (confirmed)")
    before = stored(window, first, "decision")
    assert not before.endswith(" (confirmed)")
    other = next(r for r in range(ws.proxy.rowCount()) if ws.proxy.index(r, 0).data(ID_ROLE) != first)
    other_id = ws.proxy.index(other, 0).data(ID_ROLE)
    rect = ws.table.visualRect(ws.proxy.index(other, DecisionLogModel.OWNER))
    QTest.mouseClick(ws.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert stored(window, first, "decision") == before + " (confirmed)"
    assert not stored(window, other_id, "decision").endswith(" (confirmed)")
    assert ws.decision_edit.toPlainText() == stored(window, other_id, "decision")
    assert window.controller.undo_stack.count() == 1
