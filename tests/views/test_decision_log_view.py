"""The Decision log workspace: dated entries edited in place or in the panel, all undoable."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.document import ProjectDocument
from app.project_state import ProjectState
from tests.views.conftest import numbers
from views.controller import ProjectController
from views.decision_log_view import DATE_RULE, ID_ROLE, DecisionLogModel, DecisionLogWorkspace, date_rule


def open_workspace(qtbot: QtBot, controller: ProjectController) -> DecisionLogWorkspace:
    w = DecisionLogWorkspace(controller)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def workspace(qtbot: QtBot, controller: ProjectController) -> Iterator[DecisionLogWorkspace]:
    w = open_workspace(qtbot, controller)
    yield w
    w.typing.flush()  # nothing left waiting when the document closes


def log(controller: ProjectController) -> list[dict[str, Any]]:
    return copy.deepcopy(controller.state.data["decision_log"])


def shown_dates(w: DecisionLogWorkspace) -> list[str]:
    return [w.proxy.index(r, DecisionLogModel.DATE).data() for r in range(w.proxy.rowCount())]


def row_of(w: DecisionLogWorkspace, entry_id: str) -> int:
    return next(r for r in range(w.proxy.rowCount()) if w.proxy.index(r, 0).data(ID_ROLE) == entry_id)


def select(w: DecisionLogWorkspace, entry_id: str) -> None:
    w.table.selectionModel().setCurrentIndex(
        w.proxy.index(row_of(w, entry_id), 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_date_rule() -> None:
    assert date_rule("2027-01-15") is None
    assert date_rule("15/01/2027") == DATE_RULE
    assert date_rule("2027-1-5") == DATE_RULE
    assert date_rule("") == DATE_RULE
    assert date_rule("2026-02-30") == f"2026-02-30 is not a date on the calendar. {DATE_RULE}"


def test_model(qtmodeltester: Any, controller: ProjectController) -> None:
    model = DecisionLogModel(controller)
    qtmodeltester.check(model)
    entry = controller.state.data["decision_log"][2]
    assert [model.index(2, c).data(Qt.ItemDataRole.EditRole) for c in range(5)] == [
        entry["date"], entry["decision"], entry["rationale"], entry["alternatives"], entry["owner"]]
    assert model.headerData(3, Qt.Orientation.Horizontal) == "Alternatives"


def test_newest_first_and_a_date_edited_in_place_resorts_and_undoes(
        workspace: DecisionLogWorkspace, controller: ProjectController) -> None:
    before_numbers = numbers(controller.results)
    dates = shown_dates(workspace)
    assert dates == sorted(dates, reverse=True) and len(dates) == len(controller.state.data["decision_log"])
    oldest = controller.state.data["decision_log"][0]
    assert workspace.proxy.index(len(dates) - 1, 0).data(ID_ROLE) == oldest["id"]
    select(workspace, oldest["id"])

    index = workspace.proxy.index(row_of(workspace, oldest["id"]), DecisionLogModel.DATE)
    assert workspace.proxy.setData(index, "2026-12-01")
    assert controller.state.value("log", oldest["id"], "date") == "2026-12-01"
    assert row_of(workspace, oldest["id"]) == 0  # now the newest
    assert workspace.date_edit.text() == "2026-12-01"
    assert workspace.table.currentIndex().data(ID_ROLE) == oldest["id"]  # still selected

    controller.undo_stack.undo()
    assert controller.state.value("log", oldest["id"], "date") == oldest["date"]
    assert shown_dates(workspace) == dates and workspace.date_edit.text() == oldest["date"]
    assert numbers(controller.results) == before_numbers  # the log moves no number


def test_an_invalid_date_in_the_table_shows_the_rule_and_is_not_stored(
        workspace: DecisionLogWorkspace, controller: ProjectController) -> None:
    entry = controller.state.data["decision_log"][3]
    steps = controller.undo_stack.count()
    index = workspace.proxy.index(row_of(workspace, entry["id"]), DecisionLogModel.DATE)
    for typed in ("next Tuesday", "2026-02-30"):
        assert not workspace.proxy.setData(index, typed)
        assert workspace.date_error.isVisible()
        assert workspace.date_error.text() == date_rule(typed)
        assert workspace.date_edit.text() == typed  # what was typed, beside its rule
        assert controller.state.value("log", entry["id"], "date") == entry["date"]
    assert controller.undo_stack.count() == steps
    assert workspace.table.currentIndex().data(ID_ROLE) == entry["id"]  # the rule sits beside it


def test_an_invalid_date_typed_in_the_panel_shows_the_rule_and_is_not_stored(
        qtbot: QtBot, workspace: DecisionLogWorkspace, controller: ProjectController) -> None:
    entry_id = workspace.table.currentIndex().data(ID_ROLE)
    old = controller.state.value("log", entry_id, "date")
    workspace.date_edit.setFocus()
    workspace.date_edit.selectAll()
    qtbot.keyClicks(workspace.date_edit, "27/11/2026")
    qtbot.keyClick(workspace.date_edit, Qt.Key.Key_Return)
    assert workspace.date_error.isVisible() and workspace.date_error.text() == DATE_RULE
    assert controller.state.value("log", entry_id, "date") == old
    assert workspace.date_edit.text() == "27/11/2026"  # kept for the user to fix

    workspace.date_edit.selectAll()
    qtbot.keyClicks(workspace.date_edit, "2026-11-21")
    assert not workspace.date_error.isVisible()
    qtbot.keyClick(workspace.date_edit, Qt.Key.Key_Return)
    assert controller.state.value("log", entry_id, "date") == "2026-11-21"
    controller.undo_stack.undo()
    assert controller.state.value("log", entry_id, "date") == old
    assert workspace.date_edit.text() == old


# Typing in the panel, leaving and Ctrl+Z: test_commit_on_leave_decision_log.py (in a window).


def test_long_text_edited_in_place_keeps_its_line_breaks(workspace: DecisionLogWorkspace,
                                                         controller: ProjectController) -> None:
    entry_id = workspace.table.currentIndex().data(ID_ROLE)
    index = workspace.proxy.index(row_of(workspace, entry_id), DecisionLogModel.ALTERNATIVES)
    workspace.table.setCurrentIndex(index)
    workspace.table.edit(index)
    editor = workspace.table.viewport().findChild(QPlainTextEdit)
    assert editor is not None
    editor.setPlainText("Build it ourselves.\nWait a year.")
    workspace.table.commitData(editor)
    workspace.table.closeEditor(editor, workspace.long_delegate.EndEditHint.NoHint)
    assert controller.state.value("log", entry_id, "alternatives") == "Build it ourselves.\nWait a year."
    assert workspace.alternatives_edit.toPlainText() == "Build it ourselves.\nWait a year."
    assert index.data() == "Build it ourselves. Wait a year."  # one line in the table


def test_add_and_remove_entries_are_undoable(qtbot: QtBot, workspace: DecisionLogWorkspace,
                                             controller: ProjectController) -> None:
    original = log(controller)
    qtbot.mouseClick(workspace.add_button, Qt.MouseButton.LeftButton)
    entries = controller.state.data["decision_log"]
    assert len(entries) == len(original) + 1
    new = entries[-1]
    today = dt.date.today().isoformat()
    assert new["date"] == today and new["owner"] == controller.state.data["project"]["author"]
    assert workspace.table.currentIndex().data(ID_ROLE) == new["id"]
    assert workspace.date_edit.text() == today and workspace.decision_edit.toPlainText() == ""
    qtbot.keyClicks(workspace.decision_edit, "Ship it")
    workspace.typing.flush()
    assert controller.state.value("log", new["id"], "decision") == "Ship it"

    victim = original[2]["id"]
    select(workspace, victim)
    workspace.table.setFocus()
    qtbot.keyClick(workspace.table, Qt.Key.Key_Delete)
    assert victim not in [e["id"] for e in controller.state.data["decision_log"]]
    assert workspace.table.currentIndex().isValid()  # the next entry is selected

    controller.undo_stack.undo()
    assert log(controller)[:len(original)] == original
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert log(controller) == original
    assert workspace.proxy.rowCount() == len(original)


def test_an_empty_log_renders_and_takes_a_first_entry(qtbot: QtBot, sample: dict[str, Any]) -> None:
    for key in ("opportunities", "decisions", "unit_models", "memo", "decision_log", "scenarios",
                "correlations"):
        sample[key] = []
    document = ProjectDocument.from_data(sample)
    controller = ProjectController(ProjectState(document))
    try:
        w = open_workspace(qtbot, controller)
        assert w.proxy.rowCount() == 0 and w.empty_note.isVisible()
        assert not w.detail.isEnabled() and not w.remove_button.isEnabled()
        assert not w.grab().isNull()
        qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
        assert w.proxy.rowCount() == 1 and w.detail.isEnabled() and not w.empty_note.isVisible()
        controller.undo_stack.undo()
        assert w.proxy.rowCount() == 0 and not w.detail.isEnabled()
        controller.wait_for_monte_carlo()
    finally:
        document.close()
