"""A decision's name and description typed key by key in a real window: stored once, on leave."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from views.decisions_view import CriteriaModel, DecisionsWorkspace
from views.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
COPILOT = "dec-copilot"



def workspace(win: MainWindow) -> DecisionsWorkspace:
    ws = win.workspace("Build / partner / buy")
    assert isinstance(ws, DecisionsWorkspace) and ws.decision_id == COPILOT
    return ws


def stored(win: MainWindow, field: str) -> Any:
    assert win.controller is not None
    return win.controller.state.value("decision", COPILOT, field)


def on_disk(win: MainWindow, field: str) -> Any:
    assert win.controller is not None
    return next(d for d in win.controller.state.document.to_json()["decisions"] if d["id"] == COPILOT)[field]


def test_a_name_typed_then_tab_is_one_step_that_ctrl_z_and_ctrl_shift_z_move_through(
        window: MainWindow) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws = workspace(window)
    old = stored(window, "name")
    recalculations = []
    window.controller.results_changed.connect(lambda: recalculations.append(1))
    ws.name_edit.setFocus()
    QTest.keyClick(ws.name_edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(ws.name_edit, "Budget review")
    assert stored(window, "name") == old and stack.count() == 0 and recalculations == []
    assert ws.picker.currentText() == old  # the picker shows the stored name until it is stored
    QTest.keyClick(ws.name_edit, Qt.Key.Key_Tab)
    assert stack.count() == 1 and stack.text(0) == "Change decision name"
    assert stored(window, "name") == "Budget review" and on_disk(window, "name") == "Budget review"
    assert ws.picker.currentText() == "Budget review"
    assert len(recalculations) <= 1
    focused = window.focusWidget()
    assert focused is ws.description_edit

    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL)
    assert ws.name_edit.text() == old and stored(window, "name") == old and on_disk(window, "name") == old
    assert ws.picker.currentText() == old
    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL_SHIFT)
    assert ws.name_edit.text() == "Budget review" and stored(window, "name") == "Budget review"


def test_the_description_is_stored_when_left_and_ctrl_z_in_it_undoes_the_project(
        window: MainWindow) -> None:
    assert window.controller is not None
    ws = workspace(window)
    old = stored(window, "description") or ""
    ws.description_edit.setFocus()
    ws.description_edit.moveCursor(ws.description_edit.textCursor().MoveOperation.End)
    QTest.keyClicks(ws.description_edit, " Legal signs off in May.")
    assert (stored(window, "description") or "") == old
    QTest.keyClick(ws.description_edit, Qt.Key.Key_Tab)
    assert stored(window, "description") == f"{old} Legal signs off in May."
    assert on_disk(window, "description") == f"{old} Legal signs off in May."
    assert window.controller.undo_stack.count() == 1
    assert window.controller.undo_stack.text(0) == "Change decision description"
    ws.description_edit.setFocus()
    QTest.keyClick(ws.description_edit, Qt.Key.Key_Z, CTRL)
    assert ws.description_edit.toPlainText() == old and (stored(window, "description") or "") == old


def test_a_criterion_renamed_in_its_cell_is_one_step(window: MainWindow, qtbot: Any) -> None:
    """Cells are edited in their own box and stored when it closes: one step, whatever is typed."""
    assert window.controller is not None
    ws = workspace(window)
    index = ws.criteria_model.index(0, CriteriaModel.NAME)
    criterion = window.controller.state.data["decisions"][0]["criteria"][0]["id"]
    ws.criteria_view.setFocus()
    ws.criteria_view.setCurrentIndex(index)
    QTest.keyClick(ws.criteria_view, Qt.Key.Key_F2)
    editor = ws.criteria_view.focusWidget()
    QTest.keyClick(editor, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(editor, "Time to value")
    assert window.controller.undo_stack.count() == 0
    QTest.keyClick(editor, Qt.Key.Key_Return)  # the cell closes on the next turn of the event loop
    qtbot.waitUntil(lambda: window.controller.state.value("criterion", criterion, "name")
                    == "Time to value")
    assert window.controller.undo_stack.count() == 1
