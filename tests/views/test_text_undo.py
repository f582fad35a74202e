"""One undo for the whole window: Ctrl+Z typed in a text field undoes the project, not the field."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.document import ProjectDocument
from views.main_window import MainWindow

PLAIN = "opp-sales-email"
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> MainWindow:
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    win = show_window(ProjectDocument.from_data(data))
    ws = win.workspace("Opportunities")
    ws.table.selectRow(ws.model.row_of(PLAIN))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def name(win: MainWindow) -> str:
    assert win.controller is not None
    return win.controller.state.value("opportunity", PLAIN, "name")


def type_at_end(line: Any, text: str) -> None:
    line.setFocus()
    line.end(False)
    QTest.keyClicks(line, text)


def test_typing_in_a_name_is_one_step_that_ctrl_z_and_ctrl_shift_z_move_through(
        window: MainWindow) -> None:
    """Ctrl+Z in a name field ran the field's own undo: it stored the old name as a new edit,
    and the project's Redo could not bring " v2" back."""
    assert window.controller is not None
    stack = window.controller.undo_stack
    edit = window.workspace("Opportunities").name_edit  # type: ignore[attr-defined]
    old = name(window)
    type_at_end(edit, " v2")
    assert name(window) == old  # nothing stored while typing
    QTest.keyClick(edit, Qt.Key.Key_Tab)  # leaving the field stores it, as one step
    assert name(window) == f"{old} v2" and stack.count() == 1
    index = stack.index()
    focused = window.focusWidget()
    assert focused is not edit and focused is not None

    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL)  # in the next field: still the project's undo
    assert name(window) == old and edit.text() == old
    assert stack.index() == index - 1

    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL_SHIFT)
    assert name(window) == f"{old} v2" and edit.text() == f"{old} v2"
    assert stack.index() == index


def test_ctrl_z_while_typing_takes_the_typing_back_as_one_step_that_redo_restores(
        window: MainWindow) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    edit = window.workspace("Opportunities").name_edit  # type: ignore[attr-defined]
    old = name(window)
    type_at_end(edit, " v2")
    QTest.keyClick(edit, Qt.Key.Key_Z, CTRL)
    assert name(window) == old and edit.text() == old
    assert stack.count() == 1 and stack.index() == 0  # the typing is a step, undone
    QTest.keyClick(edit, Qt.Key.Key_Y, CTRL)  # Ctrl+Y redoes too
    assert name(window) == f"{old} v2" and edit.text() == f"{old} v2"


def test_ctrl_z_in_a_description_and_a_note_undoes_the_project(window: MainWindow) -> None:
    assert window.controller is not None
    ws = window.workspace("Opportunities")
    description = ws.description_edit  # type: ignore[attr-defined]
    note = ws.notes["eligible_users"]  # type: ignore[attr-defined]
    old_note = window.controller.state.value("opportunity", PLAIN, "notes.eligible_users")
    type_at_end(note, " (checked)")
    QTest.keyClick(note, Qt.Key.Key_Return)
    assert window.controller.state.value("opportunity", PLAIN, "notes.eligible_users") == \
        f"{old_note} (checked)"
    description.setFocus()
    QTest.keyClick(description, Qt.Key.Key_Z, CTRL)
    assert window.controller.state.value("opportunity", PLAIN, "notes.eligible_users") == old_note
    assert note.text() == old_note
    assert window.controller.undo_stack.index() == 0


@pytest.mark.parametrize("page", ["Opportunities", "Unit economics", "Build / partner / buy"])
def test_escape_in_a_name_puts_back_what_it_showed_and_stores_nothing(
        window: MainWindow, page: str) -> None:
    """Every page's text line answers Esc the same way: the typing is undone, nothing stored."""
    assert window.controller is not None
    stack = window.controller.undo_stack
    edit = window.workspace(page).name_edit  # type: ignore[attr-defined]
    shown = edit.text()
    type_at_end(edit, " draft")
    QTest.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == shown and stack.count() == 0
    QTest.keyClick(edit, Qt.Key.Key_Tab)  # leaving after Esc stores nothing either
    assert stack.count() == 0

    type_at_end(edit, " final")
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert stack.count() == 1 and edit.text() == f"{shown} final"
    QTest.keyClick(edit, Qt.Key.Key_Escape)  # nothing typed since Enter: Esc changes nothing
    assert edit.text() == f"{shown} final" and stack.count() == 1
