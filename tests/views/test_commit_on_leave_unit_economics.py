"""Unit-model names, descriptions and notes typed key by key in a real window: stored once, on leave."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from views.main_window import MainWindow
from views.unit_economics_view import UnitEconomicsWorkspace

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
SUPPORT = "um-support-copilot"



def workspace(win: MainWindow) -> UnitEconomicsWorkspace:
    ws = win.workspace("Unit economics")
    assert isinstance(ws, UnitEconomicsWorkspace) and ws.current_id == SUPPORT
    return ws


def stored(win: MainWindow, kind: str, object_id: str, field: str) -> Any:
    assert win.controller is not None
    return win.controller.state.value(kind, object_id, field)


def on_disk_unit(win: MainWindow) -> dict[str, Any]:
    assert win.controller is not None
    return next(u for u in win.controller.state.document.to_json()["unit_models"] if u["id"] == SUPPORT)


def test_a_name_typed_then_tab_is_one_step_that_ctrl_z_and_ctrl_shift_z_move_through(
        window: MainWindow) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws = workspace(window)
    old = stored(window, "unit_model", SUPPORT, "name")
    recalculations = []
    window.controller.results_changed.connect(lambda: recalculations.append(1))
    ws.name_edit.setFocus()
    QTest.keyClick(ws.name_edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(ws.name_edit, "Budget review")
    assert stored(window, "unit_model", SUPPORT, "name") == old  # nothing while typing
    assert stack.count() == 0 and recalculations == []
    QTest.keyClick(ws.name_edit, Qt.Key.Key_Tab)
    assert stack.count() == 1 and stack.text(0) == "Change unit model name"
    assert len(recalculations) == 1  # one store, one recalculation
    assert stored(window, "unit_model", SUPPORT, "name") == "Budget review"
    assert on_disk_unit(window)["name"] == "Budget review"
    focused = window.focusWidget()
    assert focused is ws.description_edit

    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL)
    assert ws.name_edit.text() == old and stored(window, "unit_model", SUPPORT, "name") == old
    assert on_disk_unit(window)["name"] == old
    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL_SHIFT)
    assert ws.name_edit.text() == "Budget review"


def test_the_description_is_stored_when_left(window: MainWindow) -> None:
    assert window.controller is not None
    ws = workspace(window)
    old = stored(window, "unit_model", SUPPORT, "description")
    ws.description_edit.setFocus()
    ws.description_edit.moveCursor(ws.description_edit.textCursor().MoveOperation.End)
    QTest.keyClicks(ws.description_edit, " Checked.")
    assert stored(window, "unit_model", SUPPORT, "description") == old
    QTest.keyClick(ws.description_edit, Qt.Key.Key_Tab)
    assert stored(window, "unit_model", SUPPORT, "description") == f"{old} Checked."
    assert on_disk_unit(window)["description"] == f"{old} Checked."
    assert window.controller.undo_stack.count() == 1
    assert window.controller.undo_stack.text(0) == "Change unit model description"


def test_a_note_is_stored_on_enter_and_ctrl_z_in_it_undoes_the_project(window: MainWindow) -> None:
    assert window.controller is not None
    ws = workspace(window)
    note = ws.notes["retry_rate"]
    note.setFocus()
    QTest.keyClicks(note, "Pilot, March")
    assert stored(window, "unit_model", SUPPORT, "notes.retry_rate") is None
    QTest.keyClick(note, Qt.Key.Key_Return)
    assert stored(window, "unit_model", SUPPORT, "notes.retry_rate") == "Pilot, March"
    assert on_disk_unit(window)["notes"]["retry_rate"] == "Pilot, March"
    assert window.controller.undo_stack.count() == 1
    QTest.keyClick(note, Qt.Key.Key_Z, CTRL)
    assert note.text() == "" and stored(window, "unit_model", SUPPORT, "notes.retry_rate") is None


def test_a_route_note_goes_to_the_cell_it_was_typed_for(window: MainWindow) -> None:
    assert window.controller is not None
    ws = workspace(window)
    route = ws.routes_model.ids[0]
    column = next(c for c in range(ws.routes_model.columnCount()) if ws.routes_model.field(c)
                  and ws.routes_model.kind(c) is not None)
    field = ws.routes_model.field(column)
    other = next(c for c in range(ws.routes_model.columnCount()) if c != column and ws.routes_model.field(c))
    ws.routes_table.setCurrentIndex(ws.routes_model.index(0, column))
    old = stored(window, "route", route, f"notes.{field}")
    ws.route_note.setFocus()
    ws.route_note.end(False)
    QTest.keyClicks(ws.route_note, " (vendor quote)")
    assert stored(window, "route", route, f"notes.{field}") == old
    # Another cell is picked by mouse: the note is stored for the cell it was typed for.
    rect = ws.routes_table.visualRect(ws.routes_model.index(0, other))
    QTest.mouseClick(ws.routes_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ws.routes_table.currentIndex().column() == other
    assert stored(window, "route", route, f"notes.{field}") == f"{old or ''} (vendor quote)"
    other_note = stored(window, "route", route, f"notes.{ws.routes_model.field(other)}")
    assert ws.route_note.text() == (other_note or "")
    assert window.controller.undo_stack.count() == 1
